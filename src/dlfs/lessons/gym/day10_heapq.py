# %% [markdown]
# # Gym Day 10 · heapq: top-k, min-heap, simulation — heapq 堆：Top-K、最小堆、模拟
#
# **Library files:** `src/dlfs/gym/templates.py` (`top_k`, `MaxHeap`),
# `src/dlfs/playground/` (`compare`), `src/dlfs/gym/problems/d10_*.py`.
#
# `heapq` keeps a plain list in heap order: `a[0]` is the minimum, `heappush`/`heappop`
# are $O(\log n)$, `heapify` is $O(n)$. There is no max-heap: push negated numbers, or wrap
# items (`dlfs.gym.templates.MaxHeap`). For the k largest of n items there are three
# choices: `sorted(a, reverse=True)[:k]` ($O(n \log n)$, all in C), `heapq.nlargest(k, a)`
# ($O(n \log k)$) and our pure-Python `top_k` ($O(n \log k)$, same ties rule). Measure them.

# %% [markdown] lang="zh"
# # 算法健身房第 10 天 · heapq：Top-K、最小堆与模拟
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`top_k`、`MaxHeap`），
# `src/dlfs/playground/`（`compare`），`src/dlfs/gym/problems/d10_*.py`。
#
# `heapq` 让一个普通列表保持堆序：`a[0]` 是最小值，`heappush`/`heappop` 为 $O(\log n)$，`heapify`
# 为 $O(n)$。它没有最大堆：可以压入取负后的数，或者把元素包装起来（`dlfs.gym.templates.MaxHeap`）。
# 要从 n 个元素中取出最大的 k 个，有三种做法：`sorted(a, reverse=True)[:k]`（$O(n \log n)$，全在 C
# 里完成）、`heapq.nlargest(k, a)`（$O(n \log k)$）以及我们的纯 Python 实现
# `top_k`（$O(n \log k)$，并列规则相同）。来实测一下。

# %%
import heapq
import random

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import MaxHeap, top_k
from dlfs.playground import compare

ctx = lesson_context("gym-heapq")
DAY = 10
rng = random.Random(10)

h: list[int] = []
for v in [5, 1, 8, 3]:
    heapq.heappush(h, v)
assert h[0] == 1 and [heapq.heappop(h) for _ in range(4)] == [1, 3, 5, 8]
mh = MaxHeap([5, 1, 8, 3])
assert [mh.pop() for _ in range(4)] == [8, 5, 3, 1]
print("min-heap pops ascending, MaxHeap pops descending")

# %% [markdown]
# ## Three ways to take the top k

# %% [markdown] lang="zh"
# ## 取前 k 大的三种方法

# %%
n = 20_000 if ctx.quick else 1_000_000
k = 10
a = [rng.randrange(10 ** 9) for _ in range(n)]
expected = sorted(a, reverse=True)[:k]
assert heapq.nlargest(k, a) == expected == top_k(a, k)
print(f"n = {n:,}, k = {k}")
results = {r.label: r.min for r in compare({
    "sorted(a, reverse=True)[:k]": lambda: sorted(a, reverse=True)[:k],
    "heapq.nlargest(k, a)": lambda: heapq.nlargest(k, a),
    "top_k(a, k)  (pure Python)": lambda: top_k(a, k),
}, repeat=3)}

# %% [markdown]
# What to read from the table: `nlargest` touches each item once and keeps only k of them,
# so for small k it beats a full sort as n grows. `top_k` does the same $O(n \log k)$ work
# but carries each item's index (for the stable tie rule) through a Python loop, so it
# pays a constant factor over `nlargest`, whose inner loop is one comparison with the
# current k-th largest. (We only assert the ordering that holds on any machine: the
# standard-library routine beats our loop.)

# %% [markdown] lang="zh"
# 表格该怎么读：`nlargest` 每个元素只看一次，并且只保留其中 k 个，所以 k 较小时，随着 n
# 增大它会胜过完整排序。`top_k` 做的是同样 $O(n \log k)$ 的工作，但它在 Python
# 循环里为每个元素带着下标（为了稳定的并列规则），因此比 `nlargest` 多付出一个常数因子；`nlargest`
# 的内层循环只是与当前第 k 大的元素比较一次。（我们只断言在任何机器上都成立的快慢关系：
# 标准库的实现快于我们的循环。）

# %%
assert results["heapq.nlargest(k, a)"] < results["top_k(a, k)  (pure Python)"]

# %% [markdown]
# ## Simulation: always process the earliest event
# Rooms are freed in order of end time: a min-heap of end times answers "is a room free?".

# %% [markdown] lang="zh"
# ## 模拟：总是先处理最早发生的事件
# 会议室按结束时间的先后被释放：一个存放结束时间的最小堆就能回答“现在有空闲的会议室吗？”。

# %%
meetings = sorted([(0, 30), (5, 10), (15, 20), (10, 15)])
ends: list[int] = []
for start, end in meetings:
    if ends and ends[0] <= start:
        heapq.heapreplace(ends, end)
    else:
        heapq.heappush(ends, end)
print("rooms needed:", len(ends))
assert len(ends) == 2

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
