"""Fuzzing the recipes' options: whatever a learner types, `dlfs train` ends in exit 0, or
in exit 2 with one line on stderr — never "internal error" (exit 1), never a traceback.

Each example is one small run of one recipe, in this process: a base command line that
keeps it tiny (a short text, a few images, one or two steps), then one to three of the
recipe's own options (path options excepted) set to boundary values: -1, 0, 1, 2 for ints,
negative / zero / tiny / huge for floats, ``nan`` and ``inf``, an unknown choice, a flag
flipped. Bounded examples, derandomized, so the test takes seconds and repeats exactly.
"""

from __future__ import annotations

import contextlib
import io
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlfs.cli import main
from dlfs.recipes.options import recipe_options
from dlfs.recipes.registry import RECIPES

INTS = ["-1", "0", "1", "2"]
FLOATS = ["-1", "0", "1e-09", "0.5", "1", "1e+30", "nan", "inf"]
PATH_FIELDS = {"out_dir", "data", "weights", "pretrain_data", "base", "from_dir", "nproc"}


def _base(name: str, files: Path) -> list[str]:
    """A command line that makes one run of ``name`` take a fraction of a second."""
    text = str(files / "text.txt")
    return {
        "gpt": ["--quick", "--data", text, "--max-steps", "2", "--eval-every", "1",
                "--eval-batches", "1", "--n-layer", "1", "--n-embd", "16", "--n-head", "2",
                "--block-size", "8", "--batch-size", "4", "--sample-tokens", "5"],
        "charrnn": ["--quick", "--data", text, "--max-steps", "2", "--eval-every", "1",
                    "--eval-batches", "1", "--hidden", "8", "--num-steps", "8",
                    "--batch-size", "4", "--sample-tokens", "5"],
        "transformer": ["--quick", "--n-train", "64", "--n-test", "8", "--max-steps", "2",
                        "--beam-eval", "2", "--batch-size", "8"],
        "mnist": ["--quick", "--data", str(files / "mnist"), "--n-train", "32", "--n-test",
                  "16", "--batch-size", "16"],
        "finetune": ["--quick", "--n", "20", "--epochs", "1", "--pretrain-epochs", "1"],
        "kaggle-digits": ["--quick", "--data", str(files / "kaggle"), "--epochs", "1"],
        "kaggle-titanic": ["--quick", "--epochs", "2"],
        "clip": ["--quick", "--max-steps", "2", "--eval-every", "1", "--batch-size", "8",
                 "--langs", "en"],
        "vae": ["--quick", "--max-steps", "2", "--eval-every", "1", "--image-size", "8",
                "--width", "4", "--batch-size", "16"],
        "ddpm": ["--quick", "--max-steps", "2", "--eval-every", "1", "--batch-size", "8",
                 "--timesteps", "20", "--sample-steps", "2", "--quality-samples", "10"],
        "gan": ["--quick", "--max-steps", "2", "--eval-every", "1", "--batch-size", "8"],
        "captioner": ["--quick", "--gpt-steps", "2", "--qformer-steps", "2", "--documents",
                      "20", "--eval-every", "1", "--test-images", "5", "--examples", "1",
                      "--gpt-batch-size", "4", "--qformer-batch-size", "8"],
        "vit": ["--quick", "--max-steps", "2", "--eval-every", "1", "--batch-size", "8"],
        "bert": ["--quick", "--max-steps", "2", "--eval-every", "1", "--batch-size", "8",
                 "--finetune-steps", "2"],
        "sft": ["--quick", "--pretrain-data", str(files / "chars.txt"), "--pretrain-steps",
                "1", "--max-steps", "1", "--eval-every", "1", "--n-train", "4",
                "--batch-size", "4"],
        "dpo": ["--quick", "--from-dir", str(files / "sft"), "--questions", "4", "--samples",
                "2", "--max-steps", "1", "--eval-every", "1", "--batch-size", "4"],
    }[name]


def _values(option) -> st.SearchStrategy[list[str]]:
    """The words that set ``option`` to a boundary value."""
    flag = option.flags[0]
    if option.kind is bool:
        return st.just([flag])
    if option.choices is not None:
        words = [str(c) for c in option.choices] + ["nonsense"]
    elif option.kind is int:
        words = INTS
    elif option.kind is float:
        words = FLOATS
    else:
        words = ["", "none", "x" * 3, "\u00e9\u4e2d"]
    if option.optional:
        words = [*words, "none"]
    return st.sampled_from(words).map(lambda word: [flag, word])


@st.composite
def command_lines(draw) -> list[str]:
    entry = draw(st.sampled_from(RECIPES))
    options = [o for o in recipe_options(entry.load().recipe)
               if o.path.split(".")[-1] not in PATH_FIELDS]
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=3,
                           unique_by=lambda o: o.path))
    words = [w for option in chosen for w in draw(_values(option))]
    return [entry.name, *words]


def run_in_process(argv: list[str]) -> tuple[int, str]:
    """``dlfs ARGV``: (exit status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:                        # argparse: usage errors, --help
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


@pytest.fixture(scope="module")
def fuzz_files(files: Path) -> Path:
    """``files`` plus what the chat recipes need: a text for sft's own pre-training (every
    character the instructions use) and a finished one-step sft run for dpo's --from-dir."""
    chars = files / "chars.txt"
    chars.write_text((string.ascii_letters + string.digits + " +?'/.-\n") * 40)
    code, err = run_in_process(["train", "sft", *_base("sft", files), "--out",
                                str(files / "sft")])
    assert code == 0, err
    return files


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(command=command_lines())
def test_every_option_value_ends_in_exit_0_or_one_line_exit_2(command, fuzz_files) -> None:
    name, *changes = command
    files = fuzz_files
    with tempfile.TemporaryDirectory(dir=files) as out:
        argv = ["train", name, *_base(name, files), "--out", str(Path(out) / "run"), *changes]
        code, err = run_in_process(argv)
    assert "internal error" not in err and "Traceback" not in err, (argv, err)
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.endswith("\n"), (argv, err)
