# %% [markdown]
# # Gym Day 3 · deque: queues, BFS, sliding windows — deque 队列/BFS/滑窗
#
# **Library files:** `src/dlfs/playground/` (`compare`, `time_block`).
#
# A Python `list` stores its items in one contiguous array. Adding at the *end* is $O(1)$
# (amortized), but `list.insert(0, x)` must shift every item one slot right: $O(n)$.
# `collections.deque` is a linked list of fixed-size blocks, so `appendleft` and `popleft`
# are $O(1)$. We measure it: the cost of one front insertion should grow with n for the list
# and stay flat for the deque.

# %% [markdown] lang="zh"
# # 算法健身房第 3 天 · deque：队列、BFS 与滑动窗口
#
# **相关库文件：** `src/dlfs/playground/`（`compare`、`time_block`）。
#
# Python 的 `list` 把元素存放在一块连续的数组里。在*末尾*追加是 $O(1)$（均摊），但
# `list.insert(0, x)` 必须把每个元素都向右挪一格：$O(n)$。`collections.deque`
# 是由固定大小的块组成的链表，所以 `appendleft` 和 `popleft` 都是 $O(1)$。我们来实测：
# 一次头部插入的开销，对 list 应当随 n 增长，对 deque 则保持不变。

# %%
from collections import deque

import matplotlib.pyplot as plt

from dlfs.curriculum import lesson_context
from dlfs.playground import compare, time_block

ctx = lesson_context("gym-deque")

# %% [markdown]
# ## 1. Same result, different cost
# Build a sequence by pushing to the front, both ways, and check they agree.

# %% [markdown] lang="zh"
# ## 1. 结果相同，代价不同
# 用两种方式依次从头部插入来构建序列，并检查两者一致。

# %%
items = range(1000)
as_list: list[int] = []
as_deque: deque[int] = deque()
for v in items:
    as_list.insert(0, v)
    as_deque.appendleft(v)
assert as_list == list(as_deque) == list(reversed(items))
print("list.insert(0, x) and deque.appendleft(x) build the same sequence")

# %% [markdown]
# ## 2. Cost of one more front insertion into a container of size n
# We time `k` front insertions into a container that already holds `n` items (and pop
# them again so the size stays n). Per-operation time: about constant for the deque
# ($O(1)$), proportional to n for the list ($O(n)$).

# %% [markdown] lang="zh"
# ## 2. 向大小为 n 的容器再做一次头部插入的代价
# 我们对已装有 `n` 个元素的容器计时 `k` 次头部插入（随后再把它们弹出，使大小保持为 n）。
# 单次操作的时间：deque 大致恒定（$O(1)$），list 与 n 成正比（$O(n)$）。

# %%
sizes = [1_000, 10_000, 50_000] if ctx.quick else [1_000, 10_000, 100_000, 300_000]
k = 200
per_op = {"list.insert(0, x)": [], "deque.appendleft(x)": []}
for n in sizes:
    lst, dq = list(range(n)), deque(range(n))

    def list_front(lst=lst):
        for _ in range(k):
            lst.insert(0, -1)
        del lst[:k]

    def deque_front(dq=dq):
        for _ in range(k):
            dq.appendleft(-1)
        for _ in range(k):
            dq.popleft()

    print(f"\nn = {n:,}")
    results = {r.label: r for r in compare(
        {"list.insert(0, x)": list_front, "deque.appendleft(x)": deque_front}, repeat=5)}
    for name in per_op:
        per_op[name].append(results[name].min / k)

# %% [markdown]
# ## 3. What the numbers say
# The list's per-insert time grows with n; the deque's does not. On the largest size the
# deque must win clearly.

# %% [markdown] lang="zh"
# ## 3. 数字说明了什么
# list 每次插入的时间随 n 增长，deque 则不会。在最大的规模上，deque 必须明显胜出。

# %%
growth_list = per_op["list.insert(0, x)"][-1] / per_op["list.insert(0, x)"][0]
growth_deque = per_op["deque.appendleft(x)"][-1] / per_op["deque.appendleft(x)"][0]
print(f"\nper-insert time from n={sizes[0]:,} to n={sizes[-1]:,}: "
      f"list x{growth_list:.1f}, deque x{growth_deque:.1f}")
assert growth_list > 3 * growth_deque, "list front insertion should scale with n"
assert per_op["list.insert(0, x)"][-1] > 3 * per_op["deque.appendleft(x)"][-1]

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, times in per_op.items():
    ax.loglog(sizes, [t * 1e9 for t in times], "o-", label=name)
ax.set_xlabel("container size n")
ax.set_ylabel("ns per front insertion")
ax.set_title("Front insertion: O(n) list vs O(1) deque")
ax.legend()
ctx.savefig(fig, "front_insertion.png")

# %% [markdown]
# ## 4. deque in its natural habitat: breadth-first search
# BFS pops from the front and pushes to the back; with a list, `pop(0)` would be $O(n)$.

# %% [markdown] lang="zh"
# ## 4. deque 的主场：广度优先搜索
# BFS 从队头弹出、往队尾压入；如果用 list，`pop(0)` 会是 $O(n)$。

# %%
grid = [
    "S.#.....",
    ".##.###.",
    "....#...",
    "###.#.#.",
    "......#E",
]
start, goal = (0, 0), (4, 7)
dist = {start: 0}
queue = deque([start])
with time_block("BFS on the grid", quiet=True):
    while queue:
        r, c = queue.popleft()
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < len(grid) and 0 <= nc < len(grid[0]) and grid[nr][nc] != "#" \
                    and (nr, nc) not in dist:
                dist[(nr, nc)] = dist[(r, c)] + 1
                queue.append((nr, nc))
print(f"shortest path S -> E: {dist[goal]} steps")

# Check BFS against a slow but obviously correct method: relax every cell from its
# neighbours until nothing changes (no queue at all).
INF = float("inf")
cells = [(r, c) for r in range(len(grid)) for c in range(len(grid[0])) if grid[r][c] != "#"]
slow = {cell: INF for cell in cells}
slow[start] = 0
changed = True
while changed:
    changed = False
    for r, c in cells:
        best = min(slow.get(nb, INF) + 1 for nb in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)))
        if best < slow[(r, c)]:
            slow[(r, c)], changed = best, True
assert slow[goal] == dist[goal] == 15, (slow[goal], dist[goal])
assert all(slow[cell] == dist.get(cell, INF) for cell in cells)

# %% [markdown]
# ## 5. Sliding window with a bounded deque
# `deque(maxlen=k)` drops the oldest item automatically: a moving average in three lines.

# %% [markdown] lang="zh"
# ## 5. 用有界 deque 实现滑动窗口
# `deque(maxlen=k)` 会自动丢弃最旧的元素：三行代码就能算出移动平均。

# %%
window: deque[float] = deque(maxlen=3)
averages = []
for x in [1, 2, 3, 4, 5, 6]:
    window.append(x)
    averages.append(sum(window) / len(window))
print("moving average (k=3):", averages)
assert averages == [1.0, 1.5, 2.0, 3.0, 4.0, 5.0]

# %%
DAY = 3

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
