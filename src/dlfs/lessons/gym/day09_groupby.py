# %% [markdown]
# # Gym Day 9 · groupby: run-length, consecutive segments — groupby 思想
#
# **Library files:** `src/dlfs/gym/templates.py` (`run_length`, `group_by_key`),
# `src/dlfs/gym/problems/d09_*.py`.
#
# `itertools.groupby(iterable, key)` cuts a sequence into runs of *consecutive* items with
# equal keys. It does not sort: to group all equal items, sort by the same key first (or
# use a dict, `group_by_key`). Each group is an iterator that is consumed when the outer
# loop moves on, so turn it into a list immediately if you need it later.

# %% [markdown] lang="zh"
# # 算法健身房第 9 天 · groupby：游程编码与连续段
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`run_length`、`group_by_key`），
# `src/dlfs/gym/problems/d09_*.py`。
#
# `itertools.groupby(iterable, key)` 把序列切成若干段，每段由键相同的*相邻*元素组成。它不会排序：
# 要把所有相等的元素归到一组，就先按同一个键排序（或者用字典，即 `group_by_key`）。
# 每个组都是一个迭代器，外层循环一往前走它就被消耗掉了，所以如果之后还要用，请立刻把它转成列表。

# %%
from itertools import groupby

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import group_by_key, run_length

ctx = lesson_context("gym-groupby")
DAY = 9

s = "aaabccaa"
runs = [(k, len(list(g))) for k, g in groupby(s)]
print(runs)
assert runs == run_length(s) == [("a", 3), ("b", 1), ("c", 2), ("a", 2)]

# %% [markdown]
# ## Runs vs groups: sorting first changes the answer

# %% [markdown] lang="zh"
# ## 连续段与分组：先排序会改变结果

# %%
words = ["apple", "bob", "avocado", "banana", "cherry", "axe"]
runs_first = [(k, list(g)) for k, g in groupby(words, key=lambda w: w[0])]
sorted_first = [(k, list(g)) for k, g in groupby(sorted(words, key=lambda w: w[0]),
                                                 key=lambda w: w[0])]
assert len(runs_first) == 6 and len(sorted_first) == 3
assert dict(sorted_first) == group_by_key(words, lambda w: w[0])
print("consecutive runs:", runs_first)

# %% [markdown]
# ## The iterator trap

# %% [markdown] lang="zh"
# ## 迭代器陷阱

# %%
pairs = list(groupby("aabb"))              # keep only (key, exhausted iterator) pairs
assert [list(g) for _, g in pairs] == [[], []]
print("groups read after the loop moved on are empty:", [list(g) for _, g in pairs])

# %% [markdown]
# ## Consecutive values: group by value - index
# In a run 4, 5, 6 at positions 2, 3, 4 the difference value - index, $a[i] - i$, is
# constant.

# %% [markdown] lang="zh"
# ## 连续的数值：按“值 - 下标”分组
# 连续段 4, 5, 6 位于下标 2, 3, 4，其“值 - 下标”之差 $a[i] - i$ 保持不变。

# %%
a = [1, 2, 4, 5, 6, 9]
segments = [[v for _, v in g] for _, g in groupby(enumerate(a), key=lambda iv: iv[1] - iv[0])]
assert segments == [[1, 2], [4, 5, 6], [9]]
print("segments:", segments)

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
