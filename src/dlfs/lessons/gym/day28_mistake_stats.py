# %% [markdown]
# # Gym Day 28 · Mistake statistics and next-phase plan — 统计错题与下阶段规划
#
# **Library files:** `src/dlfs/gym/journal.py` (`append_review`, `read_reviews`,
# `topic_stats`), `src/dlfs/gym/judge.py` (judge history), `src/dlfs/gym/cli.py`
# (`dlfs gym stats`).
#
# Four weeks of `dlfs gym check` runs and `dlfs gym review` lines hold the data to plan the
# next phase: which topics fail most, and which mistakes repeat. `dlfs gym stats` prints
# the table from *your* files. Here we build a small made-up history in a scratch folder
# to show how the table is computed (your own data is not touched).

# %% [markdown] lang="zh"
# # 算法健身房第 28 天 · 错题统计与下阶段规划
#
# **相关库文件：** `src/dlfs/gym/journal.py`（`append_review`、`read_reviews`、`topic_stats`），
# `src/dlfs/gym/judge.py`（判题历史），`src/dlfs/gym/cli.py`（`dlfs gym stats`）。
#
# 四周来的 `dlfs gym check` 运行记录和 `dlfs gym review` 复盘，包含了规划下一阶段所需的数据：
# 哪些主题失败最多，哪些错误反复出现。`dlfs gym stats` 根据*你自己的*文件打印这张表。
# 这里我们在一个临时文件夹里构造一段小小的虚构历史，
# 演示这张表是怎么算出来的（不会碰你自己的数据）。

# %%
import os
import tempfile

from dlfs.curriculum import lesson_context
from dlfs.gym.journal import append_review, read_reviews, topic_stats
from dlfs.gym.problems import PROBLEMS, get_problem

ctx = lesson_context("gym-mistake-stats")
DAY = 28

scratch = tempfile.mkdtemp(prefix="gym-stats-")
old_home = os.environ.get("DLFS_HOME")
os.environ["DLFS_HOME"] = scratch           # journal goes to the scratch folder
try:
    history = [
        {"problem": "window-max", "verdict": "WA"},
        {"problem": "window-max", "verdict": "AC"},
        {"problem": "coin-change", "verdict": "TLE"},
        {"problem": "coin-change", "verdict": "WA"},
        {"problem": "coin-change", "verdict": "AC"},
        {"problem": "edit-distance", "verdict": "RE"},
    ]
    append_review(get_problem("coin-change"), "fewest coins", "tried greedy first",
                  "check greedy with 1 3 4 / 6")
    append_review(get_problem("window-max"), "window maximum", "kept equal values",
                  "pop with <=")
    reviews = read_reviews()
finally:
    if old_home is None:
        del os.environ["DLFS_HOME"]
    else:
        os.environ["DLFS_HOME"] = old_home

rows = topic_stats(PROBLEMS, history, reviews)
for r in rows:
    fails = r.checks - r.verdicts.get("AC", 0)
    print(f"{r.topic:<20} solved {r.solved}/{r.problems}  runs {r.checks}  failed {fails}  "
          f"last mistake: {r.last_mistake or '-'}")
assert rows[0].topic == "dynamic programming"     # most failed runs first
assert rows[0].solved == 1 and rows[0].verdicts == {"TLE": 1, "WA": 1, "AC": 1, "RE": 1}
assert len(reviews) == 2

# %% [markdown]
# ## The plan for the next phase
# * Topics at the top of the table: redo their problems from a blank file next week
#   (`dlfs gym new <id> --force`), then one new problem of the same pattern.
# * Repeated mistakes: turn each into a line of your template header ("Edge cases: …").
# * Everything accepted on the first run: move on to harder variants.

# %% [markdown] lang="zh"
# ## 下一阶段的计划
# * 排在表格前面的主题：下周从空白文件开始重做这些题（`dlfs gym new <id> --force`），
#   再做一道同类型的新题。
# * 反复出现的错误：把每一条都写成你模板提示里的一行（“Edge cases: …”，即边界情况）。
# * 第一次运行就通过的：转向更难的变体。

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
