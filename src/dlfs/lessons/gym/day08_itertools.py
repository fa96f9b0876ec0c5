# %% [markdown]
# # Gym Day 8 · itertools basics: product, permutations — itertools 基础
#
# **Library files:** `src/dlfs/gym/problems/d08_*.py`.
#
# `itertools` builds the standard search spaces lazily, in lexicographic order of the
# input positions: `product` (every tuple, nested loops), `permutations` (orderings),
# `combinations` (subsets of a fixed size, positions increasing), and
# `combinations_with_replacement`. Their sizes: $n^r$, $\frac{n!}{(n-r)!}$, $\binom{n}{r}$,
# $\binom{n+r-1}{r}$.

# %% [markdown] lang="zh"
# # 算法健身房第 8 天 · itertools 基础：product 与 permutations
#
# **相关库文件：** `src/dlfs/gym/problems/d08_*.py`。
#
# `itertools` 以惰性方式生成常见的搜索空间，并按输入位置的字典序输出：`product`（所有元组，
# 相当于嵌套循环）、`permutations`（排列）、`combinations`（固定大小的子集，位置递增）以及
# `combinations_with_replacement`（可重复组合）。它们的规模依次是 $n^r$、$\frac{n!}{(n-r)!}$、
# $\binom{n}{r}$、$\binom{n+r-1}{r}$。

# %%
import math
from itertools import combinations, combinations_with_replacement, permutations, product

from dlfs.curriculum import lesson_context

ctx = lesson_context("gym-itertools")
DAY = 8

n, r = 4, 2
items = "abcd"
sizes = {
    "product": (len(list(product(items, repeat=r))), n ** r),
    "permutations": (len(list(permutations(items, r))), math.perm(n, r)),
    "combinations": (len(list(combinations(items, r))), math.comb(n, r)),
    "with replacement": (len(list(combinations_with_replacement(items, r))),
                         math.comb(n + r - 1, r)),
}
for name, (got, formula) in sizes.items():
    print(f"{name:<17} {got:>3} tuples (formula {formula})")
    assert got == formula

# %% [markdown]
# ## product is nested loops

# %% [markdown] lang="zh"
# ## product 就是嵌套循环

# %%
nested = [(x, y) for x in "ab" for y in "12"]
assert list(product("ab", "12")) == nested == [("a", "1"), ("a", "2"), ("b", "1"), ("b", "2")]

# %% [markdown]
# ## permutations treat equal items as different positions
# "aab" has $3! = 6$ permutations but only 3 distinct strings: dedupe with a set.

# %% [markdown] lang="zh"
# ## permutations 把相等的元素当作不同位置
# “aab” 有 $3! = 6$ 个排列，但只有 3 个不同的字符串：用集合去重。

# %%
perms = ["".join(p) for p in permutations("aab")]
assert len(perms) == 6 and sorted(set(perms)) == ["aab", "aba", "baa"]
print("permutations of 'aab':", perms)

# %% [markdown]
# ## Brute force over subsets: every subset of n items via `product((0, 1), repeat=n)`
# Fine for $n$ up to about 20 ($2^{20} \approx 10^6$ subsets; summing each one makes it
# $O(n \cdot 2^n)$); the gym's oracles use exactly this.

# %% [markdown] lang="zh"
# ## 子集暴力枚举：用 `product((0, 1), repeat=n)` 遍历 n 个元素的所有子集
# $n$ 不超过 20 左右都没问题（$2^{20} \approx 10^6$ 个子集；每个子集都要求和，总共
# $O(n \cdot 2^n)$）；健身房的对照解用的正是这种方法。

# %%
values = [3, 34, 4, 12, 5, 2]
target = 9
hits = [mask for mask in product((0, 1), repeat=len(values))
        if sum(v for v, m in zip(values, mask) if m) == target]
print(f"{len(hits)} subsets of {values} sum to {target}")
assert len(hits) == 2      # {4, 5} and {3, 4, 2}

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
