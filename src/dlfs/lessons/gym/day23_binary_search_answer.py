# %% [markdown]
# # Gym Day 23 · Binary search on the answer — 二分查找专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`first_true`), `src/dlfs/gym/problems/d23_*.py`.
#
# When a problem asks for the *smallest* value that makes something feasible, and
# feasibility only improves as the value grows, search the value itself: check
# `feasible(mid)` in $O(n)$ and halve the range. Total $O(n \log R)$ for a range of $R$
# candidate values. The two questions to answer out loud: (1) why is feasibility monotone?
# (2) what are the true bounds?

# %% [markdown] lang="zh"
# # 算法健身房第 23 天 · 二分答案
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`first_true`），`src/dlfs/gym/problems/d23_*.py`。
#
# 当题目要求使某件事可行的*最小*值，并且值越大越容易可行时，就直接对这个值做二分：用 $O(n)$ 检查
# `feasible(mid)`，每次把范围减半。候选值共有 $R$ 个时，总共 $O(n \log R)$。要大声回答的两个问题：
# (1) 为什么可行性是单调的？(2) 真正的上下界是什么？

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import first_true

ctx = lesson_context("gym-binary-search-answer")
DAY = 23
rng = random.Random(23)


def days_needed(weights: list[int], cap: int) -> int:
    days, load = 1, 0
    for w in weights:
        if load + w > cap:
            days, load = days + 1, 0
        load += w
    return days


weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
caps = range(max(weights), sum(weights) + 1)
needed = [days_needed(weights, c) for c in caps]
assert all(a >= b for a, b in zip(needed, needed[1:]))      # (1) monotone
best = first_true(max(weights), sum(weights) + 1, lambda c: days_needed(weights, c) <= 5)
print("smallest capacity for 5 days:", best)
assert best == 15 and days_needed(weights, 14) > 5

# %% [markdown]
# ## (2) Bounds: the lower bound is max(w), not 1
# A capacity below the heaviest package never works, but `days_needed` as written would
# happily count it (it puts the heavy package alone on a day) and report a wrong answer.

# %% [markdown] lang="zh"
# ## (2) 边界：下界是 max(w)，而不是 1
# 运载能力低于最重的包裹时永远不可行，但按现在的写法，`days_needed`
# 会照样把它算进去（把那个重包裹单独放在一天里），从而给出错误的答案。

# %%
tricky = [1, 9]
wrong = first_true(1, sum(tricky) + 1, lambda c: days_needed(tricky, c) <= 2)
right = first_true(max(tricky), sum(tricky) + 1, lambda c: days_needed(tricky, c) <= 2)
print("with lower bound 1:", wrong, "  with lower bound max(w):", right)
assert wrong == 1 and right == 9

# %% [markdown]
# ## Check against a linear scan on random cases

# %% [markdown] lang="zh"
# ## 在随机用例上与线性扫描对照

# %%
for _ in range(200):
    w = [rng.randint(1, 9) for _ in range(rng.randint(1, 8))]
    d = rng.randint(1, len(w))
    linear = next(c for c in range(max(w), sum(w) + 1) if days_needed(w, c) <= d)
    assert first_true(max(w), sum(w) + 1, lambda c, w=w, d=d: days_needed(w, c) <= d) == linear
print("binary search == linear scan on 200 random cases")

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
