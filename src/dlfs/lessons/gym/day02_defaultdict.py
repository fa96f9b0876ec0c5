# %% [markdown]
# # Gym Day 2 · defaultdict: grouping, building graphs — defaultdict 分组/建图
#
# **Library files:** `src/dlfs/gym/templates.py` (`group_by_key`, `bfs`, `dfs_order`),
# `src/dlfs/gym/problems/d02_*.py`.
#
# `defaultdict(factory)` calls `factory()` the first time a missing key is *read*, so
# `groups[k].append(x)` needs no "if k not in groups" dance. Two traps: merely looking up a
# key creates it (use `in` or `.get` to test), and printing shows the factory.

# %% [markdown] lang="zh"
# # 算法健身房第 2 天 · defaultdict：分组与建图
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`group_by_key`、`bfs`、`dfs_order`），
# `src/dlfs/gym/problems/d02_*.py`。
#
# `defaultdict(factory)` 在第一次*读取*某个缺失的键时调用 `factory()`，所以 `groups[k].append(x)`
# 不必先写“if k not in groups”那一套。有两个陷阱：仅仅查询一个键就会创建它（判断键是否存在请用 `in`
# 或 `.get`）；打印时还会显示工厂函数。

# %%
from collections import defaultdict

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import bfs, dfs_order, group_by_key

ctx = lesson_context("gym-defaultdict")
DAY = 2

by_len: defaultdict[int, list[str]] = defaultdict(list)
for w in ["go", "cat", "to", "dog", "a"]:
    by_len[len(w)].append(w)
assert dict(by_len) == {2: ["go", "to"], 3: ["cat", "dog"], 1: ["a"]}
assert group_by_key(["go", "cat", "to", "dog", "a"], len) == dict(by_len)

_ = by_len[99]            # a read creates the key!
assert 99 in by_len and by_len[99] == []
assert by_len.get(42) is None and 42 not in by_len   # .get and `in` do not
print("grouped by length:", {k: v for k, v in by_len.items() if v})

# %% [markdown]
# ## Building a graph from an edge list
# An adjacency list is `defaultdict(list)`; for an undirected graph add both directions.
# BFS visits nodes by distance, DFS goes deep first; both run in $O(V + E)$ for $V$ nodes
# and $E$ edges.

# %% [markdown] lang="zh"
# ## 由边列表建图
# 邻接表就是 `defaultdict(list)`；无向图要把两个方向都加上。BFS（广度优先搜索）
# 按距离由近到远访问节点，DFS（深度优先搜索）先往深处走；对 $V$ 个节点、$E$ 条边，两者都是
# $O(V + E)$。

# %%
edges = [(1, 2), (1, 3), (2, 4), (3, 4), (4, 5)]
graph: defaultdict[int, list[int]] = defaultdict(list)
for u, v in edges:
    graph[u].append(v)
    graph[v].append(u)
dist = bfs(graph, 1)
order = dfs_order(graph, 1)
print("BFS distances:", dist)
print("DFS order:", order)
assert dist == {1: 0, 2: 1, 3: 1, 4: 2, 5: 3}
assert order == [1, 2, 4, 3, 5]

# %% [markdown]
# ## Counting with defaultdict(int)
# `defaultdict(int)` counts like a Counter (int() is 0), without Counter's extras.

# %% [markdown] lang="zh"
# ## 用 defaultdict(int) 计数
# `defaultdict(int)` 可以像 Counter 一样计数（int() 的值是 0），只是没有 Counter 的那些附加功能。

# %%
degree: defaultdict[int, int] = defaultdict(int)
for u, v in edges:
    degree[u] += 1
    degree[v] += 1
assert degree == {1: 2, 2: 2, 3: 2, 4: 3, 5: 1}
assert sum(degree.values()) == 2 * len(edges)     # handshake lemma

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
