"""Messages of the exercises area (``dlfs exercise ...``, the grader's report, the progress
summary of a roadmap entry): key → (English, Chinese). See :mod:`dlfs.i18n`."""

MESSAGES: dict[str, tuple[str, str]] = {
    # an exercise's status (dlfs exercise list) — the stored values stay English
    "exercises.status.new": ("new", "未开始"),
    "exercises.status.failing": ("failing", "未通过"),
    "exercises.status.solved": ("solved", "已完成"),
    "exercises.status.revealed": ("revealed", "已看答案"),
    "exercises.status.solved_after_reveal": ("solved after reveal", "看答案后完成"),
    # dlfs exercise list
    "exercises.list.h.id": ("exercise", "练习"),
    "exercises.list.h.status": ("status", "状态"),
    "exercises.list.h.title": ("title", "标题"),
    "exercises.list.h.where": ("roadmap", "路线位置"),
    "exercises.list.total": ("{n} exercises, {solved} solved", "共 {n} 题，已完成 {solved} 题"),
    "exercises.list.start": ("Start one: dlfs exercise start <id>",
                             "开始一题：`dlfs exercise start <id>`"),
    "exercises.list.none": ("no exercise matches; `dlfs exercise list` shows them all",
                            "没有符合条件的练习；`dlfs exercise list` 列出全部练习"),
    # dlfs exercise start / reset
    "exercises.start.wrote": ("wrote {path} — {title}", "已写入 {path} —— {title}"),
    "exercises.start.next": ("  edit it, then: dlfs exercise check {id}{workspace}",
                             "  写好后运行：`dlfs exercise check {id}{workspace}`"),
    "exercises.start.lesson": ("  the lesson behind it: dlfs run {lesson}",
                               "  对应的课：`dlfs run {lesson}`"),
    "exercises.reset.wrote": ("wrote a fresh {path}", "已重新写入模板 {path}"),
    "exercises.reset.kept": ("wrote a fresh {path}; your old file is {backup}",
                             "已重新写入模板 {path}；你原来的文件在 {backup}"),
    # dlfs exercise check
    "exercises.check.stuck": ("stuck? dlfs exercise hint {id}",
                              "卡住了？看看提示：`dlfs exercise hint {id}`"),
    # dlfs exercise hint
    "exercises.hint.line": ("hint {i}/{n}: {text}", "提示 {i}/{n}：{text}"),
    "exercises.hint.all_seen": ("all {n} hints seen:", "{n} 条提示已全部看过："),
    # errors
    "exercises.err.no_file": ("{path} does not exist; `dlfs exercise start {id}` writes it",
                              "{path} 不存在；先运行 `dlfs exercise start {id}` 生成它"),
    "exercises.err.reveal": ("this shows the library's own code and marks {id!r} as revealed; "
                             "add --reveal to go ahead",
                             "这会显示本库自己的参考实现，并把 {id} 记为“已看答案”；"
                             "确认请加 --reveal"),
    "exercises.err.workspace_file": ("--workspace: expected a folder, but {path} is a file",
                                     "--workspace：工作区应当是文件夹，而 {path} 是文件"),
    "exercises.err.exists": ("{path} exists already; edit it, or `dlfs exercise reset {id}` "
                             "for a fresh stub (the old file is kept as .bak)",
                             "{path} 已存在；直接编辑它，或用 `dlfs exercise reset {id}` "
                             "换一份新模板（原文件另存为 `.bak`）"),
    # the grader's report (dlfs exercise check, check() in a notebook)
    "exercises.case.pass": ("PASS", "通过"),
    "exercises.case.fail": ("FAIL", "不符"),
    "exercises.case.refused": ("REFUSED", "拒绝"),
    "exercises.case.not_implemented": ("NOT IMPLEMENTED", "未实现"),
    "exercises.case.error": ("ERROR", "出错"),
    "exercises.verdict.solved": ("solved", "通过"),
    "exercises.verdict.failing": ("failing", "未通过"),
    "exercises.verdict.not_implemented": ("not implemented", "尚未实现"),
    "exercises.verdict.refused": ("refused", "调用了不允许的函数"),
    "exercises.verdict.error": ("error", "运行出错"),
    "exercises.verdict.timeout": ("timeout", "超时"),
    "exercises.verdict.memory": ("memory", "内存超限"),
    "exercises.verdict.missing": ("missing", "缺少要实现的函数或类"),
    "exercises.report.cases": ("{passed}/{total} cases pass — {verdict}",
                               "{passed}/{total} 个用例通过 —— {verdict}"),
    "exercises.grade.your_file": ("your file", "你的文件"),
    "exercises.grade.your_code": ("your code", "你的代码"),
    "exercises.grade.setup": ("setting up the next case", "准备下一个用例"),
    "exercises.grade.not_implemented": ("raise NotImplementedError is still there",
                                        "`raise NotImplementedError` 还在：还没有实现"),
    "exercises.grade.refused": ("calls {calls} — neither the PyTorch built-in nor the "
                                "library's own solution may do the work; write it from basic "
                                "tensor operations",
                                "调用了 {calls}：这里既不能用 PyTorch 的内置实现，也不能用本库"
                                "自己的实现，请用基本的张量运算写出来"),
    "exercises.grade.assertion": ("assertion failed", "断言失败"),
    "exercises.grade.planted": ("{name} (a planted bug of the test suite)",
                                "{name}（测试用的故意埋错的实现）"),
    # the graded run (worker, sandbox)
    "exercises.run.loading": ("loading your file", "加载你的文件"),
    "exercises.run.running": ("running your file", "运行你的文件"),
    "exercises.run.syntax": ("SyntaxError: {msg} ({file}, line {line})",
                             "`SyntaxError`：{msg}（{file} 第 {line} 行）"),
    "exercises.run.line": ("line {n}: {code}", "第 {n} 行：{code}"),
    "exercises.run.borrows": ("{file} {where} — the workbench's checkers and planted bugs are "
                              "not for the graded file",
                              "{file} {where}：被评分的文件不能导入练习工作台自己的检查代码"
                              "和埋错实现"),
    "exercises.run.missing": ("{file} defines no {entry!r}; keep the name from the stub",
                              "{file} 里没有定义 {entry!r}，请保留模板中的名字"),
    "exercises.run.not_yours": ("{entry} is {where}, not yours: define it in {file}",
                                "{entry} 是 {where}，不是你写的：请在 {file} 里自己定义"),
    "exercises.run.timeout": ("no report within {s:g} s (an endless loop?)",
                              "{s:g} 秒内没有结果（死循环了？）"),
    "exercises.run.memory": ("more than {mb} MB of memory", "内存超过 {mb} MB"),
    "exercises.run.limit": ("the run passed its {limit} limit", "运行超出了 {limit} 限制"),
    "exercises.run.exit": ("exit {code}", "退出码 {code}"),
    # dlfs progress: what the learner did for one roadmap entry
    "exercises.progress.lessons": ("lessons run {run}/{total}", "已运行课程 {run}/{total}"),
    "exercises.progress.exercises": ("exercises {solved}/{total}{reveal}",
                                     "练习 {solved}/{total}{reveal}"),
    "exercises.progress.after_reveal": (" (+{n} after reveal)", "（另有 {n} 题看答案后完成）"),
    "exercises.progress.problems": ("problems {accepted}/{total}", "刷题 {accepted}/{total}"),
}
