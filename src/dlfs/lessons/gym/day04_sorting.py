# %% [markdown]
# # Gym Day 4 · Sorting: key, lambda, tuples — 排序技巧
#
# **Library files:** `src/dlfs/gym/problems/d04_*.py`.
#
# Python's sort (Timsort) is $O(n \log n)$ and **stable**: items with equal keys keep their
# order. A `key` function maps each item to something comparable, computed once per item.
# Tuples compare element by element, which gives multi-level orders in one sort; negate a
# number to flip just that level.

# %% [markdown] lang="zh"
# # 算法健身房第 4 天 · 排序：key、lambda 与元组
#
# **相关库文件：** `src/dlfs/gym/problems/d04_*.py`。
#
# Python 的排序（Timsort）是 $O(n \log n)$ 的，而且是**稳定**的：键相等的元素保持原有顺序。`key`
# 函数把每个元素映射为可比较的值，每个元素只计算一次。元组逐个元素比较，
# 因此一次排序就能实现多级排序；把某一级的数字取负，就只翻转那一级的顺序。

# %%
from functools import cmp_to_key

from dlfs.curriculum import lesson_context

ctx = lesson_context("gym-sorting")
DAY = 4

people = [("ann", 90, 20), ("bob", 95, 21), ("cat", 90, 19), ("dan", 90, 19)]
ranked = sorted(people, key=lambda p: (-p[1], p[2], p[0]))   # score desc, age asc, name
print([p[0] for p in ranked])
assert [p[0] for p in ranked] == ["bob", "cat", "dan", "ann"]

# %% [markdown]
# ## Stability lets you sort in passes, least important key first
# Sorting by name, then (stably) by score descending gives "score desc, name asc".
# `reverse=True` keeps stability too (equal items stay in input order).

# %% [markdown] lang="zh"
# ## 稳定性让你可以分多趟排序，从最次要的键开始
# 先按名字排序，再（稳定地）按分数降序排序，得到的就是“分数降序、名字升序”。`reverse=True`
# 同样保持稳定（相等的元素保持输入顺序）。

# %%
two_pass = sorted(sorted(people, key=lambda p: p[0]), key=lambda p: p[1], reverse=True)
assert [p[0] for p in two_pass] == ["bob", "ann", "cat", "dan"]
assert two_pass == sorted(people, key=lambda p: (-p[1], p[0]))

# %% [markdown]
# ## Strings cannot be negated: use two passes or a comparator
# To sort words by length descending and then *reverse* alphabetical order, you cannot
# write `-word`. `functools.cmp_to_key` turns an old-style comparator into a key.

# %% [markdown] lang="zh"
# ## 字符串不能取负：用两趟排序或比较函数
# 要按长度降序、再按*逆*字母序排列单词，你没法写 `-word`。`functools.cmp_to_key`
# 能把旧式的比较函数转换成 key。

# %%
words = ["pear", "fig", "plum", "kiwi", "date"]


def cmp(a: str, b: str) -> int:
    if len(a) != len(b):
        return len(b) - len(a)                  # longer first
    return (a < b) - (a > b)                    # then reverse alphabetical


by_cmp = sorted(words, key=cmp_to_key(cmp))
by_passes = sorted(sorted(words, reverse=True), key=len, reverse=True)
print(by_cmp)
assert by_cmp == by_passes == ["plum", "pear", "kiwi", "date", "fig"]

# %% [markdown]
# ## The classic trap: numbers read as strings sort lexicographically

# %% [markdown] lang="zh"
# ## 经典陷阱：以字符串形式读入的数字会按字典序排序

# %%
as_text = sorted(["10", "9", "100"])
as_int = sorted(["10", "9", "100"], key=int)
assert as_text == ["10", "100", "9"] and as_int == ["9", "10", "100"]
print("as text:", as_text, " key=int:", as_int)

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
