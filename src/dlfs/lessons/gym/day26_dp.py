# %% [markdown]
# # Gym Day 26 · Dynamic programming, first steps — DP 动态规划入门
#
# **Library files:** `src/dlfs/gym/templates.py` (`coin_change_min`, `edit_distance`,
# `lcs_length`, `knapsack_01`, `lis_length`), `src/dlfs/gym/problems/d26_*.py`.
#
# A DP solution is four decisions: the **state** (what a sub-problem is), the
# **transition** (how a state follows from smaller ones), the **base cases**, and the
# **order** (compute smaller states first). Top-down memoized recursion (Day 16) and a
# bottom-up table are the same DP; the table avoids recursion limits.

# %% [markdown] lang="zh"
# # 算法健身房第 26 天 · 动态规划入门
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`coin_change_min`、`edit_distance`、`lcs_length`、
# `knapsack_01`、`lis_length`），`src/dlfs/gym/problems/d26_*.py`。
#
# 一个动态规划（DP）解法由四个决定组成：**状态**（子问题是什么）、
# **转移**（状态如何由更小的状态得到）、**初始条件**（base case）和**计算顺序**（先算较小的状态）。
# 自顶向下的记忆化递归（第 16 天）与自底向上的填表是同一个 DP；填表可以避开递归深度限制。

# %%
import random
from functools import cache
from itertools import combinations_with_replacement

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import coin_change_min, edit_distance

ctx = lesson_context("gym-dp")
DAY = 26
rng = random.Random(26)

# %% [markdown]
# ## Coin change: state = amount, transition = last coin used
# $$
# \mathrm{best}[0] = 0, \qquad
# \mathrm{best}[a] = 1 + \min_{c \in \mathrm{coins},\ c \le a} \mathrm{best}[a - c]
# $$
# An amount that cannot be made stays at $\infty$ (reported as -1). Filling the table costs
# $O(|\mathrm{coins}| \cdot \mathrm{amount})$. Greedy (largest coin first) is wrong for
# coins 1, 3, 4.

# %% [markdown] lang="zh"
# ## 找零：状态 = 金额，转移 = 最后用的那枚硬币
# $$
# \mathrm{best}[0] = 0, \qquad
# \mathrm{best}[a] = 1 + \min_{c \in \mathrm{coins},\ c \le a} \mathrm{best}[a - c]
# $$
# 凑不出的金额保持为 $\infty$（报告为 -1）。填满整张表的代价是
# $O(|\mathrm{coins}| \cdot \mathrm{amount})$。贪心（先用面值最大的硬币）对面值 1、3、4 是错的。

# %%
def greedy(coins: list[int], amount: int) -> int:
    used = 0
    for c in sorted(coins, reverse=True):
        used += amount // c
        amount %= c
    return used if amount == 0 else -1


assert greedy([1, 3, 4], 6) == 3 and coin_change_min([1, 3, 4], 6) == 2     # 3 + 3
print("coins 1,3,4 amount 6: greedy 3 coins, DP 2 coins")
for _ in range(100):
    coins = rng.sample(range(1, 9), rng.randint(1, 3))
    amount = rng.randint(0, 20)
    brute = next((n for n in range(amount + 1) if any(
        sum(c) == amount for c in combinations_with_replacement(coins, n))), -1)
    assert coin_change_min(coins, amount) == brute

# %% [markdown]
# ## Edit distance: state = (i, j) prefixes; top-down and bottom-up agree
# $d(i, j)$ is the edit distance between `a[:i]` and `b[:j]` (insert, delete or substitute,
# each costing 1); $[P]$ is 1 when $P$ holds and 0 otherwise:
# $$
# d(i, j) = \begin{cases}
# i + j & \text{if } i = 0 \text{ or } j = 0, \\
# \min\bigl(d(i-1, j) + 1,\ d(i, j-1) + 1,\ d(i-1, j-1) + [a_{i-1} \ne b_{j-1}]\bigr)
# & \text{otherwise.}
# \end{cases}
# $$
# The table has $(|a| + 1)(|b| + 1)$ cells: $O(|a| \cdot |b|)$ time; `edit_distance` keeps
# one row at a time, so $O(|b|)$ memory (Levenshtein, 1966, *Binary Codes Capable of
# Correcting Deletions, Insertions, and Reversals*).

# %% [markdown] lang="zh"
# ## 编辑距离：状态 = 前缀对 (i, j)；自顶向下与自底向上结果一致
# $d(i, j)$ 是 `a[:i]` 与 `b[:j]` 之间的编辑距离（插入、删除或替换，每次代价为 1）；$[P]$ 在 $P$
# 成立时为 1，否则为 0：
# $$
# d(i, j) = \begin{cases}
# i + j & \text{if } i = 0 \text{ or } j = 0, \\
# \min\bigl(d(i-1, j) + 1,\ d(i, j-1) + 1,\ d(i-1, j-1) + [a_{i-1} \ne b_{j-1}]\bigr)
# & \text{otherwise.}
# \end{cases}
# $$
# 表格共有 $(|a| + 1)(|b| + 1)$ 个格子：时间 $O(|a| \cdot |b|)$；`edit_distance` 每次只保留一行，
# 所以内存为 $O(|b|)$（Levenshtein，1966，*Binary Codes Capable of Correcting Deletions,
# Insertions, and Reversals*）。

# %%
def edit_top_down(a: str, b: str) -> int:
    @cache
    def d(i: int, j: int) -> int:
        if i == 0 or j == 0:
            return i + j
        return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
    return d(len(a), len(b))


for _ in range(100):
    a = "".join(rng.choice("ab") for _ in range(rng.randint(0, 7)))
    b = "".join(rng.choice("ab") for _ in range(rng.randint(0, 7)))
    assert edit_top_down(a, b) == edit_distance(a, b)
assert edit_distance("horse", "ros") == 3
print("edit distance: memoized recursion == rolling table on 100 random pairs")

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
