# %% [markdown]
# # Gym Day 27 · Mock interview (talk through the approach) — 模拟面试
#
# **Library files:** `src/dlfs/gym/problems/__init__.py`, `src/dlfs/gym/problems/d27_*.py`,
# `src/dlfs/gym/judge.py`.
#
# ## The think-aloud template (say each line before you type)
# 1. **Restate** the problem in one sentence, with the input size and limits.
# 2. **Examples**: walk through the given one; invent an edge case (empty, one item,
#    all equal, negative).
# 3. **Brute force** first, with its complexity: it is your oracle and your fallback.
# 4. **Pattern**: which template does the bottleneck call for (hash map, two pointers,
#    heap, binary search on the answer, monotonic stack, BFS, DP)? Say why it is correct.
# 5. **Complexity** of the plan, checked against the limits.
# 6. **Code** in small named pieces; read input once, print once.
# 7. **Test**: the examples, the edge cases, then compare with the brute force on random
#    inputs (that is what `dlfs gym check` does).
#
# ## A timed mixed set
# Below, a set of three problems drawn from different weeks (45 minutes: 15 each). For each
# we print the card and a think-aloud skeleton filled from the problem's own header.

# %% [markdown] lang="zh"
# # 算法健身房第 27 天 · 模拟面试（边讲思路边做）
#
# **相关库文件：** `src/dlfs/gym/problems/__init__.py`，`src/dlfs/gym/problems/d27_*.py`，
# `src/dlfs/gym/judge.py`。
#
# ## 边想边说的模板（每一行先说出来，再动手敲）
# 1. **复述**题目：用一句话说清，包括输入规模和限制。
# 2. **样例**：把给出的样例走一遍；再自己构造一个边界情况（空输入、只有一个元素、全部相等、负数）。
# 3. 先想**暴力解**，并说出它的复杂度：它既是你的对照解，也是你的退路。
# 4. **题型**：瓶颈需要哪个模板（哈希表、双指针、堆、二分答案、单调栈、BFS、DP）？
#    说明它为什么正确。
# 5. 方案的**复杂度**，并对照限制检查。
# 6. 分成命名清楚的小块来**写代码**；输入只读一次，输出只打印一次。
# 7. **测试**：先跑样例和边界情况，再在随机输入上与暴力解比对（`dlfs gym check` 做的正是这件事）。
#
# ## 限时混合题组
# 下面是从不同周抽出的三道题（45 分钟：每题 15 分钟）。对每道题，我们打印它的题目卡片，
# 以及根据题目自带的提示（header）填好的“边想边说”骨架。

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.problems import PROBLEMS

ctx = lesson_context("gym-mock-interview")
DAY = 27

rng = random.Random(27)
weeks = [[p for p in PROBLEMS if lo <= p.day <= hi] for lo, hi in ((1, 7), (8, 14), (15, 26))]
mock_set = [rng.choice(week) for week in weeks]
for p in mock_set:
    approach, _, edges = p.header.partition("Edge cases:")
    print(f"[15 min] {p.id} (day {p.day}, {p.topic}): {p.title_en}")
    print(f"   1. restate: {p.statement_en[:90]}...")
    print(f"   4-5. pattern and complexity: {approach.strip()}")
    print(f"   2. edge cases: {edges.strip() or '(find them yourself)'}")
assert len({p.topic for p in mock_set}) == 3
assert all(p.header for p in mock_set)

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
