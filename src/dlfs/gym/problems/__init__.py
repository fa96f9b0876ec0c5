"""The gym's problem set: an explicit list, two problems per Track B day.

Each module defines ``PROBLEM``; add a new one by importing it here and appending it to
``_MODULES`` (no discovery magic).

>>> len(PROBLEMS) >= 56, get_problem("window-max").day
(True, 3)
>>> [p.id for p in problems_for_day(1)]
['frequent-words', 'anagram-pairs']
"""

from __future__ import annotations

import importlib

from ...errors import UnknownNameError, closest
from ..problem import Problem

# One explicit list; each name is a module of this package that defines PROBLEM.
_MODULE_NAMES = (
    "d01_frequent_words",
    "d01_valid_anagram",
    "d02_group_anagrams",
    "d02_reachable_count",
    "d03_maze_shortest_path",
    "d03_window_max",
    "d04_merge_intervals",
    "d04_rank_students",
    "d05_first_unique",
    "d05_josephus",
    "d06_pair_sum_sorted",
    "d06_subarray_sum",
    "d07_longest_consecutive",
    "d07_range_add",
    "d08_distinct_permutations",
    "d08_phone_words",
    "d09_run_length",
    "d09_summary_ranges",
    "d10_k_closest_points",
    "d10_meeting_rooms",
    "d11_count_in_range",
    "d11_lis",
    "d12_merge_sorted_lists",
    "d12_running_median",
    "d13_max_subarray",
    "d13_pair_count",
    "d14_integer_sqrt",
    "d14_kth_largest",
    "d15_flatten_nested",
    "d15_interleave",
    "d16_climb_stairs",
    "d16_word_break",
    "d17_big_sum",
    "d17_range_sum_queries",
    "d18_calculator",
    "d18_decode_string",
    "d19_course_order",
    "d19_islands",
    "d20_network_delay",
    "d20_top_k_frequent",
    "d21_friend_groups",
    "d21_prefix_count",
    "d22_longest_unique",
    "d22_min_window",
    "d23_eating_speed",
    "d23_ship_capacity",
    "d24_daily_temperatures",
    "d24_largest_rectangle",
    "d25_connect_ropes",
    "d25_last_stone",
    "d26_coin_change",
    "d26_edit_distance",
    "d27_knapsack",
    "d27_lcs",
    "d28_find_all",
    "d28_house_robber",
)
_MODULES = tuple(importlib.import_module(f"{__name__}.{name}") for name in _MODULE_NAMES)

PROBLEMS: tuple[Problem, ...] = tuple(m.PROBLEM for m in _MODULES)
_BY_ID: dict[str, Problem] = {}
for _p in PROBLEMS:
    if _p.id in _BY_ID:
        raise ValueError(f"gym problem id {_p.id!r} is registered twice")
    _BY_ID[_p.id] = _p


class UnknownProblemError(UnknownNameError):
    """A problem id that the gym does not know; suggests the closest ones."""

    what, listing = "gym problem", "dlfs gym list"


def get_problem(problem_id: str) -> Problem:
    """The problem with this id; raises :class:`UnknownProblemError` with suggestions."""
    try:
        return _BY_ID[problem_id]
    except KeyError:
        raise UnknownProblemError(problem_id, closest(problem_id, _BY_ID)) from None


def problems_for_day(day: int) -> list[Problem]:
    """The problems of one Track B day, in list order."""
    return [p for p in PROBLEMS if p.day == day]


__all__ = ["PROBLEMS", "UnknownProblemError", "get_problem", "problems_for_day"]
