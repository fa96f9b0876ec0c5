# %% [markdown]
# # Gym Day 21 · Library cheat sheet — 常用库速查表
#
# **Library files:** `docs/python_cheatsheet.md`, `docs/python_cheatsheet.zh-CN.md`
# (every snippet is executed by `tests/gym/test_cheatsheet.py`),
# `src/dlfs/gym/templates.py`, `src/dlfs/gym/problems/d21_*.py`.
#
# The cheat sheet lists the standard-library tools of the gym in one page (collections,
# itertools, heapq, bisect, functools). Here we check a handful of its lines and add the
# two data structures of today's problems: union-find and a trie.

# %%
import bisect
import heapq
from collections import Counter, deque
from functools import reduce
from itertools import accumulate, pairwise

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import Trie, UnionFind

ctx = lesson_context("gym-cheatsheet")
DAY = 21

assert Counter("hello").most_common(1) == [("l", 2)]
assert list(accumulate([1, 2, 3, 4])) == [1, 3, 6, 10]
assert list(pairwise("abc")) == [("a", "b"), ("b", "c")]
assert reduce(lambda a, b: a * b, [1, 2, 3, 4]) == 24
assert heapq.nsmallest(2, [5, 1, 4]) == [1, 4]
assert bisect.bisect_left([1, 3, 3, 7], 3) == 1
dq = deque([1, 2, 3])
dq.rotate(1)
assert list(dq) == [3, 1, 2]
print("cheat-sheet lines verified")

# %% [markdown]
# ## A trie answers prefix questions in O(length)

# %%
trie = Trie()
for w in ["tea", "ten", "tent", "to", "inn"]:
    trie.insert(w)
assert trie.count_prefix("te") == 3 and trie.contains("ten") and not trie.contains("te")
print("words starting with 'te':", trie.count_prefix("te"))

# %% [markdown]
# ## Union-find with path compression: nearly O(1) per operation

# %%
uf = UnionFind(5)
uf.union(0, 1)
uf.union(3, 4)
assert (uf.count, uf.size(1), uf.connected(0, 4)) == (3, 2, False)

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
