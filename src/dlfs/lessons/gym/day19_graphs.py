# %% [markdown]
# # Gym Day 19 · Graph / tree templates (BFS/DFS) — 图/树模板巩固
#
# **Library files:** `src/dlfs/gym/templates.py` (`bfs`, `bfs_grid`, `dfs_order`,
# `topo_sort`, `UnionFind`, `connected_components`), `src/dlfs/gym/problems/d19_*.py`.
#
# Four templates cover most graph problems: BFS (shortest paths in edges, a deque),
# DFS (reachability, components, an explicit stack to avoid recursion limits),
# topological order (Kahn: repeatedly take a node with no incoming edges), union-find
# (merge groups online). BFS, DFS and Kahn's algorithm run in $O(V + E)$ for $V$ nodes and
# $E$ edges; `topo_sort` picks the smallest ready node with a min-heap, so it returns the
# lexicographically smallest order in $O((V + E) \log V)$
# (Kahn, 1962, *Topological Sorting of Large Networks*).

# %% [markdown] lang="zh"
# # 算法健身房第 19 天 · 图/树模板巩固（BFS/DFS）
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`bfs`、`bfs_grid`、`dfs_order`、`topo_sort`、
# `UnionFind`、`connected_components`），`src/dlfs/gym/problems/d19_*.py`。
#
# 四个模板覆盖了大多数图论题：BFS（按边数计的最短路，用 deque）、DFS（可达性、连通分量，
# 用显式栈避开递归深度限制）、拓扑排序（Kahn 算法：反复取出没有入边的节点）、
# 并查集（在线合并分组）。对 $V$ 个节点、$E$ 条边，BFS、DFS 和 Kahn 算法都是 $O(V + E)$；
# `topo_sort` 用最小堆选出编号最小的就绪节点，因此以 $O((V + E) \log V)$
# 返回字典序最小的拓扑序（Kahn，1962，*Topological Sorting of Large Networks*）。

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

# %% [markdown] lang="zh"
# ## 为什么用迭代式 DFS：递归在 1000 层栈帧左右就会停下
# 一条有 5000 个节点的路径图就能让朴素的递归 DFS 崩溃；`dfs_order` 用的是栈。

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

# %% [markdown] lang="zh"
# ## 拓扑排序与环

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

# %% [markdown] lang="zh"
# ## 并查集：边陆续到来时维护连通分量

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

# %% [markdown] lang="zh"
# ## 今天的两道题
# 下面每张题目卡片都是 `dlfs gym show <id> --hint` 的输出，后面附有参考解答。请先自己动手：
# `dlfs gym new <id>` 会写出一个起始文件，`dlfs gym check <id> <file>` 负责评测（两道题都通过后，
# `dlfs progress --track gym` 会把这一天记为完成）。然后写三行复盘：`dlfs gym review <id>`。

# %%
import inspect

from dlfs.gym.problem import outputs_match
from dlfs.gym.problems import problems_for_day
from dlfs.gym.starter import render_problem
from dlfs.i18n import chosen_lang

for problem in problems_for_day(DAY):
    print(render_problem(problem, lang=chosen_lang(), hint=True))
    print("\nReference solution:\n" + inspect.getsource(problem.solve))
    for inp, out in problem.examples:
        assert outputs_match(problem.solve(inp), out, problem.float_tol)
    print("=" * 72)
