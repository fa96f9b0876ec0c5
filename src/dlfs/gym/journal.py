"""The learner's gym journal: three-line reviews, and per-topic mistake statistics.

The seed's daily standard is "two accepted problems and a three-line review" (what the
problem was, the mistake made, the lesson kept). Reviews are appended to a Markdown file
in :func:`dlfs.paths.data_home` that a learner can read and edit; Day 28's statistics join
it with the judge history (:mod:`dlfs.gym.judge`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..i18n import t
from ..paths import data_home
from .problem import Problem

JOURNAL_FILE = "gym_journal.md"
FIELDS = ("what", "mistake", "lesson")
_HEAD_RE = re.compile(r"^## (\S+) · ([a-z0-9-]+) \(day (\d+), (.+)\)\s*$")
_LINE_RE = re.compile(r"^- (what|mistake|lesson): (.*)$")


def _field_label(name: str) -> str:
    labels = {"what": t("gym.review.field.what"), "mistake": t("gym.review.field.mistake"),
              "lesson": t("gym.review.field.lesson")}
    return labels.get(name, name)


def journal_path() -> Path:
    """``gym_journal.md`` in the learner's data directory."""
    return data_home() / JOURNAL_FILE


@dataclass(frozen=True)
class Review:
    """One three-line review."""

    at: str
    problem_id: str
    day: int
    topic: str
    what: str
    mistake: str
    lesson: str


def append_review(problem: Problem, what: str, mistake: str, lesson: str) -> Review:
    """Append a review to the journal (created on first use) and return it."""
    texts = {"what": what, "mistake": mistake, "lesson": lesson}
    for name, text in texts.items():
        if not text or not text.strip():
            raise ValueError(t("gym.err.review_empty", name=_field_label(name)))
        texts[name] = " ".join(text.split())  # one line each
    at = datetime.now(timezone.utc).isoformat(timespec="minutes")
    review = Review(at, problem.id, problem.day, problem.topic, **texts)
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", encoding="utf-8") as f:
        if new:
            f.write("# Gym journal · 刷题复盘\n")
        f.write(f"\n## {at} · {problem.id} (day {problem.day}, {problem.topic})\n")
        for name in FIELDS:
            f.write(f"- {name}: {texts[name]}\n")
    return review


def read_reviews(path: Path | None = None) -> list[Review]:
    """Every complete review in the journal, oldest first; hand-edited junk is skipped."""
    path = path or journal_path()
    if not path.exists():
        return []
    out: list[Review] = []
    head: tuple[str, str, int, str] | None = None
    lines: dict[str, str] = {}
    for line in [*path.read_text(encoding="utf-8").splitlines(), "## end"]:
        if line.startswith("## "):
            if head and all(k in lines for k in FIELDS):
                out.append(Review(*head, **{k: lines[k] for k in FIELDS}))
            m = _HEAD_RE.match(line)
            head = (m.group(1), m.group(2), int(m.group(3)), m.group(4)) if m else None
            lines = {}
        elif (m := _LINE_RE.match(line)) and head:
            lines[m.group(1)] = m.group(2).strip()
    return out


@dataclass(frozen=True)
class TopicRow:
    """Statistics of one topic for ``dlfs gym stats``."""

    topic: str
    solved: int
    problems: int
    checks: int
    verdicts: dict[str, int]
    reviews: int
    last_mistake: str


def topic_stats(problems: Iterable[Problem], history: Iterable[dict],
                reviews: Iterable[Review]) -> list[TopicRow]:
    """Per topic: problems accepted, judge runs by verdict, reviews and the latest mistake.

    Rows come sorted by the number of failed runs (the weakest topic first).
    """
    problems = list(problems)
    by_id = {p.id: p for p in problems}
    totals = Counter(p.topic for p in problems)
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    solved: dict[str, set[str]] = defaultdict(set)
    for row in history:
        problem = by_id.get(row.get("problem", ""))
        topic = problem.topic if problem else row.get("topic", "?")
        verdicts[topic][row.get("verdict", "?")] += 1
        if row.get("verdict") == "AC":
            solved[topic].add(row["problem"])
    n_reviews: Counter[str] = Counter()
    last: dict[str, str] = {}
    for r in reviews:
        n_reviews[r.topic] += 1
        last[r.topic] = r.mistake
    topics = set(verdicts) | set(n_reviews)
    rows = [TopicRow(t, len(solved[t]), totals.get(t, 0), sum(verdicts[t].values()),
                     dict(verdicts[t]), n_reviews[t], last.get(t, "")) for t in topics]
    return sorted(rows, key=lambda r: (-(r.checks - r.verdicts.get("AC", 0)), r.topic))
