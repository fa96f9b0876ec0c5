# %% [markdown]
# # Gym Day 10 · heapq: top-k, min-heap, simulation — heapq 堆：Top-K、最小堆、模拟
#
# **Library files:** `src/dlfs/gym/templates.py` (`top_k`, `MaxHeap`),
# `src/dlfs/playground/` (`compare`), `src/dlfs/gym/problems/d10_*.py`.
#
# `heapq` keeps a plain list in heap order: `a[0]` is the minimum, `heappush`/`heappop`
# are O(log n), `heapify` is O(n). There is no max-heap: push negated numbers, or wrap items
# (`dlfs.gym.templates.MaxHeap`). For the k largest of n items there are three choices:
# `sorted(a, reverse=True)[:k]` (O(n log n), all in C), `heapq.nlargest(k, a)` (O(n log k))
# and our pure-Python `top_k` (O(n log k), same ties rule). Measure them.

# %%
import heapq
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import MaxHeap, top_k
from dlfs.playground import compare

ctx = lesson_context("gym-heapq")
DAY = 10
rng = random.Random(10)

h: list[int] = []
for v in [5, 1, 8, 3]:
    heapq.heappush(h, v)
assert h[0] == 1 and [heapq.heappop(h) for _ in range(4)] == [1, 3, 5, 8]
mh = MaxHeap([5, 1, 8, 3])
assert [mh.pop() for _ in range(4)] == [8, 5, 3, 1]
print("min-heap pops ascending, MaxHeap pops descending")

# %% [markdown]
# ## Three ways to take the top k

# %%
n = 20_000 if ctx.quick else 1_000_000
k = 10
a = [rng.randrange(10 ** 9) for _ in range(n)]
expected = sorted(a, reverse=True)[:k]
assert heapq.nlargest(k, a) == expected == top_k(a, k)
print(f"n = {n:,}, k = {k}")
results = {r.label: r.min for r in compare({
    "sorted(a, reverse=True)[:k]": lambda: sorted(a, reverse=True)[:k],
    "heapq.nlargest(k, a)": lambda: heapq.nlargest(k, a),
    "top_k(a, k)  (pure Python)": lambda: top_k(a, k),
}, repeat=3)}

# %% [markdown]
# What to read from the table: `nlargest` touches each item once and keeps only k of them,
# so for small k it beats a full sort as n grows. `top_k` does the same O(n log k) work
# but carries each item's index (for the stable tie rule) through a Python loop, so it
# pays a constant factor over `nlargest`, whose inner loop is one comparison with the
# current k-th largest. (We only assert the ordering that holds on any machine: the
# standard-library routine beats our loop.)

# %%
assert results["heapq.nlargest(k, a)"] < results["top_k(a, k)  (pure Python)"]

# %% [markdown]
# ## Simulation: always process the earliest event
# Rooms are freed in order of end time: a min-heap of end times answers "is a room free?".

# %%
meetings = sorted([(0, 30), (5, 10), (15, 20), (10, 15)])
ends: list[int] = []
for start, end in meetings:
    if ends and ends[0] <= start:
        heapq.heapreplace(ends, end)
    else:
        heapq.heappush(ends, end)
print("rooms needed:", len(ends))
assert len(ends) == 2

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
