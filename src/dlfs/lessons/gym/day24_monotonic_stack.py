# %% [markdown]
# # Gym Day 24 · Monotonic stack / queue — 单调栈/队列专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`next_greater`, `prev_smaller`,
# `largest_rectangle`, `sliding_window_max`), `src/dlfs/gym/problems/d24_*.py`.
#
# A monotonic stack keeps indices whose values are sorted; a new element pops everything
# it "answers" (e.g. every smaller element waiting for its next greater one). Each index is
# pushed and popped once, so the whole pass is O(n) even though there is a loop inside a
# loop. A monotonic deque does the same for sliding windows, also dropping indices that
# fall out of the window on the left.

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
# ## Counting the work: at most 2n stack operations

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
