"""The interview questions cannot rot: every ```python block in docs/interview_questions.md and
its Chinese version runs as written (fresh namespace, CPU, single thread, quiet), every
`dlfs run <id>` names a registered lesson, every `src/...` path exists, and the two files ask
the same questions with the same code (comments aside).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlfs.docblocks import FENCE, code_tokens, run_block

ROOT = Path(__file__).resolve().parents[1]
FILES = ("interview_questions.md", "interview_questions.zh-CN.md")
SEE_IT = {"interview_questions.md": "**See it:**", "interview_questions.zh-CN.md": "**动手看：**"}
QUESTION = re.compile(r"^### (Q\d+)\. (.+)$", re.MULTILINE)
MIN_QUESTIONS, MIN_BLOCKS = 40, 10


def _text(name: str) -> str:
    return (ROOT / "docs" / name).read_text(encoding="utf-8")


def _questions(name: str) -> list[tuple[str, str]]:
    """(question id, body) for every ``### Qn.`` heading, in order; a body ends at the next
    heading of level 2 or 3."""
    text = _text(name)
    heads = list(QUESTION.finditer(text))
    out = []
    for h in heads:
        rest = text[h.end():]
        stop = re.search(r"^##", rest, flags=re.MULTILINE)
        out.append((h.group(1), rest[:stop.start()] if stop else rest))
    return out


def _blocks() -> list[pytest.param]:
    return [pytest.param(name, qid, code, id=f"{name.split('.')[0]}{'-zh' * ('zh' in name)}:"
                         f"{qid}:{k}")
            for name in FILES for qid, body in _questions(name)
            for k, code in enumerate(FENCE.findall(body), start=1)]


@pytest.mark.parametrize(("name", "qid", "code"), _blocks())
def test_block_runs(name: str, qid: str, code: str) -> None:
    assert "assert" in code, f"{name} / {qid}: a block must check what it claims"
    stray = run_block(code, f"{name}: {qid}")
    assert not stray, f"{name} / {qid}: the block leaks warnings: {stray[0].message}"


@pytest.mark.parametrize("name", FILES)
def test_enough_questions_each_with_a_pointer(name: str) -> None:
    questions = _questions(name)
    ids = [qid for qid, _ in questions]
    assert ids == [f"Q{i}" for i in range(1, len(ids) + 1)], f"{name}: numbering {ids}"
    assert len(questions) >= MIN_QUESTIONS, f"{name}: only {len(questions)} questions"
    for qid, body in questions:
        line = next((ln for ln in body.splitlines() if ln.startswith(SEE_IT[name])), None)
        assert line, f"{name} / {qid}: no '{SEE_IT[name]}' line"
        assert re.search(r"`dlfs run [a-z0-9-]+`|`src/dlfs/[\w/]+\.py`", line), \
            f"{name} / {qid}: the pointer names neither a lesson nor a library file: {line}"
    blocks = sum(len(FENCE.findall(body)) for _, body in questions)
    assert blocks >= MIN_BLOCKS, f"{name}: only {blocks} runnable blocks"


@pytest.mark.parametrize("name", FILES)
def test_pointers_name_things_that_exist(name: str) -> None:
    from dlfs.curriculum import get_lesson

    text = _text(name)
    ids = set(re.findall(r"`dlfs run ([a-z0-9-]+)`", text))
    assert ids, f"{name}: no lesson pointers"
    for lesson_id in sorted(ids):
        get_lesson(lesson_id)                   # raises for an unknown id
    paths = set(re.findall(r"`(src/[\w/.-]+?\.py)`", text))
    assert paths, f"{name}: no library pointers"
    missing = sorted(p for p in paths if not (ROOT / p).is_file())
    assert not missing, f"{name}: these files do not exist: {missing}"


def test_unknown_lesson_ids_are_refused() -> None:
    """The registry check above can fail: get_lesson raises for an id nobody registered."""
    from dlfs.curriculum import get_lesson
    from dlfs.errors import UnknownLessonError

    with pytest.raises(UnknownLessonError):
        get_lesson("no-such-interview-lesson")


def test_both_languages_ask_the_same_questions_with_the_same_code() -> None:
    en, zh = (_questions(n) for n in FILES)
    assert [q for q, _ in en] == [q for q, _ in zh], "question numbers differ"
    for (qid, b_en), (_, b_zh) in zip(en, zh):
        c_en, c_zh = FENCE.findall(b_en), FENCE.findall(b_zh)
        assert len(c_en) == len(c_zh), f"{qid}: {len(c_en)} blocks in English, {len(c_zh)} in Chinese"
        for k, (a, b) in enumerate(zip(c_en, c_zh), start=1):
            assert code_tokens(a) == code_tokens(b), \
                f"{qid}, block {k}: the code differs beyond comments"
    groups = [re.findall(r"^## ", _text(n), flags=re.MULTILINE) for n in FILES]
    assert len(groups[0]) == len(groups[1]), "the two files have different groups"
