# %% [markdown]
# # Gym Day 7 · Fill the gaps — 补齐遗漏点
#
# **Library files:** `src/dlfs/gym/templates.py` (`diff_array_apply`, `prefix_sums`),
# `src/dlfs/gym/problems/d07_*.py`.
#
# Three small tools that first-week problems keep needing: sets for $O(1)$ membership,
# difference arrays for range updates, and `enumerate`/`zip` instead of index juggling.

# %% [markdown] lang="zh"
# # 算法健身房第 7 天 · 查漏补缺
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`diff_array_apply`、`prefix_sums`），
# `src/dlfs/gym/problems/d07_*.py`。
#
# 第一周的题目反复用到三件小工具：用集合做 $O(1)$ 的成员判断，用差分数组做区间更新，用
# `enumerate`/`zip` 代替手动摆弄下标。

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import diff_array_apply

ctx = lesson_context("gym-fill-gaps")
DAY = 7
rng = random.Random(7)

# %% [markdown]
# ## Sets: membership in $O(1)$, set algebra
# `x in list` scans ($O(n)$); `x in set` hashes ($O(1)$ on average).

# %% [markdown] lang="zh"
# ## 集合：$O(1)$ 的成员判断与集合运算
# `x in list` 要逐个扫描（$O(n)$）；`x in set` 靠哈希（平均 $O(1)$）。

# %%
a, b = {1, 2, 3, 4}, {3, 4, 5}
assert a & b == {3, 4} and a | b == {1, 2, 3, 4, 5} and a - b == {1, 2} and a ^ b == {1, 2, 5}
seen: set[int] = set()
dups = [x for x in [3, 1, 3, 2, 1] if x in seen or seen.add(x)]
assert dups == [3, 1]
print("set algebra ok; duplicates found in one pass:", dups)

# %% [markdown]
# ## Difference arrays: $q$ range additions in $O(n + q)$
# To add $d$ to every $a[i]$ with $l \le i \le r$, add it at $D[l]$ and subtract it at
# $D[r+1]$ of a difference array $D$ ($O(1)$ per update); one prefix sum at the end rebuilds
# the array:
# $$
# a[i] = \sum_{t=0}^{i} D[t]
# $$

# %% [markdown] lang="zh"
# ## 差分数组：$q$ 次区间加法只需 $O(n + q)$
# 要给所有满足 $l \le i \le r$ 的 $a[i]$ 加上 $d$，就在差分数组 $D$ 的 $D[l]$ 处加 $d$、在 $D[r+1]$
# 处减 $d$（每次更新 $O(1)$）；最后做一遍前缀和即可还原数组：
# $$
# a[i] = \sum_{t=0}^{i} D[t]
# $$

# %%
for _ in range(200):
    n = rng.randint(1, 10)
    ups = []
    for _ in range(rng.randint(0, 6)):
        l, r = sorted((rng.randrange(n), rng.randrange(n)))
        ups.append((l, r, rng.randint(-4, 4)))
    naive = [0] * n
    for l, r, d in ups:
        for i in range(l, r + 1):
            naive[i] += d
    assert diff_array_apply(n, ups) == naive
print("diff_array_apply == naive loops on 200 random cases")

# %% [markdown]
# ## enumerate and zip
# Pairs of neighbours with `zip(a, a[1:])`; positions with `enumerate`.

# %% [markdown] lang="zh"
# ## enumerate 与 zip
# 用 `zip(a, a[1:])` 取相邻元素对；用 `enumerate` 取位置。

# %%
temps = [3, 5, 4, 8]
rises = [j for j, (x, y) in enumerate(zip(temps, temps[1:]), start=1) if y > x]
assert rises == [1, 3]
print("days with a rise:", rises)

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
