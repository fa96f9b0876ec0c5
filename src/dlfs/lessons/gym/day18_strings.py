# %% [markdown]
# # Gym Day 18 · Strings and parsing — 字符串与解析专项
#
# **Library files:** `src/dlfs/gym/templates.py` (`kmp_search`), `src/dlfs/gym/problems/d18_*.py`.
#
# Strings are immutable: `s += c` in a loop may copy ($O(n^2)$ in the worst case); collect
# parts and `"".join` them. Parsing is a small state machine: a position, a current number,
# a stack for nesting. `re` tokenizes in one line.

# %% [markdown] lang="zh"
# # 算法健身房第 18 天 · 字符串与解析专项
#
# **相关库文件：** `src/dlfs/gym/templates.py`（`kmp_search`），`src/dlfs/gym/problems/d18_*.py`。
#
# 字符串是不可变的：在循环里 `s += c` 可能每次都复制（最坏 $O(n^2)$）；应该把片段收集起来再
# `"".join`。解析就是一个小型状态机：一个位置、一个当前数字、一个处理嵌套的栈。`re`
# 一行就能完成分词。

# %%
import re

from dlfs.curriculum import lesson_context
from dlfs.gym.templates import kmp_search

ctx = lesson_context("gym-strings")
DAY = 18

expr = " 12 + 3*4 - 10/ 3"
tokens = re.findall(r"\d+|[-+*/()]", expr)
print(tokens)
assert tokens == ["12", "+", "3", "*", "4", "-", "10", "/", "3"]

# %% [markdown]
# ## Division: Python's // rounds down, many problems want "toward zero"

# %% [markdown] lang="zh"
# ## 除法：Python 的 // 向下取整，而很多题目要求“向零取整”

# %%
assert -7 // 2 == -4 and int(-7 / 2) == -3
trunc = lambda a, b: abs(a) // abs(b) * (1 if (a >= 0) == (b > 0) else -1)
assert trunc(-7, 2) == -3 and trunc(7, -2) == -3 and trunc(7, 2) == 3
print("-7 // 2 =", -7 // 2, " but truncation gives", trunc(-7, 2))

# %% [markdown]
# ## Balanced brackets with a stack

# %% [markdown] lang="zh"
# ## 用栈判断括号是否匹配

# %%
def balanced(s: str) -> bool:
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return False
    return not stack


assert balanced("a[b(c)]{}") and not balanced("(]") and not balanced("((")

# %% [markdown]
# ## Finding every occurrence: KMP vs str.find in a loop
# Overlapping matches need the loop to restart at i + 1, a classic slip. KMP finds every
# occurrence in $O(n + m)$ for a text of length $n$ and a pattern of length $m$
# (Knuth, Morris & Pratt, 1977, *Fast Pattern Matching in Strings*).

# %% [markdown] lang="zh"
# ## 查找所有出现位置：KMP 与循环调用 str.find
# 要找出重叠的匹配，循环必须从 i + 1 重新开始，这是个常见的疏忽。对长度为 $n$ 的文本和长度为 $m$
# 的模式串，KMP 能在 $O(n + m)$ 内找出所有出现位置（Knuth、Morris、Pratt，1977，*Fast Pattern
# Matching in Strings*）。

# %%
text, pat = "abababa", "aba"
found, i = [], text.find(pat)
while i != -1:
    found.append(i)
    i = text.find(pat, i + 1)
assert found == kmp_search(text, pat) == [0, 2, 4]
print("occurrences of", pat, "in", text, "->", found)

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
