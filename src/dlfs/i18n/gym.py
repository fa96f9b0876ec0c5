"""Messages of the gym area (``dlfs gym …``: the problem list and cards, the judge's reports
and explanations, reviews and statistics): key → (English, Chinese). See :mod:`dlfs.i18n`.

Verdict codes (AC, WA, TLE, …) stay codes in both languages; the Chinese text explains them.
"""

#: Names a Chinese gym message may keep.
LATIN_OK = frozenset({"MiB", "MemoryError"})

MESSAGES: dict[str, tuple[str, str]] = {
    # -- dlfs gym list
    "gym.list.head.day": ("day", "天"),
    "gym.list.head.id": ("id", "id"),
    "gym.list.head.topic": ("topic", "主题"),
    "gym.list.head.status": ("status", "状态"),
    "gym.list.head.title": ("title", "标题"),
    "gym.list.status.tried": ("tried", "未通过"),
    "gym.list.status.none": ("—", "未做"),
    "gym.list.footer": ("Read one with `dlfs gym show <id>`, start it with `dlfs gym new <id>`.",
                        "用 `dlfs gym show <id>` 阅读题目，用 `dlfs gym new <id>` 开始做题。"),
    "gym.err.no_day": ("no gym problems on day {day} (days run from 1 to 28)",
                       "第 {day} 天没有刷题题目（天数为 1 到 28）"),

    # -- topics (the others are Python names: Counter, heapq, bisect, deque, …)
    "gym.topic.binary-search": ("binary search", "二分查找"),
    "gym.topic.dynamic-programming": ("dynamic programming", "动态规划"),
    "gym.topic.fast-i-o": ("fast I/O", "快速输入输出"),
    "gym.topic.generators": ("generators", "生成器"),
    "gym.topic.graphs": ("graphs", "图"),
    "gym.topic.monotonic-stack": ("monotonic stack", "单调栈"),
    "gym.topic.prefix-sums": ("prefix sums", "前缀和"),
    "gym.topic.set": ("set", "集合"),
    "gym.topic.sorting": ("sorting", "排序"),
    "gym.topic.strings": ("strings", "字符串"),
    "gym.topic.trie": ("trie", "字典树"),
    "gym.topic.two-pointers": ("two pointers", "双指针"),
    "gym.topic.union-find": ("union-find", "并查集"),

    # -- dlfs gym show (the problem card)
    "gym.show.heading": ("# {id} — Day {day}, {topic}{similar}",
                         "# {id} — 第 {day} 天，{topic}{similar}"),
    "gym.show.similar": ("   (similar to {name})", "   （类似 {name}）"),
    "gym.show.input": ("Input:  {text}", "输入：{text}"),
    "gym.show.output": ("Output: {text}", "输出：{text}"),
    "gym.show.limits": ("Limits: {time_s:g} s per test, {memory_mb} MB{tol}, standard library "
                        "only",
                        "限制：每个测试 {time_s:g} 秒，{memory_mb} MB{tol}，仅限标准库"),
    "gym.show.tol": (", numbers compared within {tol:g}", "，数值比较允许误差 {tol:g}"),
    "gym.show.example_input": ("--- example {i} input ---", "--- 样例 {i} 输入 ---"),
    "gym.show.example_output": ("--- example {i} output ---", "--- 样例 {i} 输出 ---"),
    "gym.show.hint": ("Hint (complexity and edge cases): {header}",
                      "提示（复杂度与边界情况）：{header}"),
    "gym.show.next": ("Start: dlfs gym new {id}    Check: dlfs gym check {id} <file.py>",
                      "开始：`dlfs gym new {id}`    检查：`dlfs gym check {id} <file.py>`"),

    # -- dlfs gym new
    "gym.new.wrote": ("wrote {path}\nsolve it, then: dlfs gym check {id} {path}",
                      "已写入 {path}\n做完后运行：`dlfs gym check {id} {path}`"),
    "gym.err.dir_is_file": ("--dir: expected a folder, got {path}, which is a file",
                            "--dir 应为文件夹，但 {path} 是一个文件"),
    "gym.err.exists": ("{path} already exists; pass --force to overwrite it",
                       "{path} 已存在；加 --force 可覆盖它"),

    # -- dlfs gym check
    "gym.err.count": ("--{name}: expected a whole number >= 0, got {value}",
                      "--{name} 应为不小于 0 的整数，实际为 {value}"),
    "gym.err.time_limit": ("--time-limit: expected seconds > 0 and <= {max:g}, got {value:g}",
                           "--time-limit 应为大于 0、不超过 {max:g} 的秒数，实际为 {value:g}"),
    "gym.err.no_solution": ("solution file not found: {file} (create one with "
                            "`dlfs gym new {id}`)",
                            "找不到解答文件：{file}（可用 `dlfs gym new {id}` 创建）"),
    "gym.check.judging": ("judging {file} on {id}: {examples} examples + {tests} "
                          "generated{large} tests ...",
                          "正在评测 {file}（题目 {id}）：{examples} 个样例 + {tests} 个生成"
                          "测试{large} ……"),
    "gym.check.large": (" + {n} large", " + {n} 个大规模测试"),
    "gym.check.review": ("Now the three-line review: dlfs gym review {id}",
                         "接下来写三行复盘：`dlfs gym review {id}`"),
    "gym.check.clip": ("{text} … ({n:,} characters)", "{text} …（共 {n:,} 个字符）"),
    "gym.check.input": ("--- input ({source}) ---", "--- 输入（{source}）---"),
    "gym.check.expected": ("--- expected ---", "--- 期望输出 ---"),
    "gym.check.got": ("--- your output ---", "--- 你的输出 ---"),
    "gym.check.got_start": ("--- your output (its start) ---", "--- 你的输出（开头部分）---"),
    "gym.check.too_slow": (
        "(every smaller test passed: the answer is right but the algorithm is too slow at "
        "these sizes; see the problem's limits and `dlfs gym show <id> --hint`)",
        "（更小的测试都通过了：答案正确，但算法在这种规模下太慢；请看题目的限制和 "
        "`dlfs gym show <id> --hint`）"),

    # -- the judge's report
    "gym.summary.ac": ("AC: {total}/{total} tests passed, slowest {ms:.0f} ms",
                       "AC：{total}/{total} 个测试全部通过，最慢 {ms:.0f} ms"),
    "gym.summary.fail": ("{verdict} on {source} ({passed}/{total} passed)",
                         "{verdict}：未通过{source}（已通过 {passed}/{total}）"),
    "gym.verdict.wa": ("WA", "WA（答案错误）"),
    "gym.verdict.tle": ("TLE", "TLE（超出时间限制）"),
    "gym.verdict.re": ("RE", "RE（运行时错误）"),
    "gym.verdict.mle": ("MLE", "MLE（超出内存限制）"),
    "gym.verdict.ole": ("OLE", "OLE（输出超出限制）"),
    "gym.source.example": ("example {n}", "样例 {n}"),
    "gym.source.generated": ("generated test {n}", "第 {n} 个生成测试"),
    "gym.source.large": ("large test {n}", "第 {n} 个大规模测试"),
    "gym.source.shrunk": ("{test}, shrunk", "{test}（已缩小输入）"),

    # -- one run of a solution: errors and the explanation of a verdict
    "gym.err.solution_missing": ("solution file not found: expected an existing file, got "
                                 "{path}",
                                 "找不到解答文件：{path}"),
    "gym.err.solution_dir": ("solution file: expected a Python file, got {path}, a directory",
                             "解答应为一个 Python 文件，但 {path} 是文件夹"),
    "gym.err.solution_special": ("solution file: expected a Python file, got {path}, not a "
                                 "regular file",
                                 "解答应为一个 Python 文件，但 {path} 不是普通文件"),
    "gym.err.solution_utf8": ("solution file: expected UTF-8 text, got byte 0x{byte:02x} at "
                              "offset {offset} of {path}",
                              "解答文件应为 UTF-8 文本，但 {path} 在偏移 {offset} 处有字节 "
                              "0x{byte:02x}"),
    "gym.run.wall": ("no answer within {wall} s", "{wall} 秒内没有给出答案"),
    "gym.run.cpu": ("a process used more than {wall} s of CPU time",
                    "有进程的 CPU 时间超过 {wall} 秒"),
    "gym.run.output": ("more than {cap} bytes of output (twice the expected answer plus 1 MiB); "
                       "print only the answer, debug output goes to stderr",
                       "输出超过 {cap} 字节（标准答案的两倍再加 1 MiB）；只输出答案，调试信息"
                       "请写到 stderr"),
    "gym.run.memory_all": ("all processes together used more than {mb} MB of memory",
                           "所有进程合计使用的内存超过 {mb} MB"),
    "gym.run.memory_error": ("more than {mb} MB of memory (MemoryError)",
                             "内存超过 {mb} MB（MemoryError）"),
    "gym.run.processes": ("tried to run more than {n} processes at once",
                          "试图同时运行超过 {n} 个进程"),
    "gym.run.file_size": ("a file grew past {mb} MB", "写出的文件超过 {mb} MB"),
    "gym.run.stdlib": ("the judge runs solutions with Python's standard library only: dlfs and "
                       "other installed packages cannot be imported",
                       "判题只提供 Python 标准库：解答不能导入 dlfs 或其他已安装的包"),

    # -- dlfs gym review
    "gym.review.ask.what": ("What was the problem about (one line)? ",
                            "这道题讲的是什么（一行）？"),
    "gym.review.ask.mistake": ("What mistake did you make (or nearly make)? ",
                               "你犯了（或差点犯）什么错误？"),
    "gym.review.ask.lesson": ("What will you do next time? ", "下次你会怎么做？"),
    "gym.review.field.what": ("what", "题目内容"),
    "gym.review.field.mistake": ("mistake", "错误"),
    "gym.review.field.lesson": ("lesson", "教训"),
    "gym.err.review_empty": ("review: '{name}' is empty; write one short line",
                             "复盘：“{name}”一栏是空的；写一句简短的话"),
    "gym.err.review_no_tty": ("missing {flags} (stdin is not a terminal, so there is nobody to "
                              "ask)",
                              "缺少 {flags}（标准输入不是终端，没法逐项询问）"),
    "gym.review.added": ("review of {id} added to {path}", "已把 {id} 的复盘写入 {path}"),

    # -- dlfs gym stats
    "gym.stats.empty": ("No judge runs or reviews yet: `dlfs gym check` and `dlfs gym review` "
                        "fill them.",
                        "还没有判题记录和复盘：`dlfs gym check` 和 `dlfs gym review` 会记下"
                        "它们。"),
    "gym.stats.head.solved": ("solved", "已解决"),
    "gym.stats.head.runs": ("runs", "提交"),
    "gym.stats.head.reviews": ("reviews", "复盘"),
    "gym.stats.head.last_mistake": ("last mistake", "最近的错误"),
    "gym.stats.footer": ("{solved}/{total} problems accepted; weakest topics first.",
                         "已通过 {solved}/{total} 道题；最薄弱的主题排在最前。"),
    "gym.stats.history": ("history: {path}", "判题记录：{path}"),
    "gym.stats.journal": ("journal: {path}", "复盘日志：{path}"),

    # -- `dlfs gym ... --help` (gym/cli.py register)
    "gym.help": ("the Python algorithm gym: problems and a judge",
                 "Python 算法训练场：题目和判题器"),
    "gym.help.description": ("The Python algorithm gym (Track B): problems, an offline judge, "
                             "reviews and statistics.",
                             "Python 算法训练场（路线 B）：题目、离线判题器、复盘和统计。"),
    "gym.help.list": ("list the problems with their status", "列出题目及其状态"),
    "gym.help.list.day": ("only this day (1-28)", "只看这一天（1-28）"),
    "gym.help.list.lang": ("titles in one language only", "标题只用一种语言"),
    "gym.help.show": ("print a problem's statement, format, limits and examples",
                      "打印题目的描述、输入输出格式、限制和样例"),
    "gym.help.show.lang": ("statement in one language only", "题面只用一种语言"),
    "gym.help.show.hint": ("also print complexity and edge cases", "同时打印复杂度和边界情况"),
    "gym.help.new": ("write a starter solution file", "写出一个解答模板文件"),
    "gym.help.new.dir": ("folder for the file (default: ./gym)",
                         "文件所在的文件夹（默认：`./gym`）"),
    "gym.help.new.force": ("overwrite an existing file", "覆盖已有的文件"),
    "gym.help.check": ("judge a solution file (AC/WA/TLE/RE/MLE/OLE) in a sandbox and record it",
                       "在沙箱中评判解答文件（AC/WA/TLE/RE/MLE/OLE）并记录结果"),
    "gym.help.check.tests": ("generated tests (default 30)", "随机生成的测试数（默认 30）"),
    "gym.help.check.large": ("tests at the stated limits, where the problem has them (default 2)",
                             "达到题目规模上限的测试数（题目给出上限时；默认 2）"),
    "gym.help.check.seed": ("seed of the generated tests", "生成测试用的随机种子"),
    "gym.help.check.time_limit": ("seconds per test (default: the problem's limit)",
                                  "每个测试的时限，单位秒（默认：题目的时限）"),
    "gym.help.review": ("append the three-line review to your journal",
                        "把三行复盘追加到你的复盘日志"),
    "gym.help.review.field": ("the '{name}' line (asked for when omitted)",
                              "复盘中 `{name}` 这一行（省略时会逐项询问）"),
    "gym.help.stats": ("per-topic table of judge verdicts and reviews (Day 28)",
                       "按主题统计判题结果和复盘的表格（第 28 天）"),
}
