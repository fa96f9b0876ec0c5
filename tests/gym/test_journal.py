"""The review journal round-trips, survives hand edits, and feeds the per-topic table."""

from __future__ import annotations

import pytest

from dlfs.gym.journal import append_review, journal_path, read_reviews, topic_stats
from dlfs.gym.problems import PROBLEMS, get_problem


def test_reviews_round_trip_and_survive_hand_edits():
    p = get_problem("coin-change")
    append_review(p, "fewest coins", "greedy\nby largest coin", "use DP")
    with journal_path().open("a", encoding="utf-8") as f:
        f.write("\n## my own notes, not a review\n- what: ignored\n\nfree text\n")
    append_review(get_problem("window-max"), "w", "m", "l")
    reviews = read_reviews()
    assert [r.problem_id for r in reviews] == ["coin-change", "window-max"]
    assert reviews[0].mistake == "greedy by largest coin"          # kept on one line
    assert reviews[0].day == 26 and reviews[0].topic == "dynamic programming"
    assert journal_path().read_text(encoding="utf-8").startswith("# Gym journal")


def test_empty_review_line_is_rejected():
    with pytest.raises(ValueError, match="mistake"):
        append_review(get_problem("coin-change"), "x", "  ", "y")


def test_topic_stats_orders_weakest_first():
    history = [{"problem": "window-max", "verdict": "AC"},
               {"problem": "coin-change", "verdict": "WA"},
               {"problem": "coin-change", "verdict": "TLE"},
               {"problem": "edit-distance", "verdict": "AC"},
               {"problem": "removed-problem", "verdict": "RE", "topic": "old"}]
    rows = topic_stats(PROBLEMS, history, [])
    assert [r.topic for r in rows][:2] == ["dynamic programming", "old"]
    dp = rows[0]
    assert (dp.solved, dp.checks, dp.verdicts) == (1, 3, {"WA": 1, "TLE": 1, "AC": 1})
    assert dp.problems == sum(p.topic == "dynamic programming" for p in PROBLEMS)
