"""The lessons whose headline claims only their full mode shows, run in full mode.

A lesson asserts its own claims. Its quick mode (what `test_lessons_smoke.py` runs) asserts
what a seconds-long run shows; some headlines need minutes of training (a net's test
accuracy, a fitted law, a model that converges or visibly fails to), and the lesson asserts
those only when it runs in full mode. The runs here are marked ``slow``: `make test` leaves
them out, `make test-full` (``pytest -m slow``) runs them.

``test_every_full_mode_claim_is_run_here`` keeps the list complete: a lesson with an assert
that depends on the mode must be listed.
"""

from __future__ import annotations

import ast

import pytest

from dlfs.curriculum import all_lessons, get_lesson, lesson_file, run_lesson

# lesson id -> the headline its full mode asserts (the lesson's own asserts do the checking)
FULL_MODE_CLAIMS = {
    "train-template": "the plain training loop reaches > 95 % test accuracy in 30 epochs",
    "liuer-advanced-cnn": "the three lecture nets reach >= 93 % test accuracy in 8 epochs",
    "feature-maps": "the small CNN reaches > 96 % test accuracy",
    "seq2seq-attention": "with attention >= 95 % exact match on unseen dates, above the model "
                         "without it; the year rows attend mostly (> 0.6) to the year",
    "vanilla-transformer": "sort >= 90 % and dates >= 90 % exact match; Post-LN without warmup "
                           "stays at log 11 while the other three fall below 0.5",
    "scaling-law": "six widths: each wider model lower, a power law with alpha > 0.05",
    "kaggle-digits": "stratified 5-fold: out-of-fold accuracy > 95 %, the fold-averaged "
                     "submission > 96 %",
    "data-parallel": "2 processes x half the batch end within 1e-3 of 1 process x the whole "
                     "batch after 60 GPT steps; tokens/s of each layout measured",
    "ring-allreduce": "the ring all-reduce of 2^20 floats over 3 processes equals "
                      "dist.all_reduce within 1e-5",
    "zero-stages": "ZeRO-1 over 1, 2, 4 processes: the AdamW state per rank sums to the "
                   "one-process state and each rank holds at most 1.05/N of it",
    "ddpm-sampling": "the trained default DDPM: DDIM with 50 steps within 1.25x ancestral "
                     "sampling's digits-FD ratio, DDIM with 10 steps worse than with 50",
    "classifier-free-guidance": "at w = 1 >= 90 % of the guided samples read as the "
                                "requested digit; w = 4 leaves the real digits (higher FD)",
    "wgan-gp": "on the ring of 8 Gaussians, seeds 1 and 2, 400 steps: the non-saturating "
               "GAN covers <= 3 modes, WGAN-GP >= 7; continued to 2000 steps, the "
               "non-saturating run spreads over more modes",
    "clip-zero-shot": "zero-shot accuracy >= 90 % in English and in Chinese on held-out "
                      "digits and held-out phrasings",
    "gated-cross-attention": "a frozen token stream learns to name digits through a gated "
                             "cross-attention block: > 85 % held-out after 400 steps",
    "qformer-captioner": "the stage-1 GPT copies the previous caption's digit >= 80 %; the "
                         "Q-Former's captions name the right digit on >= 90 % of held-out "
                         "images",
    "vision-transformer": "the ViT and the CNN of similar size both > 95 % held-out accuracy "
                          "on the digits",
    "bert-mlm": "fine-tuning from the pre-trained encoder beats the same classifier trained "
                "from scratch on 100 labelled lines",
}


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", sorted(FULL_MODE_CLAIMS))
def test_lesson_headline_in_full_mode(lesson_id):
    lesson = get_lesson(lesson_id)
    result = run_lesson(lesson, quick=False)
    assert result.ok, f"{lesson_id} (full mode: {FULL_MODE_CLAIMS[lesson_id]}): {result.error}"


def _mentions_quick(node: ast.AST) -> bool:
    """Does the expression read ``ctx.quick``?"""
    return any(isinstance(n, ast.Attribute) and n.attr == "quick" for n in ast.walk(node))


def _quick_thresholds(tree: ast.Module) -> set[str]:
    """Names assigned ``<floats> if ctx.quick else <floats>``: a bound that depends on the mode
    (sizes and step counts, which are ints, are not bounds)."""
    def floats(node: ast.AST) -> bool:
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        return all(isinstance(i, ast.Constant) and isinstance(i.value, float) for i in items)

    names = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp)
                and _mentions_quick(node.value.test)
                and floats(node.value.body) and floats(node.value.orelse)):
            for target in node.targets:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _has_mode_dependent_assert(source: str) -> bool:
    """An assert inside ``if ... ctx.quick ...:``, or one whose bound depends on the mode."""
    tree = ast.parse(source)
    thresholds = _quick_thresholds(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _mentions_quick(node.test):
            if any(isinstance(n, ast.Assert) for n in ast.walk(node)):
                return True
        if isinstance(node, ast.Assert):
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if _mentions_quick(node) or used & thresholds:
                return True
    return False


def test_every_full_mode_claim_is_run_here():
    dependent = {lesson.id for lesson in all_lessons()
                 if _has_mode_dependent_assert(lesson_file(lesson).read_text(encoding="utf-8"))}
    missing = dependent - set(FULL_MODE_CLAIMS)
    assert not missing, f"lessons with full-mode-only asserts, not run in full mode: {missing}"
    known = {lesson.id for lesson in all_lessons()}
    assert set(FULL_MODE_CLAIMS) <= known, set(FULL_MODE_CLAIMS) - known


@pytest.mark.parametrize("source, dependent", [
    ("if not ctx.quick:\n    assert acc > 0.9\n", True),
    ("assert acc > (0.5 if ctx.quick else 0.9)\n", True),
    ("bound = 0.6 if ctx.quick else 0.93\nassert acc >= bound\n", True),
    ("lo, hi = (0.1, 0.2) if ctx.quick else (0.3, 0.4)\nassert lo < x < hi\n", True),
    ("steps = 10 if ctx.quick else 100\nassert len(curve) == steps\n", False),
    ("if ctx.quick:\n    print('short run')\nassert acc > 0.5\n", False),
])
def test_the_scan_finds_mode_dependent_asserts(source, dependent):
    assert _has_mode_dependent_assert(source) is dependent
