# %% [markdown]
# # Gym Day 1 · Counter: frequencies, anagrams — Counter 频次统计/异位词
#
# **Library files:** `src/dlfs/gym/templates.py` (`anagram_groups`, `group_by_key`),
# `src/dlfs/gym/problems/d01_*.py`.
#
# `collections.Counter` is a dict that maps items to counts. It builds in $O(n)$, answers
# "how many x?" in $O(1)$ (0 for a missing key, no KeyError), compares by content, and has
# arithmetic: `+` adds counts, `-` subtracts and drops non-positive ones, `&`/`|` take
# minimum/maximum.

# %% [markdown] lang="zh"
# # 算法健身房第 1 天 · Counter：频次统计与异位词
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`anagram_groups`、`group_by_key`），
# `src/dlfs/gym/problems/d01_*.py`。
#
# `collections.Counter` 是一个把元素映射到出现次数的字典。构建它需要 $O(n)$，回答“x
# 出现了几次？”只需 $O(1)$（缺失的键返回 0，不会抛出 KeyError）；它按内容比较是否相等，还支持运算：
# `+` 把计数相加，`-` 相减并丢弃不为正的计数，`&`/`|` 分别取最小值/最大值。

# %%
from collections import Counter

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import anagram_groups

ctx = lesson_context("gym-counter")
DAY = 1

words = "the cat and the hat and the bat".split()
counts = Counter(words)
print(counts)
assert counts["the"] == 3 and counts["dog"] == 0        # missing key -> 0, not KeyError
assert counts.most_common(2) == [("the", 3), ("and", 2)]  # ties keep first-seen order

# %% [markdown]
# ## Anagrams: equal multisets of letters
# Two words are anagrams exactly when their Counters are equal. For a word of length $L$,
# `sorted(w)` gives the same answer in $O(L \log L)$; the Counter is $O(L)$. `-` tells you
# what is missing.

# %% [markdown] lang="zh"
# ## 异位词：字母的多重集相同
# 两个单词互为异位词（anagram），当且仅当它们的 Counter 相等。对长度为 $L$ 的单词，`sorted(w)`
# 也能给出同样的判断，但需要 $O(L \log L)$；Counter 只要 $O(L)$。`-` 还能告诉你缺了哪些字母。

# %%
assert Counter("listen") == Counter("silent")
assert Counter("ab") != Counter("abb")
missing = Counter("banana") - Counter("nab")
print("letters of 'banana' not covered by 'nab':", dict(missing))
assert missing == Counter({"a": 2, "n": 1})
groups = anagram_groups(["eat", "tea", "tan", "ate", "nat", "bat"])
print(groups)
assert groups == [["eat", "tea", "ate"], ["tan", "nat"], ["bat"]]

# %% [markdown]
# ## most_common(k) and its tie order
# `most_common` sorts by count only; equal counts stay in first-insertion order. When a
# problem wants ties broken alphabetically, sort explicitly by `(-count, word)`.

# %% [markdown] lang="zh"
# ## most_common(k) 与并列时的顺序
# `most_common` 只按计数排序；计数相同的元素保持首次插入时的顺序。如果题目要求并列时按字母序，
# 就显式地按 `(-count, word)` 排序。

# %%
c = Counter("b a b c a".split())
assert c.most_common() == [("b", 2), ("a", 2), ("c", 1)]
by_rule = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
assert by_rule == [("a", 2), ("b", 2), ("c", 1)]
print("most_common:", c.most_common(), " explicit rule:", by_rule)

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
