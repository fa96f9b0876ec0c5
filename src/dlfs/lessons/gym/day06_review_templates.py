# %% [markdown]
# # Gym Day 6 · Mistake review + template hardening — 错题回炉 + 模板固化
#
# **Library files:** `src/dlfs/gym/templates.py` (`two_sum_sorted`, `prefix_sums`,
# `count_subarrays_with_sum`), `tests/gym/test_templates.py`, `src/dlfs/gym/journal.py`.
#
# Hardening a template means: state its contract (input, output, complexity, edge cases),
# reject bad input loudly, and test it against a brute-force oracle on random inputs.
# That is exactly how `dlfs.gym.templates` is built; here we redo it by hand for two of them.

# %% [markdown] lang="zh"
# # 算法健身房第 6 天 · 错题回炉与模板固化
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`two_sum_sorted`、`prefix_sums`、
# `count_subarrays_with_sum`），`tests/gym/test_templates.py`，`src/dlfs/gym/journal.py`。
#
# 固化一个模板意味着：写明它的契约（输入、输出、复杂度、边界情况），对非法输入大声报错，
# 并在随机输入上与暴力对照解（oracle）比对测试。`dlfs.gym.templates` 正是这样构建的；
# 这里我们亲手为其中两个模板再做一遍。

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import count_subarrays_with_sum, prefix_sums, two_sum_sorted

ctx = lesson_context("gym-review-templates")
DAY = 6
rng = random.Random(6)

# %% [markdown]
# ## 1. Random tests against a one-line oracle
# The oracle is slow and obviously right; the template is fast. 300 random cases, tiny
# values so that collisions (ties, zeros, duplicates) happen often. The identity under test:
# with $p[0] = 0$ and $p[j] = a[0] + \dots + a[j-1]$, the sum of `a[i:j]` is $p[j] - p[i]$,
# so the subarrays with sum $k$ are the pairs $i < j$ with $p[i] = p[j] - k$, counted in
# $O(n)$ with a Counter of the earlier prefix sums.

# %% [markdown] lang="zh"
# ## 1. 用一行的对照解做随机测试
# 对照解（oracle）很慢，但显然正确；模板则很快。我们跑 300 个随机用例，取值很小，好让碰撞（并列、
# 零、重复）经常出现。被测的恒等式：令 $p[0] = 0$、$p[j] = a[0] + \dots + a[j-1]$，则 `a[i:j]`
# 的和为 $p[j] - p[i]$；因此和为 $k$ 的子数组，恰好对应满足 $p[i] = p[j] - k$ 的下标对 $i < j$。
# 用一个 Counter 记录此前各前缀和的出现次数，$O(n)$ 就能数完。

# %%
for _ in range(300):
    a = [rng.randint(-3, 3) for _ in range(rng.randint(0, 12))]
    k = rng.randint(-3, 3)
    brute = sum(sum(a[i:j]) == k for i in range(len(a)) for j in range(i + 1, len(a) + 1))
    assert count_subarrays_with_sum(a, k) == brute
    p = prefix_sums(a)
    assert all(p[j] - p[i] == sum(a[i:j]) for i in range(len(a)) for j in range(i, len(a) + 1))
print("count_subarrays_with_sum and prefix_sums agree with brute force on 300 cases")

# %% [markdown]
# ## 2. The classic mistake: a sliding window for "sum equals k" with negative numbers
# A window that grows while the sum is small and shrinks while it is large assumes that
# adding an element never decreases the sum. With zeros and negatives it misses answers.

# %% [markdown] lang="zh"
# ## 2. 经典错误：有负数时用滑动窗口求“和等于 k”
# “和小就扩张、和大就收缩”的窗口默认了加入一个元素不会让和变小。一旦有零或负数，它就会漏掉答案。

# %%
def window_count(a: list[int], k: int) -> int:   # only correct for positive numbers
    count = left = total = 0
    for right, v in enumerate(a):
        total += v
        while total > k and left <= right:
            total -= a[left]
            left += 1
        count += total == k
    return count


assert window_count([1, 2, 1, 3], 3) == count_subarrays_with_sum([1, 2, 1, 3], 3) == 3
assert window_count([1, -1, 1], 1) != count_subarrays_with_sum([1, -1, 1], 1)
print("with negatives: window", window_count([1, -1, 1], 1),
      "vs prefix sums", count_subarrays_with_sum([1, -1, 1], 1))

# %% [markdown]
# ## 3. Loud failure on bad input
# `two_sum_sorted` checks sortedness ($O(n)$, the same order as the search itself).

# %% [markdown] lang="zh"
# ## 3. 对非法输入大声报错
# `two_sum_sorted` 会检查输入是否有序（$O(n)$，与查找本身同阶）。

# %%
try:
    two_sum_sorted([3, 1, 2], 3)
except ValueError as exc:
    print("ValueError:", exc)
else:
    raise AssertionError("unsorted input must be rejected")
assert two_sum_sorted([1, 2, 2, 3, 3], 4) == (0, 4)

# %% [markdown]
# ## 4. The three-line review
# After an accepted problem, write down what it was, the mistake, and the lesson:
# `dlfs gym review subarray-sum-k --what "..." --mistake "..." --lesson "..."`.
# Day 28 turns the journal into per-topic statistics.

# %% [markdown] lang="zh"
# ## 4. 三行复盘
# 一道题通过之后，写下它讲的是什么、犯了什么错、学到了什么：
# `dlfs gym review subarray-sum-k --what "..." --mistake "..." --lesson "..."`。
# 第 28 天会把这些复盘记录汇总成按主题的统计。

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
