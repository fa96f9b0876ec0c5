"""Messages of the site area (the book website built by ``make docs``): key → (English,
Chinese). See :mod:`dlfs.i18n` and :mod:`dlfs.site`."""

LATIN_OK = frozenset({"Jupyter", "MathJax", "Sphinx"})

MESSAGES: dict[str, tuple[str, str]] = {
    "site.title": ("Deep Learning From Scratch", "从零实现深度学习"),
    "site.intro": (
        "Every layer, loss, optimizer, attention variant and model of this book is written from "
        "basic tensor operations, proven equal to PyTorch's built-in by a test, and taught by a "
        "runnable lesson. Each lesson page below was executed when the site was built (in quick "
        "mode, the seconds-long version the tests run): the outputs and figures are real.",
        "本书中的每一个层、损失函数、优化器、注意力变体和模型，都只用基础张量运算写成，"
        "由测试证明与 PyTorch 内置实现一致，并配有一节可运行的课程。"
        "下面每个课程页面都在构建网站时实际执行过"
        "（快速模式，即测试所运行的几秒钟版本）：页面里的输出和图都是真实结果。"),
    "site.start": (
        "Install and check everything with `make test`; run any lesson with `dlfs run ID`; "
        "`dlfs tour` shows where to begin.",
        "用 `make test` 安装并检查全部内容；用 `dlfs run ID` 运行任意一课；"
        "`dlfs tour` 告诉你从哪里开始。"),
    "site.tracks": ("Learning paths", "学习路线"),
    "site.more": ("Guides, the gym and the API", "指南、刷题与 API"),
    "site.track.lessons": ("{n} lessons", "共 {n} 节课"),
    "site.lesson.other_title": ("In Chinese: {title}", "英文标题：{title}"),
    "site.lesson.files": ("Library files", "库文件"),
    "site.lesson.run": ("Run it yourself", "自己运行"),
    "site.lesson.run_text": (
        "This page ran in quick mode when the site was built. In a terminal, `dlfs run {id}` "
        "runs the full version (`--quick` for this one); the notebook runs cell by cell in "
        "Jupyter.",
        "本页是构建网站时以快速模式运行的结果。在终端里，`dlfs run {id}` 运行完整版本"
        "（加 `--quick` 即本页的版本）；笔记本可以在 Jupyter 中逐格运行。"),
    "site.lesson.notebook": ("Download the notebook", "下载笔记本"),
    "site.lesson.source": ("lesson source: `{path}`", "课程源文件：`{path}`"),
    "site.lesson.tracks": ("On the roadmap", "所在路线"),
    "site.gym": ("The Python gym", "Python 刷题营"),
    "site.gym.intro": (
        "Algorithm problems with an offline judge. Start one with `dlfs gym new ID` (it writes "
        "`gym/ID.py`), check it with `dlfs gym check ID FILE`.",
        "带离线评测的算法题。用 `dlfs gym new ID` 开始一道题（生成 `gym/ID.py`），"
        "用 `dlfs gym check ID FILE` 评测。"),
    "site.gym.day": ("Day {day}", "第 {day} 天"),
    "site.gym.statement": ("Statement", "题目"),
    "site.gym.input": ("Input", "输入"),
    "site.gym.output": ("Output", "输出"),
    "site.gym.limits": ("Limits: {time_s} s, {memory_mb} MB", "限制：{time_s} 秒，{memory_mb} MB"),
    "site.gym.example": ("Example {i}", "样例 {i}"),
    "site.gym.try": ("Try it: `dlfs gym new {id}`, then `dlfs gym check {id} {file}`",
                     "动手：`dlfs gym new {id}`，然后 `dlfs gym check {id} {file}`"),
    "site.api": ("API reference", "API 参考"),
    "site.api.intro": (
        "Generated from the docstrings of the library (shapes and equations included). "
        "Docstrings are written in English.",
        "由库的文档字符串生成（含形状与公式）。文档字符串以英文书写。"),
    "site.build.wrote": ("site: {path} ({seconds:.0f} s)", "网站：{path}（{seconds:.0f} 秒）"),
    "site.err.missing": (
        "site: the docs tools are not installed ({name}); run `make docs`, or "
        "`pip install -e '.[docs]'`",
        "网站：未安装文档工具（{name}）；请运行 `make docs`，或 `pip install -e '.[docs]'`"),
    "site.err.check": (
        "site: {n} problem(s) in the built site (a network load or a broken link):\n{problems}",
        "网站：构建结果有 {n} 个问题（从网络加载的资源或失效的链接）：\n{problems}"),
    "site.exec.one": ("executed {done}/{n}: {id} ({seconds:.1f} s)",
                      "已执行 {done}/{n}：{id}（{seconds:.1f} 秒）"),
    "site.err.lessons": ("site: {n} lesson(s) failed when executed:\n{failures}",
                         "网站：{n} 节课执行失败：\n{failures}"),
    "site.err.sphinx": ("site: sphinx-build failed for {lang} (exit {code}); see the log above",
                        "网站：{lang} 的 sphinx-build 失败（退出码 {code}）；见上方日志"),
}
