# %% [markdown]
# # Gym Day 12 · Heap + binary search drills — 综合训练（堆 + 二分）
#
# **Library files:** `src/dlfs/gym/templates.py` (`merge_k_sorted`, `running_median`,
# `first_true`), `src/dlfs/gym/problems/d12_*.py`.
#
# Two drills where a heap and binary search meet: merging sorted streams, and the k-th
# smallest element of a sorted matrix found both ways.

# %% [markdown] lang="zh"
# # 算法健身房第 12 天 · 堆与二分综合训练
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`merge_k_sorted`、`running_median`、
# `first_true`），`src/dlfs/gym/problems/d12_*.py`。
#
# 两项让堆与二分查找相遇的训练：合并多个有序流，以及用两种方法求有序矩阵中第 k 小的元素。

# %%
import heapq
import random
import statistics

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import first_true, merge_k_sorted, running_median

ctx = lesson_context("gym-heap-bisect-drills")
DAY = 12
rng = random.Random(12)

streams = [[1, 4, 9], [2, 3, 10], [], [5]]
assert merge_k_sorted(streams) == sorted(sum(streams, []))
stream = [rng.randint(0, 50) for _ in range(30)]
assert running_median(stream) == [statistics.median(stream[:i + 1]) for i in range(30)]
print("merge_k_sorted and running_median match their oracles")

# %% [markdown]
# ## k-th smallest in a matrix with sorted rows and columns
# The matrix is $n \times n$. Heap: pop k times from a frontier of row heads, $O(k \log n)$.
# Binary search on the value: the answer is the smallest $v$ with $\mathrm{count}(v) \ge k$,
# where $\mathrm{count}(v)$ is the number of entries $\le v$. Walking the staircase from a
# corner counts them in $O(n)$, so the search costs $O(n \log R)$ for values spanning a range
# $R$; the `count_le` below simply scans all $n^2$ entries, which is plenty for a check.

# %% [markdown] lang="zh"
# ## 行、列均有序的矩阵中第 k 小的元素
# 矩阵大小为 $n \times n$。堆：从各行行首组成的“前沿”中弹出 k 次，$O(k \log n)$。对值做二分：
# 答案是满足 $\mathrm{count}(v) \ge k$ 的最小 $v$，其中 $\mathrm{count}(v)$ 是 $\le v$ 的元素个数。
# 从一个角出发沿“阶梯”走，$O(n)$ 就能数完，所以值域宽度为 $R$ 时整个查找是 $O(n \log R)$；下面的
# `count_le` 只是扫描全部 $n^2$ 个元素，用来做检查绰绰有余。

# %%
n = 6
matrix = [[i * 3 + j * 2 + rng.randint(0, 1) for j in range(n)] for i in range(n)]
for row in matrix:                          # make rows and columns non-decreasing
    row.sort()
for j in range(n):
    col = sorted(matrix[i][j] for i in range(n))
    for i in range(n):
        matrix[i][j] = col[i]


def kth_heap(m: list[list[int]], k: int) -> int:
    heap = [(row[0], r, 0) for r, row in enumerate(m)]
    heapq.heapify(heap)
    for _ in range(k - 1):
        _, r, c = heapq.heappop(heap)
        if c + 1 < len(m[r]):
            heapq.heappush(heap, (m[r][c + 1], r, c + 1))
    return heap[0][0]


def kth_search(m: list[list[int]], k: int) -> int:
    count_le = lambda v: sum(sum(x <= v for x in row) for row in m)
    return first_true(m[0][0], m[-1][-1] + 1, lambda v: count_le(v) >= k)


flat = sorted(x for row in matrix for x in row)
for k in range(1, n * n + 1):
    assert kth_heap(matrix, k) == kth_search(matrix, k) == flat[k - 1]
print("k-th smallest: heap and binary search agree for every k up to", n * n)

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
