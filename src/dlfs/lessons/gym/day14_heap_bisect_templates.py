# %% [markdown]
# # Gym Day 14 · Heap and binary-search templates — 整理堆与二分模板
#
# **Library files:** `src/dlfs/gym/templates.py` (`first_true`, `bisect_float`, `top_k`,
# `MaxHeap`), `tests/gym/test_templates.py`, `src/dlfs/gym/problems/d14_*.py`.
#
# One binary search to remember: **`first_true(lo, hi, pred)`**, the smallest integer in
# $[\mathrm{lo}, \mathrm{hi})$ where a monotone predicate turns true (hi if never), found with
# $O(\log(\mathrm{hi} - \mathrm{lo}))$ calls of `pred`. Every variant (first >= x,
# last <= x, integer sqrt, minimal capacity) is a choice of `pred`; no off-by-one thinking.

# %% [markdown] lang="zh"
# # 算法健身房第 14 天 · 整理堆与二分模板
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`first_true`、`bisect_float`、`top_k`、
# `MaxHeap`），`tests/gym/test_templates.py`，`src/dlfs/gym/problems/d14_*.py`。
#
# 只需记住一种二分查找：**`first_true(lo, hi, pred)`**，即 $[\mathrm{lo}, \mathrm{hi})$
# 中使单调谓词变为真的最小整数（始终不为真则返回 hi），只需调用
# $O(\log(\mathrm{hi} - \mathrm{lo}))$ 次 `pred`。所有变体（第一个 >= x、最后一个 <= x、
# 整数平方根、最小容量）都只是 `pred` 的不同选法，不必再为差一错误（off-by-one）伤脑筋。

# %%
import math
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import bisect_float, first_true

ctx = lesson_context("gym-heap-bisect-templates")
DAY = 14
rng = random.Random(14)

a = [1, 3, 3, 5, 8]
first_ge_3 = first_true(0, len(a), lambda i: a[i] >= 3)
last_le_4 = first_true(0, len(a), lambda i: a[i] > 4) - 1
assert (first_ge_3, last_le_4) == (1, 2)
print("first index with a[i] >= 3:", first_ge_3, "| last index with a[i] <= 4:", last_le_4)

# %% [markdown]
# ## Integer square root without floats
# `math.sqrt` works in float64; near $10^{18}$ it rounds, and `int(math.sqrt(x))` can be off
# by one. The integer binary search is exact (and agrees with `math.isqrt`): the smallest
# $r$ with $(r + 1)^2 > x$ is $\lfloor \sqrt{x} \rfloor$.

# %% [markdown] lang="zh"
# ## 不用浮点数的整数平方根
# `math.sqrt` 以 float64 计算；在 $10^{18}$ 附近会发生舍入，`int(math.sqrt(x))` 可能差 1。
# 整数二分查找是精确的（并与 `math.isqrt` 一致）：满足 $(r + 1)^2 > x$ 的最小 $r$ 就是
# $\lfloor \sqrt{x} \rfloor$。

# %%
x = 10 ** 18 - 1
via_float = int(math.sqrt(x))
via_search = first_true(0, x + 1, lambda r: (r + 1) * (r + 1) > x)
print(f"x = 10^18 - 1: int(sqrt) = {via_float}, binary search = {via_search}")
assert via_search == math.isqrt(x) == 999_999_999 and via_float == 10 ** 9
for _ in range(300):
    v = rng.randrange(10 ** 12)
    assert first_true(0, v + 1, lambda r, v=v: (r + 1) * (r + 1) > v) == math.isqrt(v)

# %% [markdown]
# ## On the reals: bisect_float with a tolerance
# The interval is halved until it is shorter than `eps`:
# $O(\log((\mathrm{hi} - \mathrm{lo}) / \varepsilon))$ evaluations of the predicate. Here it
# finds $\sqrt[3]{2}$, the point where $t^3 \ge 2$ becomes true.

# %% [markdown] lang="zh"
# ## 在实数上：带容差的 bisect_float
# 区间不断对半缩小，直到短于 `eps`：谓词要计算 $O(\log((\mathrm{hi} - \mathrm{lo}) / \varepsilon))$
# 次。这里用它求 $\sqrt[3]{2}$，也就是 $t^3 \ge 2$ 开始成立的那个点。

# %%
root = bisect_float(0.0, 2.0, lambda t: t ** 3 >= 2.0, eps=1e-12)
assert abs(root - 2 ** (1 / 3)) < 1e-9
print(f"cube root of 2 ~ {root:.9f}")

# %% [markdown]
# ## Heap template: keep the k best in a min-heap of size k
# The root is the worst of the best: the k-th largest. $O(n \log k)$ time, $O(k)$ memory.
# (See Day 10 for `top_k`.)

# %% [markdown] lang="zh"
# ## 堆模板：用大小为 k 的最小堆保留最好的 k 个
# 堆顶是“最好的那些里最差的一个”，也就是第 k 大的元素。时间 $O(n \log k)$，内存 $O(k)$。（`top_k`
# 见第 10 天。）

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
