"""Messages of ``dlfs`` itself (list, run, check, progress, doctor, tour, the lesson
statuses and roadmap labels, the top-level errors and help): key → (English, Chinese).
See :mod:`dlfs.i18n`."""

MESSAGES: dict[str, tuple[str, str]] = {
    # lesson statuses (dlfs list) — the stored values stay English, these are what is shown
    "status.not_written": ("not written yet", "尚未编写"),
    "status.not_checked": ("not checked", "未检查"),
    "status.passed": ("passed", "通过"),
    "status.failed": ("failed", "失败"),
    # roadmap labels: Track.unit + key
    "unit.day": ("Day {key}", "第 {key} 天"),
    "unit.chapter": ("Chapter {key}", "第 {key} 章"),
    "unit.part": ("Part {key}", "第 {key} 部分"),
    "unit.lecture": ("Lecture {key}", "第 {key} 讲"),
    "unit.topic": ("Topic {key}", "专题 {key}"),
    "unit.project": ("Project {key}", "项目 {key}"),
    # dlfs list
    "list.written": ("[{track}: {written}/{total} written]",
                     "[{track}：已编写 {written}/{total}]"),
    "list.footer": ("Run one with `dlfs run <id>`; check it with `dlfs check <id>`.",
                    "用 `dlfs run <id>` 运行一节课；用 `dlfs check <id>` 检查它。"),
    # dlfs run
    "run.mode.quick": ("quick", "快速模式"),
    "run.mode.full": ("full", "完整模式"),
    "run.file": ("file: {path}", "文件：{path}"),
    "run.done": ("{id}: done in {s:.1f} s", "{id}：完成，用时 {s:.1f} 秒"),
    "run.failed": ("{id}: FAILED after {s:.1f} s — {error}",
                   "{id}：运行 {s:.1f} 秒后失败 — {error}"),
    "run.your_turn": ("Your turn — write these pieces yourself, graded offline:",
                      "轮到你了 — 亲手实现这些部件，离线评分："),
    "run.several": ("{ref} has {n} lessons: {choices}. Run one by its id or number "
                    "(dlfs run {ref}.1), or all of them with --all",
                    "{ref} 包含 {n} 节课：{choices}。按编号或序号运行其中一节"
                    "（`dlfs run {ref}.1`），或用 --all 全部运行"),
    # dlfs check
    "check.both": ("give either a lesson id or --track, not both",
                   "课程编号和 --track 只能给一个，不能同时给"),
    "check.nothing": ("nothing to check: no written lesson matches",
                      "没有可检查的内容：没有匹配的已编写课程"),
    "check.checking": ("checking {id} ...", "正在检查 {id} ……"),
    "check.pass": ("PASS", "通过"),
    "check.fail": ("FAIL", "失败"),
    "check.note": ("note: {note}", "注意：{note}"),
    "check.summary": ("{passed} passed, {failed} failed; results saved to {path}",
                      "通过 {passed} 个，失败 {failed} 个；结果已保存到 {path}"),
    # dlfs progress
    "progress.legend": ("[x] every lesson run and every exercise solved by you; [~] started. "
                        "Ticks come from `dlfs run`, `dlfs exercise check` and "
                        "`dlfs gym check`, never from our own tests.",
                        "[x] 课程都运行过、练习都由你自己完成；[~] 已开始。勾选只来自 "
                        "`dlfs run`、`dlfs exercise check` 和 `dlfs gym check`，"
                        "从不来自项目自己的测试。"),
    "progress.state": ("state file: {path}; your attempts: dlfs progress --history",
                       "状态文件：{path}；你的提交记录：`dlfs progress --history`"),
    "progress.no_history": ("no graded attempt yet: dlfs exercise start <id>, then "
                            "dlfs exercise check <id>",
                            "还没有评分记录：先 `dlfs exercise start <id>`，再 "
                            "`dlfs exercise check <id>`"),
    "progress.h.at": ("when", "时间"),
    "progress.h.exercise": ("exercise", "练习"),
    "progress.h.verdict": ("verdict", "结果"),
    "progress.h.cases": ("cases", "用例"),
    "progress.h.hints": ("hints", "提示"),
    "progress.h.source": ("from", "来源"),
    "progress.source.cli": ("cli", "命令行"),
    "progress.source.notebook": ("notebook", "笔记本"),
    # dlfs doctor
    "doctor.broken": ("doctor: something is broken (see PROBLEMS above); a fresh `make test` "
                      "rebuilds .venv with the pinned versions",
                      "环境检查：有问题（见上面的问题列表）；重新运行 `make test` 会按固定"
                      "版本重建 .venv"),
    "doctor.ok": ("doctor: all good", "环境检查：一切正常"),
}
MESSAGES.update({
    # dlfs tour
    "tour.start": ("dlfs tour: three short lessons in quick mode.",
                   "dlfs 导览：三节快速模式的短课。"),
    "tour.finished": ("Tour finished. Where to go next:", "导览结束。接下来可以："),
    "tour.next_lesson": ("the next lesson", "下一节课"),
    "tour.list": ("every track, lesson and gap", "所有路线、课程和空缺"),
    "tour.exercises": ("write the pieces yourself, graded offline", "亲手实现各个部件，离线评分"),
    "tour.progress": ("the lessons you ran, the exercises you solved",
                      "你运行过的课程、完成的练习"),
})
MESSAGES.update({
    # the last line of every failed command
    "main.error": ("dlfs: error: {message}", "dlfs：错误：{message}"),
    "main.interrupted": ("dlfs: interrupted", "dlfs：已中断"),
    "main.internal": ("dlfs: internal error: {kind}: {message} (run again with --debug for "
                      "the traceback)",
                      "dlfs：内部错误：{kind}: {message}（加 --debug 重新运行可看到调用栈）"),
    # help texts of the top-level commands
    "help.dlfs": ("Deep Learning From Scratch: lessons, checks and tools.",
                  "从零实现深度学习：课程、检查与工具。"),
    "help.debug": ("show tracebacks on errors", "出错时显示调用栈"),
    "help.lang": ("language of every message: en or zh (default: DLFS_LANG, then the locale)",
                  "所有输出的语言：`en` 或 `zh`（默认取 `DLFS_LANG`，其次取系统区域设置）"),
    "help.command_metavar": ("COMMAND", "命令"),
    "help.list": ("list tracks, lessons and their status", "列出路线、课程及其状态"),
    "help.list.track": ("only this track ({tracks})", "只看这条路线（{tracks}）"),
    "help.list.json": ("machine-readable output", "输出机器可读的 JSON"),
    "help.run": ("run one lesson (by id, or track:key such as pytorch:3)",
                 "运行一节课（按编号，或 track:key，例如 pytorch:3）"),
    "help.run.lesson": ("lesson id, e.g. env-setup, or track:key, e.g. pytorch:0 "
                        "(book:7.2: the second lesson of an entry that has several)",
                        "课程编号，例如 env-setup；或 track:key，例如 pytorch:0"
                        "（book:7.2 表示该条目下的第二节课）"),
    "help.run.all": ("run every lesson of a track:key entry that has several",
                     "运行某个 track:key 条目下的所有课程"),
    "help.run.quick": ("seconds-long version (what the tests run)",
                       "几秒钟的快速版本（测试所用的模式）"),
    "help.run.full": ("longer runs, better figures (default)", "更长的运行、更好的图（默认）"),
    "help.check": ("for contributors: run a lesson and the tests behind it (ticks nothing in "
                   "`dlfs progress`; learners: dlfs exercise check)",
                   "供贡献者使用：运行一节课及其背后的测试（不会勾选 `dlfs progress`；"
                   "学习者请用 `dlfs exercise check`）"),
    "help.check.lesson": ("lesson id (default: every written lesson)",
                          "课程编号（默认：所有已编写的课程）"),
    "help.check.track": ("check every lesson of this track", "检查这条路线的所有课程"),
    "help.progress": ("the roadmaps as check boxes, ticked by what you did: lessons run, "
                      "exercises solved, gym problems accepted",
                      "以复选框显示学习路线，只按你做过的事勾选：运行过的课程、完成的练习、"
                      "通过的算法题"),
    "help.progress.track": ("only this track", "只看这条路线"),
    "help.progress.history": ("every graded attempt, in order", "按时间列出每次评分记录"),
    "help.doctor": ("environment report and sanity check (Day 0)",
                    "环境报告与自检（第 0 天）"),
    "help.tour": ("a short guided run through the first lessons", "带你快速走一遍最初的几节课"),
})
MESSAGES.update({
    # dlfs.errors: names a registry does not know
    "errors.unknown": ("unknown {what} {ref}{hint} (see `{listing}`)",
                       "未知的{what} {ref}{hint}（见 `{listing}`）"),
    "errors.did_you_mean": ("; did you mean {names}?", "；你是不是想输入 {names}？"),
    "errors.known": ("; known {what}s: {names}", "；已知的{what}：{names}"),
    "errors.what.name": ("name", "名称"),
    "errors.what.lesson": ("lesson", "课程"),
    "errors.what.exercise": ("exercise", "练习"),
    "errors.what.track": ("track", "路线"),
})
MESSAGES.update({
    "help.completion": ('print the shell completion script (bash: '
                        '`eval "$(dlfs completion bash)"` in ~/.bashrc)',
                        '输出命令行补全脚本（bash：在 `~/.bashrc` 中加入 '
                        '`eval "$(dlfs completion bash)"`）'),
    "help.completion.shell": ("your shell", "你使用的命令行（`bash` 或 `zsh`）"),
    "errors.what.recipe": ("recipe", "训练配方"),
    "errors.what.gym_problem": ("gym problem", "刷题题目"),
    "errors.what.model": ("model", "模型"),
})
