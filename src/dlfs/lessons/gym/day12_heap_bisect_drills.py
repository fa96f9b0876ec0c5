# %% [markdown]
# # Gym Day 12 · Heap + binary search drills — 综合训练（堆 + 二分）
#
# **Library files:** `src/dlfs/gym/templates.py` (`merge_k_sorted`, `running_median`,
# `first_true`), `src/dlfs/gym/problems/d12_*.py`.
#
# Two drills where a heap and binary search meet: merging sorted streams, and the k-th
# smallest element of a sorted matrix found both ways.

# %%
import heapq
import random
import statistics

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import first_true, merge_k_sorted, running_median

ctx = lesson_context("gym-heap-bisect-drills")
DAY = 12
rng = random.Random(12)

streams = [[1, 4, 9], [2, 3, 10], [], [5]]
assert merge_k_sorted(streams) == sorted(sum(streams, []))
stream = [rng.randint(0, 50) for _ in range(30)]
assert running_median(stream) == [statistics.median(stream[:i + 1]) for i in range(30)]
print("merge_k_sorted and running_median match their oracles")

# %% [markdown]
# ## k-th smallest in a matrix with sorted rows and columns
# Heap: pop k times from a frontier of row heads, O(k log n). Binary search on the value:
# the answer is the smallest v with count(<= v) >= k, O(n log(range)).

# %%
n = 6
matrix = [[i * 3 + j * 2 + rng.randint(0, 1) for j in range(n)] for i in range(n)]
for row in matrix:                          # make rows and columns non-decreasing
    row.sort()
for j in range(n):
    col = sorted(matrix[i][j] for i in range(n))
    for i in range(n):
        matrix[i][j] = col[i]


def kth_heap(m: list[list[int]], k: int) -> int:
    heap = [(row[0], r, 0) for r, row in enumerate(m)]
    heapq.heapify(heap)
    for _ in range(k - 1):
        _, r, c = heapq.heappop(heap)
        if c + 1 < len(m[r]):
            heapq.heappush(heap, (m[r][c + 1], r, c + 1))
    return heap[0][0]


def kth_search(m: list[list[int]], k: int) -> int:
    count_le = lambda v: sum(sum(x <= v for x in row) for row in m)
    return first_true(m[0][0], m[-1][-1] + 1, lambda v: count_le(v) >= k)


flat = sorted(x for row in matrix for x in row)
for k in range(1, n * n + 1):
    assert kth_heap(matrix, k) == kth_search(matrix, k) == flat[k - 1]
print("k-th smallest: heap and binary search agree for every k up to", n * n)

# %% [markdown]
# ## Today's two problems
# Each card below is what `dlfs gym show <id> --hint` prints, followed by the reference
# solution. Try them yourself first: `dlfs gym new <id>` writes a starter file and
# `dlfs gym check <id> <file>` judges it (the day is ticked in `dlfs progress --track gym`
# once both are accepted). Then write the three-line review: `dlfs gym review <id>`.

# %%
import inspect

from dlfs.gym.problem import outputs_match
from dlfs.gym.problems import problems_for_day
from dlfs.gym.starter import render_problem

for problem in problems_for_day(DAY):
    print(render_problem(problem, lang="en", hint=True))
    print("\nReference solution:\n" + inspect.getsource(problem.solve))
    for inp, out in problem.examples:
        assert outputs_match(problem.solve(inp), out, problem.float_tol)
    print("=" * 72)
