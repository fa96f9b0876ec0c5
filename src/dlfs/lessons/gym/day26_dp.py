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
# best[a] = 1 + min(best[a - c]). Greedy (largest coin first) is wrong for coins 1, 3, 4.

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
