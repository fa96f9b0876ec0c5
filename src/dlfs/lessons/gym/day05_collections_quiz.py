# %% [markdown]
# # Gym Day 5 · Mixed collections quiz — 综合小测
#
# **Library files:** `src/dlfs/gym/problems/d05_*.py`.
#
# A quiz over the week: for each task, which container makes it $O(1)$ per step? Every
# answer below is checked against a slow but obviously correct version.

# %% [markdown] lang="zh"
# # 算法健身房第 5 天 · 容器综合小测
#
# **相关库文件：** `src/dlfs/gym/problems/d05_*.py`。
#
# 本周内容的小测：每项任务该用哪种容器，才能让每一步都是 $O(1)$？
# 下面每个答案都会与一个慢但显然正确的版本对照检查。

# %%
import random
from collections import Counter, OrderedDict, defaultdict, deque

from dlfs.curriculum import lesson_context

ctx = lesson_context("gym-collections-quiz")
DAY = 5
rng = random.Random(5)

# %% [markdown]
# **Q1.** Is `ransom` buildable from the letters of `magazine`? → Counter subtraction is
# empty exactly when every needed letter is available.

# %% [markdown] lang="zh"
# **Q1.** 能否用 `magazine` 中的字母拼出 `ransom`？→ 当且仅当所需的每个字母都够用时，Counter
# 相减的结果为空。

# %%
for _ in range(200):
    mag = "".join(rng.choice("abc") for _ in range(rng.randint(0, 6)))
    note = "".join(rng.choice("abc") for _ in range(rng.randint(0, 4)))
    fast = not (Counter(note) - Counter(mag))
    slow = all(note.count(ch) <= mag.count(ch) for ch in set(note))
    assert fast == slow
print("Q1: Counter(note) - Counter(magazine) is empty  <=>  the note can be built")

# %% [markdown]
# **Q2.** Keep the last 3 events → `deque(maxlen=3)`. **Q3.** A least-recently-used cache
# of size 2 → `OrderedDict.move_to_end` + `popitem(last=False)`.

# %% [markdown] lang="zh"
# **Q2.** 保留最近 3 个事件 → `deque(maxlen=3)`。**Q3.** 容量为 2 的最近最少使用（LRU）缓存 →
# `OrderedDict.move_to_end` + `popitem(last=False)`。

# %%
recent: deque[int] = deque(maxlen=3)
for e in range(1, 8):
    recent.append(e)
assert list(recent) == [5, 6, 7]

cache: OrderedDict[str, int] = OrderedDict()


def lru_put(key: str, value: int, capacity: int = 2) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > capacity:
        cache.popitem(last=False)      # evict the least recently used


lru_put("a", 1)
lru_put("b", 2)
cache.move_to_end("a")                 # "a" was just used
lru_put("c", 3)
assert list(cache) == ["a", "c"]
print("Q2 last three:", list(recent), " Q3 LRU after using 'a':", list(cache))

# %% [markdown]
# **Q4.** Invert a mapping that may have repeated values → `defaultdict(list)`.

# %% [markdown] lang="zh"
# **Q4.** 反转一个值可能重复的映射 → `defaultdict(list)`。

# %%
owner = {"pen": "ann", "cup": "bob", "key": "ann"}
owns: defaultdict[str, list[str]] = defaultdict(list)
for item, who in owner.items():
    owns[who].append(item)
assert owns == {"ann": ["pen", "key"], "bob": ["cup"]}
print("Q4:", dict(owns))

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
