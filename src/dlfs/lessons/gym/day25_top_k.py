# %% [markdown]
# # Gym Day 25 · Heap / top-k — 堆/TopK 专题
#
# **Library files:** `src/dlfs/gym/templates.py` (`top_k`, `MaxHeap`, `merge_k_sorted`),
# `src/dlfs/gym/problems/d25_*.py`.
#
# Three heap patterns: keep the k best (a size-k min-heap, $O(n \log k)$); repeatedly
# combine the two smallest or largest (a greedy simulation); merge sorted streams (a heap of
# heads). Tie rules are where solutions go wrong, so we state them and test them.

# %% [markdown] lang="zh"
# # 算法健身房第 25 天 · 堆/Top-K 专题
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`top_k`、`MaxHeap`、`merge_k_sorted`），
# `src/dlfs/gym/problems/d25_*.py`。
#
# 堆的三种用法：保留最好的 k 个（大小为 k 的最小堆，$O(n \log k)$）；
# 反复合并最小或最大的两个（贪心模拟）；合并多个有序流（由各流首元素组成的堆）。
# 解答最容易在并列规则上出错，所以我们把规则写明并加以测试。

# %%
import heapq
import random
from collections import Counter

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import MaxHeap, top_k

ctx = lesson_context("gym-top-k")
DAY = 25
rng = random.Random(25)

# %% [markdown]
# ## top_k keeps input order among ties, exactly like a stable sort

# %% [markdown] lang="zh"
# ## top_k 在并列时保持输入顺序，与稳定排序完全一致

# %%
for _ in range(300):
    a = [(rng.randint(0, 3), i) for i in range(rng.randint(0, 12))]
    k = rng.randint(0, 14)
    assert top_k(a, k, key=lambda p: p[0]) == sorted(a, key=lambda p: p[0], reverse=True)[:k]
print("top_k == sorted(..., reverse=True)[:k] including ties")

# %% [markdown]
# ## Top-k frequent with an explicit tie rule (smaller value first)

# %% [markdown] lang="zh"
# ## 带明确并列规则的前 k 个高频元素（值较小者优先）

# %%
nums = [4, 1, 1, 2, 2, 3, 4]
counts = Counter(nums)
best = top_k(sorted(counts.items()), 2, key=lambda kv: kv[1])
assert [v for v, _ in best] == [1, 2]
print("two most frequent (ties: smaller first):", [v for v, _ in best])

# %% [markdown]
# ## Greedy combining: Huffman's rule
# Joining the two shortest ropes first is optimal; compare with joining in input order.
# The cost is the sum of the lengths of all joined ropes (Huffman, 1952, *A Method for the
# Construction of Minimum-Redundancy Codes*). Repeatedly smashing the two heaviest stones
# works the same way with a `MaxHeap`.

# %% [markdown] lang="zh"
# ## 贪心合并：Huffman 规则
# 先连接最短的两根绳子是最优的；与按输入顺序连接比较一下。
# 总代价是每次连接所得绳子的长度之和（Huffman，1952，*A Method for the Construction of
# Minimum-Redundancy Codes*）。反复粉碎最重的两块石头也是同样的做法，只是换成 `MaxHeap`。

# %%
ropes = [8, 4, 6, 12]
heap = ropes[:]
heapq.heapify(heap)
greedy = 0
while len(heap) > 1:
    joined = heapq.heappop(heap) + heapq.heappop(heap)
    greedy += joined
    heapq.heappush(heap, joined)
in_order, acc = 0, ropes[0]
for r in ropes[1:]:
    acc += r
    in_order += acc
print(f"greedy cost {greedy}, left-to-right cost {in_order}")
assert greedy == 58 and in_order == 60

mh = MaxHeap([2, 7, 4, 1, 8, 1])
while len(mh) > 1:
    a, b = mh.pop(), mh.pop()
    if a != b:
        mh.push(a - b)
assert mh.pop() == 1

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
