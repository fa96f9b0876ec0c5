# %% [markdown]
# # Gym Day 24 · Monotonic stack / queue — 单调栈/队列专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`next_greater`, `prev_smaller`,
# `largest_rectangle`, `sliding_window_max`), `src/dlfs/gym/problems/d24_*.py`.
#
# A monotonic stack keeps indices whose values are sorted; a new element pops everything
# it "answers" (e.g. every smaller element waiting for its next greater one). Each index is
# pushed and popped once, so the whole pass is $O(n)$ even though there is a loop inside a
# loop. A monotonic deque does the same for sliding windows, also dropping indices that
# fall out of the window on the left.

# %% [markdown] lang="zh"
# # 算法健身房第 24 天 · 单调栈/单调队列专题
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`next_greater`、`prev_smaller`、
# `largest_rectangle`、`sliding_window_max`），`src/dlfs/gym/problems/d24_*.py`。
#
# 单调栈里保存的下标所对应的值是有序的；新元素会弹出所有它能“回答”的元素（例如所有正在等待下一个更
# 大元素的较小元素）。每个下标只入栈、出栈各一次，所以尽管有循环套循环，整趟扫描仍是 $O(n)$。
# 单调双端队列对滑动窗口做同样的事，另外还会从左端丢弃滑出窗口的下标。

# %%
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import largest_rectangle, next_greater, prev_smaller, sliding_window_max

ctx = lesson_context("gym-monotonic-stack")
DAY = 24
rng = random.Random(24)

temps = [73, 74, 75, 71, 69, 72, 76, 73]
nxt = next_greater(temps)
print("next warmer day index:", nxt)
assert nxt == [1, 2, 6, 5, 5, 6, -1, -1]

# %% [markdown]
# ## Counting the work: at most $2n$ stack operations

# %% [markdown] lang="zh"
# ## 数一数工作量：最多 $2n$ 次栈操作

# %%
def next_greater_counted(a: list[int]) -> tuple[list[int], int]:
    out, stack, ops = [-1] * len(a), [], 0
    for j, v in enumerate(a):
        while stack and a[stack[-1]] < v:
            out[stack.pop()] = j
            ops += 1
        stack.append(j)
        ops += 1
    return out, ops


for _ in range(100):
    a = [rng.randint(0, 9) for _ in range(rng.randint(0, 30))]
    out, ops = next_greater_counted(a)
    assert out == next_greater(a) and ops <= 2 * len(a)
print("at most 2n pushes + pops on every random case")

# %% [markdown]
# ## Largest rectangle = for each bar, how far it extends left and right
# Left limit: previous smaller bar; right limit: next smaller bar. One stack finds both.
# With $\mathrm{left}[i]$ the index of the previous strictly smaller bar ($-1$ if none) and
# $\mathrm{right}[i]$ that of the next one ($n$ if none), bar $i$ spans
# $\mathrm{right}[i] - \mathrm{left}[i] - 1$ bars:
# $$
# \mathrm{area} = \max_i \; h[i] \cdot (\mathrm{right}[i] - \mathrm{left}[i] - 1)
# $$

# %% [markdown] lang="zh"
# ## 最大矩形 = 每根柱子能向左、向右延伸多远
# 左边界：前一根更矮的柱子；右边界：下一根更矮的柱子。一个栈就能求出两者。记 $\mathrm{left}[i]$
# 为前一根严格更矮的柱子的下标（没有则为 $-1$），$\mathrm{right}[i]$
# 为下一根严格更矮的柱子的下标（没有则为 $n$），则柱子 $i$ 能覆盖
# $\mathrm{right}[i] - \mathrm{left}[i] - 1$ 根柱子：
# $$
# \mathrm{area} = \max_i \; h[i] \cdot (\mathrm{right}[i] - \mathrm{left}[i] - 1)
# $$

# %%
h = [2, 1, 5, 6, 2, 3]
left = prev_smaller(h)
right = [len(h) - 1 - j if j >= 0 else -1 for j in prev_smaller(h[::-1])][::-1]
right = [r if r >= 0 else len(h) for r in right]
area = max(h[i] * (right[i] - left[i] - 1) for i in range(len(h)))
assert area == largest_rectangle(h) == 10
print("largest rectangle:", area)
assert sliding_window_max([1, 3, -1, -3, 5, 3, 6, 7], 3) == [3, 3, 5, 5, 6, 7]

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
