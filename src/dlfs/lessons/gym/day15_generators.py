# %% [markdown]
# # Gym Day 15 · Iterators and generators (yield/map/filter) — 迭代器与生成器
#
# **Library files:** `src/dlfs/gym/templates.py` (`FastReader`), `src/dlfs/gym/problems/d15_*.py`.
#
# An iterator hands out one item per `next()` and remembers where it is; a generator
# function (one with `yield`) is the easy way to write one. They are lazy: nothing runs
# until someone asks, memory stays $O(1)$ however long the stream, and they can be infinite.
# `map`, `filter`, `zip`, `enumerate` and `itertools.*` all return iterators.

# %% [markdown] lang="zh"
# # 算法健身房第 15 天 · 迭代器与生成器（yield/map/filter）
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`FastReader`），`src/dlfs/gym/problems/d15_*.py`。
#
# 迭代器每次 `next()` 交出一个元素，并记住自己走到了哪里；生成器函数（含有 `yield` 的函数）
# 是编写迭代器最简单的方式。它们是惰性的：没人索取就什么也不执行，无论数据流多长，内存都保持
# $O(1)$，而且可以是无限的。`map`、`filter`、`zip`、`enumerate` 和 `itertools.*` 返回的都是迭代器。

# %%
import sys
from itertools import chain, islice, zip_longest

from dlfs.curriculum import lesson_context

ctx = lesson_context("gym-generators")
DAY = 15


def naturals():
    n = 0
    while True:          # infinite, yet harmless: it only runs on demand
        yield n
        n += 1


squares_of_odds = map(lambda v: v * v, filter(lambda v: v % 2, naturals()))
first = list(islice(squares_of_odds, 5))
print("first five odd squares:", first)
assert first == [1, 9, 25, 49, 81]

# %% [markdown]
# ## Laziness in numbers: a list of a million items vs a generator

# %% [markdown] lang="zh"
# ## 用数字看惰性：一百万个元素的列表与生成器

# %%
as_list = [v * v for v in range(1_000_000)]
as_gen = (v * v for v in range(1_000_000))
print(f"list: {sys.getsizeof(as_list):,} bytes; generator: {sys.getsizeof(as_gen)} bytes")
assert sys.getsizeof(as_gen) < 1_000 < sys.getsizeof(as_list)
assert sum(as_gen) == sum(as_list)

# %% [markdown]
# ## An iterator is used up once

# %% [markdown] lang="zh"
# ## 迭代器只能用一次

# %%
it = iter([1, 2, 3])
assert list(it) == [1, 2, 3] and list(it) == []

# %% [markdown]
# ## yield from: recursion that streams
# Flattening a nested list without building intermediate lists.

# %% [markdown] lang="zh"
# ## yield from：以流的方式递归
# 展平嵌套列表，而不构建中间列表。

# %%
def flatten(x):
    for item in x:
        if isinstance(item, list):
            yield from flatten(item)
        else:
            yield item


nested = [1, [2, [3, []]], 4]
assert list(flatten(nested)) == [1, 2, 3, 4]

# %% [markdown]
# ## Round-robin with zip_longest and a private sentinel
# `None` or `0` as the fill value would clash with real data; a fresh `object()` cannot.

# %% [markdown] lang="zh"
# ## 用 zip_longest 和私有哨兵实现轮流取值
# 用 `None` 或 `0` 作填充值会与真实数据冲突；新建的 `object()` 则不会。

# %%
GAP = object()
lists = [[1, 2], [None, 0, 5], [7]]
merged = [v for v in chain.from_iterable(zip_longest(*lists, fillvalue=GAP)) if v is not GAP]
assert merged == [1, None, 7, 2, 0, 5]
print("round robin:", merged)

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
