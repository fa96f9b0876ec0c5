"""The debug checklist cannot rot: every ```python block in docs/debug_checklist.md and its
Chinese translation runs as written (fresh namespace, CPU, quiet), and the two files stay in
step (same items, same number of blocks per item, the same four parts in every item).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlfs.docblocks import FENCE, code_tokens, run_block

DOCS = Path(__file__).resolve().parents[1] / "docs"
FILES = ("debug_checklist.md", "debug_checklist.zh-CN.md")
# The four parts of every numbered item, as each language spells them.
PARTS = {
    "debug_checklist.md": ("**Symptom**", "**Confirm**", "**Fix**", "**See also:**"),
    "debug_checklist.zh-CN.md": ("**症状**", "**确认**", "**修复**", "**延伸阅读：**"),
}


def _sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) for every ``## `` heading, in order (text before the first is dropped)."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2]))


def _slug(heading: str) -> str:
    """An ASCII test id from a heading: '3. Device mismatch' -> '3-device-mismatch'."""
    words = re.findall(r"[A-Za-z0-9]+", heading)
    return "-".join(words).lower() or "section"


def _blocks() -> list[pytest.param]:
    params = []
    for name in FILES:
        for heading, body in _sections((DOCS / name).read_text(encoding="utf-8")):
            for k, code in enumerate(FENCE.findall(body), start=1):
                test_id = f"{name.removesuffix('.md')}:{_slug(heading)}:{k}"
                params.append(pytest.param(name, heading, code, id=test_id))
    return params


@pytest.mark.parametrize(("name", "heading", "code"), _blocks())
def test_block_runs(name: str, heading: str, code: str) -> None:
    assert "assert" in code, f"{name} / {heading}: a block must check what it claims"
    stray = run_block(code, f"{name}: {heading}")
    assert not stray, f"{name} / {heading}: the block leaks warnings: {stray[0].message}"


def test_both_languages_have_the_same_items_and_blocks() -> None:
    en, zh = (_sections((DOCS / n).read_text(encoding="utf-8")) for n in FILES)
    assert len(en) == len(zh), f"## headings: {len(en)} in English, {len(zh)} in Chinese"
    for (h_en, b_en), (h_zh, b_zh) in zip(en, zh):
        num_en, num_zh = (re.match(r"(\d+)\.", h) for h in (h_en, h_zh))
        assert bool(num_en) == bool(num_zh), f"numbering differs: {h_en!r} vs {h_zh!r}"
        if num_en:
            assert num_en.group(1) == num_zh.group(1), f"{h_en!r} vs {h_zh!r}"
        assert len(FENCE.findall(b_en)) == len(FENCE.findall(b_zh)), \
            f"{h_en!r}: block counts differ between the two files"
    total = sum(len(FENCE.findall(b)) for _, b in en)
    assert total >= 12, f"only {total} runnable blocks"


def test_translation_keeps_the_code() -> None:
    """Only comments may differ between the English and the Chinese blocks."""
    en, zh = (_sections((DOCS / n).read_text(encoding="utf-8")) for n in FILES)
    for (heading, b_en), (_, b_zh) in zip(en, zh):
        for k, (c_en, c_zh) in enumerate(zip(FENCE.findall(b_en), FENCE.findall(b_zh)), 1):
            assert code_tokens(c_en) == code_tokens(c_zh), \
                f"{heading!r}, block {k}: the code differs beyond comments"


@pytest.mark.parametrize("name", FILES)
def test_every_item_has_symptom_confirm_fix_and_see_also(name: str) -> None:
    items = [(h, b) for h, b in _sections((DOCS / name).read_text(encoding="utf-8"))
             if re.match(r"\d+\.", h)]
    assert len(items) >= 12, f"{name}: {len(items)} numbered items"
    for heading, body in items:
        missing = [p for p in PARTS[name] if p not in body]
        assert not missing, f"{name} / {heading}: missing {missing}"
        assert FENCE.search(body), f"{name} / {heading}: no runnable block"


def test_lesson_pointers_name_registered_lessons() -> None:
    """A 'lesson `id`' pointer must name a lesson the registry knows."""
    from dlfs.curriculum import all_lessons

    known = {lesson.id for lesson in all_lessons()}
    for name in FILES:
        text = (DOCS / name).read_text(encoding="utf-8")
        named = set(re.findall(r"`dlfs run ([a-z0-9-]+)`", text))
        assert named, f"{name}: no lesson pointers"
        assert named <= known, f"{name}: unknown lesson ids {sorted(named - known)}"


# "lesson coming in Day 2 (…), Day 3 (…) and Day 7" / "第 2 天（…）和第 3 天（…）的课程即将推出":
# the clause that makes the promise, then every day number named inside it.
COMING = {
    "debug_checklist.md": (re.compile(r"\bcoming\b(.*?)(?:[.;](?:\s|$)|\Z)", re.DOTALL),
                           re.compile(r"\bDay\s+(\d+)")),
    "debug_checklist.zh-CN.md": (re.compile(r"([^；。]*?)即将推出", re.DOTALL),
                                 re.compile(r"第\s*(\d+)\s*天")),
}
# "(Day 20, `dlfs run debugging-drill`)" / "（第 20 天，`dlfs run debugging-drill`）"
DAY_POINTER = {
    "debug_checklist.md": re.compile(r"\(Day\s+(\d+),\s+`dlfs run ([a-z0-9-]+)`\)"),
    "debug_checklist.zh-CN.md": re.compile(r"（第\s*(\d+)\s*天，\s*`dlfs run ([a-z0-9-]+)`）"),
}


def _promised_days(name: str, text: str) -> set[str]:
    clause, day = COMING[name]
    return {d for c in clause.findall(text) for d in day.findall(c)}


def test_no_lesson_is_promised_for_a_day_that_has_one() -> None:
    """'Coming in Day N' may only be said of roadmap days that still have no lesson, and a
    '(Day N, `dlfs run id`)' pointer must name a lesson registered at that day."""
    from dlfs.curriculum import get_lesson, get_track, lessons_at

    # the parser itself: it must see the promises in both spellings
    assert _promised_days(FILES[0], "lesson coming in Day 2 (x), Day 3 (y) and\nDay 7. Day 8") \
        == {"2", "3", "7"}
    assert _promised_days(FILES[1], "讲形状；第 2 天（x）和\n第 9 天（y）的课程即将推出。第 8 天") \
        == {"2", "9"}

    written = {e.key for e in get_track("pytorch").entries if lessons_at("pytorch", e.key)}
    for name in FILES:
        text = (DOCS / name).read_text(encoding="utf-8")
        stale = sorted(_promised_days(name, text) & written, key=int)
        assert not stale, (f"{name}: says a lesson is coming for day(s) {stale}, which have "
                           "lessons now: point to them with `dlfs run <id>`")
        for day, lesson_id in DAY_POINTER[name].findall(text):
            assert ("pytorch", day) in get_lesson(lesson_id).places, \
                f"{name}: lesson {lesson_id} is not the roadmap's Day {day}"
