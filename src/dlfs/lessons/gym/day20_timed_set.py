# %% [markdown]
# # Gym Day 20 · Timed mixed set (90 minutes) — 综合限时
#
# **Library files:** `src/dlfs/gym/problems/__init__.py`, `src/dlfs/gym/judge.py`,
# `src/dlfs/gym/problems/d20_*.py`.
#
# A timed set mixes topics, so the first skill is classification: read the statement, name
# the pattern, estimate the complexity the limits allow. Rule of thumb for Python: about
# $10^7$ simple operations per second, so $n = 10^5$ allows $O(n \log n)$ but not $O(n^2)$.

# %% [markdown] lang="zh"
# # 算法健身房第 20 天 · 综合限时训练（90 分钟）
#
# **相关库文件：** `src/dlfs/gym/problems/__init__.py`，`src/dlfs/gym/judge.py`，
# `src/dlfs/gym/problems/d20_*.py`。
#
# 限时题组会混合各种主题，所以第一项本领是分类：读题、说出题型、估计数据范围所允许的复杂度。Python
# 的经验法则：每秒大约 $10^7$ 次简单操作，所以 $n = 10^5$ 时可以用 $O(n \log n)$，但不能用
# $O(n^2)$。

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.problems import PROBLEMS

ctx = lesson_context("gym-timed-set")
DAY = 20

rng = random.Random(20)
pool = [p for p in PROBLEMS if p.day < 20]
mixed = rng.sample(pool, 4)
topics = {p.topic for p in mixed}
print("A 90-minute set (one problem per 20 minutes, 10 minutes to review):")
for p in mixed:
    print(f"  dlfs gym show {p.id:<26} day {p.day:>2}, {p.topic}")
assert len(mixed) == 4 and len(topics) >= 3

# %% [markdown]
# ## Budget by n: which complexity fits in about a second of Python?
# At $n = 10^5$, $n^2 = 10^{10}$ is a thousand times the budget of $10^7$, while
# $n \log_2 n \approx 1.7 \times 10^6$ fits.

# %% [markdown] lang="zh"
# ## 按 n 估算预算：Python 一秒左右能容下哪种复杂度？
# 当 $n = 10^5$ 时，$n^2 = 10^{10}$ 是 $10^7$ 预算的一千倍，而 $n \log_2 n \approx 1.7 \times 10^6$
# 容得下。

# %%
budget = 10 ** 7
table = {"O(n^2)": lambda n: n * n, "O(n log n)": lambda n: n * max(1, n.bit_length()),
         "O(n)": lambda n: n}
for n in (10 ** 3, 10 ** 5, 10 ** 6):
    fits = [name for name, cost in table.items() if cost(n) <= budget]
    print(f"n = {n:>9,}: {', '.join(fits)}")
assert table["O(n^2)"](10 ** 5) > budget >= table["O(n log n)"](10 ** 5)

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
