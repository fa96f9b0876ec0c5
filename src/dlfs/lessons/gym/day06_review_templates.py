# %% [markdown]
# # Gym Day 6 · Mistake review + template hardening — 错题回炉 + 模板固化
#
# **Library files:** `src/dlfs/gym/templates.py` (`two_sum_sorted`, `prefix_sums`,
# `count_subarrays_with_sum`), `tests/gym/test_templates.py`, `src/dlfs/gym/journal.py`.
#
# Hardening a template means: state its contract (input, output, complexity, edge cases),
# reject bad input loudly, and test it against a brute-force oracle on random inputs.
# That is exactly how `dlfs.gym.templates` is built; here we redo it by hand for two of them.

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
# values so that collisions (ties, zeros, duplicates) happen often.

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
# `two_sum_sorted` checks sortedness (O(n), the same order as the search itself).

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
