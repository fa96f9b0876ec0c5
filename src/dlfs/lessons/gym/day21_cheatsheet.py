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

# %% [markdown] lang="zh"
# # 算法健身房第 21 天 · 常用库速查表
#
# **相关库文件：** `docs/python_cheatsheet.md`，`docs/python_cheatsheet.zh-CN.md`（其中每个代码片段
# 都由 `tests/gym/test_cheatsheet.py` 执行），`src/dlfs/gym/templates.py`，
# `src/dlfs/gym/problems/d21_*.py`。
#
# 速查表在一页里列出了健身房用到的标准库工具（collections、itertools、heapq、bisect、functools）。
# 这里我们验证其中几行，并补上今天两道题要用的数据结构：并查集和字典树（trie）。

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
# ## A trie answers prefix questions in $O(\text{length})$
# Each node stores how many words pass through it, so counting the words under a prefix of
# length $L$ walks $L$ nodes: $O(L)$, however many words are stored.

# %% [markdown] lang="zh"
# ## 字典树以 $O(\text{length})$ 回答前缀问题
# 每个节点记录有多少个单词经过它，所以统计以长度为 $L$ 的前缀开头的单词数，只需走过 $L$ 个节点：
# $O(L)$，与存了多少单词无关。

# %%
trie = Trie()
for w in ["tea", "ten", "tent", "to", "inn"]:
    trie.insert(w)
assert trie.count_prefix("te") == 3 and trie.contains("ten") and not trie.contains("te")
print("words starting with 'te':", trie.count_prefix("te"))

# %% [markdown]
# ## Union-find with path compression: nearly $O(1)$ per operation
# With path halving (a form of path compression) and union by size, as in `UnionFind`,
# $m$ operations on $n$ elements cost $O(m \, \alpha(n))$, where $\alpha$ is the inverse
# Ackermann function, at most 4 for any practical $n$
# (Tarjan & van Leeuwen, 1984, *Worst-Case Analysis of Set Union Algorithms*).

# %% [markdown] lang="zh"
# ## 带路径压缩的并查集：每次操作几乎 $O(1)$
# 像 `UnionFind` 这样采用路径减半（路径压缩的一种形式）和按大小合并时，对 $n$ 个元素进行 $m$
# 次操作的代价是 $O(m \, \alpha(n))$，其中 $\alpha$ 是反阿克曼函数，对任何实际的 $n$ 都不超过
# 4（Tarjan 与 van Leeuwen，1984，*Worst-Case Analysis of Set Union Algorithms*）。

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
