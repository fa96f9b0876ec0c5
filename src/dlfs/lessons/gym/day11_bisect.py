# %% [markdown]
# # Gym Day 11 · bisect: binary search, sorted sequences — bisect 二分查找与有序序列
#
# **Library files:** `src/dlfs/gym/templates.py` (`lower_bound`, `upper_bound`,
# `binary_search`, `lis_length`), `src/dlfs/gym/problems/d11_*.py`.
#
# On a sorted list, `bisect_left(a, x)` is the first index with `a[i] >= x` and
# `bisect_right(a, x)` the first with `a[i] > x`; both $O(\log n)$. Everything else follows:
# count of x = right - left, count in [lo, hi] = right(hi) - left(lo), insertion keeping
# order = `insort`.

# %% [markdown] lang="zh"
# # 算法健身房第 11 天 · bisect：二分查找与有序序列
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`lower_bound`、`upper_bound`、`binary_search`、
# `lis_length`），`src/dlfs/gym/problems/d11_*.py`。
#
# 在有序列表上，`bisect_left(a, x)` 是第一个满足 `a[i] >= x` 的下标，`bisect_right(a, x)`
# 是第一个满足 `a[i] > x` 的下标，两者都是 $O(\log n)$。其余的都可由此推出：x 的个数 = right -
# left，落在 [lo, hi] 内的个数 = right(hi) - left(lo)，保持有序的插入 = `insort`。

# %%
import bisect
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import binary_search, lis_length, lower_bound, upper_bound

ctx = lesson_context("gym-bisect")
DAY = 11
rng = random.Random(11)

a = [1, 2, 2, 2, 5, 7]
assert (lower_bound(a, 2), upper_bound(a, 2)) == (1, 4)
assert upper_bound(a, 2) - lower_bound(a, 2) == a.count(2)
assert binary_search(a, 5) == 4 and binary_search(a, 3) == -1
for _ in range(300):
    xs = sorted(rng.randint(0, 9) for _ in range(rng.randint(0, 10)))
    x = rng.randint(-1, 10)
    assert lower_bound(xs, x) == sum(v < x for v in xs)
    assert upper_bound(xs, x) == sum(v <= x for v in xs)
print("lower/upper bound agree with counting on 300 random lists")

# %% [markdown]
# ## key= (Python 3.10+): search records sorted by a field

# %% [markdown] lang="zh"
# ## key=（Python 3.10+）：在按某个字段排序的记录中查找

# %%
events = [(1, "boot"), (4, "login"), (9, "logout")]
i = bisect.bisect_right(events, 5, key=lambda e: e[0]) - 1
assert events[i][1] == "login"
print("last event at or before t=5:", events[i])

# %% [markdown]
# ## Longest increasing subsequence with bisect
# `tails[L]` is the smallest tail of an increasing subsequence of length L+1; each value
# replaces the first tail >= it (bisect_left keeps it strictly increasing). One binary
# search per value: $O(n \log n)$ in total.

# %% [markdown] lang="zh"
# ## 用 bisect 求最长递增子序列
# `tails[L]` 是长度为 L+1 的递增子序列可能的最小结尾；每个值替换第一个 >= 它的结尾（用 bisect_left
# 保证子序列严格递增）。每个值做一次二分查找：总共 $O(n \log n)$。

# %%
seq = [10, 9, 2, 5, 3, 7, 101, 18]
assert lis_length(seq) == 4
assert lis_length([7, 7, 7]) == 1
print("LIS length of", seq, "=", lis_length(seq))

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
