"""Lessons of the Python algorithm gym (Track B): one per day, files ``gym/dayNN_<topic>.py``.

Each lesson shows its day's two problems (``dlfs.gym.problems``); a day is ticked in
``dlfs progress --track gym`` when the lesson's check passed and both problems were
accepted by ``dlfs gym check``.
"""

from ..schema import Lesson

_T = "tests/gym/test_templates.py"
_P = "tests/gym/test_problems.py"


def _day(day: int, slug: str, lesson_id: str, en: str, zh: str,
         checks: tuple[str, ...] = (_P,)) -> Lesson:
    return Lesson(id=lesson_id, title_en=en, title_zh=zh, path=f"gym/day{day:02d}_{slug}.py",
                  at=(f"gym:{day}",), checks=checks)


LESSONS: tuple[Lesson, ...] = (
    _day(1, "counter", "gym-counter", "Counter: frequencies, anagrams", "Counter 频次统计/异位词",
         (_T, _P)),
    _day(2, "defaultdict", "gym-defaultdict", "defaultdict: grouping, building graphs",
         "defaultdict 分组/建图", (_T, _P)),
    Lesson(
        id="gym-deque",
        title_en="deque: queues, BFS, sliding windows",
        title_zh="deque 队列/BFS/滑窗",
        path="gym/day03_deque.py",
        at=("gym:3",),
        checks=("tests/test_playground.py", _P),
    ),
    _day(4, "sorting", "gym-sorting", "Sorting: key, lambda, tuples", "排序技巧"),
    _day(5, "collections_quiz", "gym-collections-quiz", "Mixed collections quiz", "综合小测"),
    _day(6, "review_templates", "gym-review-templates", "Mistake review + template hardening",
         "错题回炉 + 模板固化", (_T, _P, "tests/gym/test_gym_cli.py")),
    _day(7, "fill_gaps", "gym-fill-gaps", "Fill the gaps: sets, difference arrays, zip",
         "补齐遗漏点", (_T, _P)),
    _day(8, "itertools", "gym-itertools", "itertools basics: product, permutations",
         "itertools 基础"),
    _day(9, "groupby", "gym-groupby", "groupby: run-length, consecutive segments", "groupby 思想",
         (_T, _P)),
    _day(10, "heapq", "gym-heapq", "heapq: top-k, min-heap, simulation", "heapq 堆",
         (_T, _P)),
    _day(11, "bisect", "gym-bisect", "bisect: binary search, sorted sequences", "bisect 二分查找",
         (_T, _P)),
    _day(12, "heap_bisect_drills", "gym-heap-bisect-drills", "Heap + binary search drills",
         "综合训练（堆 + 二分）", (_T, _P)),
    _day(13, "speed_drill", "gym-speed-drill", "Speed drill (60 minutes)", "速度训练",
         (_P, "tests/gym/test_judge.py")),
    _day(14, "heap_bisect_templates", "gym-heap-bisect-templates",
         "Heap and binary-search templates", "整理堆与二分模板", (_T, _P)),
    _day(15, "generators", "gym-generators", "Iterators and generators (yield/map/filter)",
         "迭代器与生成器"),
    _day(16, "lru_cache", "gym-lru-cache", "functools: lru_cache memoized search",
         "functools 记忆化搜索"),
    _day(17, "fast_io", "gym-fast-io", "Fast I/O and constant-factor tuning (sys.stdin)",
         "快速 I/O 与常数优化", (_T, _P)),
    _day(18, "strings", "gym-strings", "Strings and parsing", "字符串与解析专项", (_T, _P)),
    _day(19, "graphs", "gym-graphs", "Graph / tree templates (BFS/DFS)", "图/树模板巩固",
         (_T, _P)),
    _day(20, "timed_set", "gym-timed-set", "Timed mixed set (90 minutes)", "综合限时",
         (_P, "tests/gym/test_judge.py")),
    _day(21, "cheatsheet", "gym-cheatsheet", "Library cheat sheet", "常用库速查表",
         ("tests/gym/test_cheatsheet.py", _T, _P)),
    _day(22, "two_pointers", "gym-two-pointers", "Two pointers / sliding window",
         "双指针/滑窗专题", (_T, _P)),
    _day(23, "binary_search_answer", "gym-binary-search-answer", "Binary search on the answer",
         "二分查找专题", (_T, _P)),
    _day(24, "monotonic_stack", "gym-monotonic-stack", "Monotonic stack / queue",
         "单调栈/队列专题", (_T, _P)),
    _day(25, "top_k", "gym-top-k", "Heap / top-k", "堆/TopK 专题", (_T, _P)),
    _day(26, "dp", "gym-dp", "Dynamic programming, first steps", "DP 动态规划入门", (_T, _P)),
    _day(27, "mock_interview", "gym-mock-interview", "Mock interview (talk through the approach)",
         "模拟面试", (_P, "tests/gym/test_judge.py")),
    _day(28, "mistake_stats", "gym-mistake-stats", "Mistake statistics and next-phase plan",
         "统计错题与下阶段规划", (_P, "tests/gym/test_gym_cli.py")),
)
