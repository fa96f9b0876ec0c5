# %% [markdown]
# # Gym Day 22 · Two pointers / sliding window — 双指针/滑窗专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`two_sum_sorted`,
# `longest_unique_substring`, `min_window`), `src/dlfs/gym/problems/d22_*.py`.
#
# Two pointers replace a double loop when moving one pointer can only help in one
# direction. The sliding-window form: extend `right` every step; move `left` forward while
# the window breaks the rule (or, for "shortest valid", while it still satisfies it). Each
# pointer moves at most n times: $O(n)$.

# %% [markdown] lang="zh"
# # 算法健身房第 22 天 · 双指针/滑动窗口专题
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`two_sum_sorted`、`longest_unique_substring`、
# `min_window`），`src/dlfs/gym/problems/d22_*.py`。
#
# 当移动某个指针只可能朝一个方向带来帮助时，双指针就能取代二重循环。滑动窗口的形式：每一步都扩展
# `right`；当窗口违反规则时（对“最短的合法窗口”而言，则是当它仍然满足要求时）向前移动 `left`。
# 每个指针最多移动 n 次：$O(n)$。

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import longest_unique_substring, min_window, two_sum_sorted

ctx = lesson_context("gym-two-pointers")
DAY = 22
rng = random.Random(22)

# %% [markdown]
# ## Why the pair search may discard: sorted input makes each move safe
# If $a[i] + a[j] < t$, then $a[i] + a[j'] \le a[i] + a[j] < t$ for every $j' \le j$: no pair
# with this $i$ can work, so drop $i$. Symmetrically, if $a[i] + a[j] > t$, drop $j$.

# %% [markdown] lang="zh"
# ## 为什么数对查找可以丢弃元素：有序输入让每一步移动都安全
# 若 $a[i] + a[j] < t$，则对每个 $j' \le j$ 都有 $a[i] + a[j'] \le a[i] + a[j] < t$：这个 $i$
# 不可能组成答案，丢掉 $i$。对称地，若 $a[i] + a[j] > t$，就丢掉 $j$。

# %%
for _ in range(300):
    a = sorted(rng.randint(-9, 9) for _ in range(rng.randint(0, 10)))
    t = rng.randint(-12, 12)
    got = two_sum_sorted(a, t)
    exists = any(a[i] + a[j] == t for i in range(len(a)) for j in range(i + 1, len(a)))
    assert (got is not None) == exists and (got is None or a[got[0]] + a[got[1]] == t)
print("two pointers find a pair exactly when one exists (300 random cases)")

# %% [markdown]
# ## Longest window with a rule, shortest window with a requirement

# %% [markdown] lang="zh"
# ## 满足规则的最长窗口，满足要求的最短窗口

# %%
assert longest_unique_substring("abcabcbb") == 3
assert longest_unique_substring("abba") == 2          # left must never move backwards
assert min_window("ADOBECODEBANC", "ABC") == "BANC"
assert min_window("aa", "aa") == "aa" and min_window("a", "b") == ""
print("longest_unique_substring('abba') =", longest_unique_substring("abba"))

# %% [markdown]
# ## When a window does not work
# "Count subarrays with sum k" with negative numbers: growing the window can lower the sum,
# so no pointer move is safe. Use prefix sums + a Counter (Day 6).

# %% [markdown] lang="zh"
# ## 窗口不管用的时候
# 有负数时的“统计和为 k 的子数组”：扩大窗口可能让和变小，因此没有哪一步指针移动是安全的。
# 请改用前缀和 + Counter（第 6 天）。

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
