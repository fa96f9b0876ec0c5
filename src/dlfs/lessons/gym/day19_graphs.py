# %% [markdown]
# # Gym Day 19 · Graph / tree templates (BFS/DFS) — 图/树模板巩固
#
# **Library files:** `src/dlfs/gym/templates.py` (`bfs`, `bfs_grid`, `dfs_order`,
# `topo_sort`, `UnionFind`, `connected_components`), `src/dlfs/gym/problems/d19_*.py`.
#
# Four templates cover most graph problems: BFS (shortest paths in edges, a deque),
# DFS (reachability, components, an explicit stack to avoid recursion limits),
# topological order (Kahn: repeatedly take a node with no incoming edges), union-find
# (merge groups online).

# %%
import sys

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import (
    UnionFind,
    bfs_grid,
    connected_components,
    dfs_order,
    topo_sort,
)

ctx = lesson_context("gym-graphs")
DAY = 19

grid = ["S..#", ".#..", "...E"]
dist = bfs_grid(grid, [(0, 0)], lambda ch: ch != "#")
print("\n".join(" ".join(f"{d:>2}" for d in row) for row in dist))
assert dist[2][3] == 5 and dist[0][3] == -1

# %% [markdown]
# ## Why the iterative DFS: recursion stops near 1000 frames
# A path graph of 5000 nodes breaks a naive recursive DFS; `dfs_order` uses a stack.

# %%
n = 5000
path = {i: [i + 1] for i in range(n - 1)}
assert dfs_order(path, 0) == list(range(n))


def dfs_rec(u: int, seen: list[int]) -> None:
    seen.append(u)
    for v in path.get(u, ()):
        dfs_rec(v, seen)


old_limit = sys.getrecursionlimit()
sys.setrecursionlimit(1000)          # Python's default (another lesson may have raised it)
try:
    dfs_rec(0, [])
except RecursionError:
    print("recursive DFS hit the recursion limit (1000); the iterative one is fine")
else:
    raise AssertionError("expected a RecursionError")
finally:
    sys.setrecursionlimit(old_limit)

# %% [markdown]
# ## Topological order and cycles

# %%
assert topo_sort(4, [(3, 1), (0, 1), (2, 0)]) == [2, 0, 3, 1]
try:
    topo_sort(3, [(0, 1), (1, 2), (2, 0)])
except ValueError as exc:
    print("cycle detected:", exc)
else:
    raise AssertionError("a cycle must raise")

# %% [markdown]
# ## Union-find: components as edges arrive

# %%
uf = UnionFind(6)
for a, b in [(0, 1), (2, 3), (1, 2)]:
    uf.union(a, b)
assert uf.connected(0, 3) and not uf.connected(0, 4) and uf.size(3) == 4 and uf.count == 3
assert connected_components(6, [(0, 1), (2, 3), (1, 2)]) == [[0, 1, 2, 3], [4], [5]]

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
