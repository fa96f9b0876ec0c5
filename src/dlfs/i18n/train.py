"""Messages of the train area (the trainer's console lines, ``dlfs board``): key → (English,
Chinese). See :mod:`dlfs.i18n`.

Tags of the TensorBoard naming scheme (``loss/train``, ``opt/lr`` …) stay as they are in
both languages: they are what TensorBoard shows.
"""

MESSAGES: dict[str, tuple[str, str]] = {
    # -- the progress bar (tqdm) and the end of a run
    "train.bar.unit": ("step", "步"),
    "train.bar.postfix": ("loss={loss:.4g}, lr={lr:.3g}, epoch={epoch}",
                          "损失={loss:.4g}，学习率={lr:.3g}，轮次={epoch}"),
    "train.curves.saved": (
        "curves: {path} (loss/train, loss/val and opt/lr against the step; `dlfs board` "
        "shows them live)",
        "曲线：{path}（`loss/train`、`loss/val` 和 `opt/lr` 随步数的变化；`dlfs board` "
        "可实时查看）"),

    # -- dlfs board
    "train.board.help": ("TensorBoard on your runs' logs (default: every run under ./runs)",
                         "用 TensorBoard 查看训练日志（默认：`./runs` 下的全部运行）"),
    "train.board.description": (
        "Start TensorBoard on the logs of the given runs, side by side (default: every run "
        "under ./runs with a tensorboard folder), and print its URL.",
        "在 TensorBoard 中并排查看所给运行的日志（默认：`./runs` 下每个带 tensorboard "
        "文件夹的运行），并打印网址。"),
    "train.board.help.runs": ("run directories, or folders of runs (default: runs)",
                              "运行目录，或包含多个运行的文件夹（默认：`runs`）"),
    "train.board.help.port": ("port of the server (default {port})",
                              "服务器端口（默认 {port}）"),
    "train.board.help.host": ("address to serve on (default: this machine only)",
                              "服务地址（默认：仅本机）"),
    "train.board.help.print": ("print the tensorboard command instead of starting it",
                               "只打印 tensorboard 命令，不启动"),
    "train.board.runs": ("TensorBoard on {n} run(s):", "TensorBoard 查看 {n} 个运行："),
    "train.board.head.run": ("run", "运行"),
    "train.board.head.folder": ("log folder", "日志文件夹"),
    "train.board.serving": ("TensorBoard is at {url} (Ctrl+C stops it)",
                            "TensorBoard 已启动：{url}（按 Ctrl+C 停止）"),
    "train.board.stopped": ("TensorBoard stopped.", "TensorBoard 已停止。"),
    "train.board.instead": ("Start it yourself instead: {command}",
                            "请改为自己运行：{command}"),
    "train.board.train_first": ("Train a run first, e.g. `dlfs train gpt --quick`, then run "
                                "`dlfs board`.",
                                "请先训练一个运行，例如 `dlfs train gpt --quick`，再运行 "
                                "`dlfs board`。"),
    "train.board.reason.not_installed": (
        "the tensorboard package is not installed (`pip install tensorboard`)",
        "没有安装 tensorboard 包（`pip install tensorboard`）"),
    "train.board.reason.port_busy": ("port {port} is in use; give another with --port",
                                     "端口 {port} 已被占用；用 --port 换一个"),
    "train.board.err.cannot_start": ("TensorBoard could not start: {reason}",
                                     "TensorBoard 无法启动：{reason}"),
    "train.board.err.no_runs": ("no TensorBoard logs under {path}: train a run first",
                                "{path} 下没有 TensorBoard 日志：请先训练一个运行"),
    "train.board.err.missing": ("{path} does not exist; give a run directory such as runs/gpt",
                                "{path} 不存在；请给出运行目录，例如 runs/gpt"),
    "train.board.err.no_logs": ("{path} holds no TensorBoard logs (no tensorboard folder with "
                                "event files); give a run directory such as runs/gpt",
                                "{path} 中没有 TensorBoard 日志（没有含事件文件的 tensorboard "
                                "文件夹）；请给出运行目录，例如 runs/gpt"),
    "train.board.err.comma": ("{path}: TensorBoard cannot take a path with a comma; move or "
                              "rename the run",
                              "{path}：TensorBoard 不接受含逗号的路径；请移动或重命名该运行"),
    "train.board.err.port": ("invalid port {port}: give a number from 1 to 65535",
                             "无效端口 {port}：请给出 1 到 65535 之间的数"),

    # -- NaN/Inf: dlfs.train.NonFiniteError (kind: loss, gradient, weights, evaluation)
    "train.nonfinite.message": (
        "non-finite {kind} at step {step} (epoch {epoch}): first seen in {where}; {detail}. "
        "{after}",
        "第 {step} 步（第 {epoch} 轮）出现非有限的{kind}（NaN/Inf）：最早出现在{where}；"
        "{detail}。{after}"),
    "train.nonfinite.kind.loss": ("loss", "损失"),
    "train.nonfinite.kind.gradient": ("gradient", "梯度"),
    "train.nonfinite.kind.weights": ("weights", "权重"),
    "train.nonfinite.kind.evaluation": ("evaluation", "评估值"),
    "train.nonfinite.module": ("module {module}", "模块 {module}"),
    "train.nonfinite.no_module.loss": ("no module output (look at the loss / data)",
                                       "没有模块输出（请检查损失函数或数据）"),
    "train.nonfinite.no_module.gradient": ("no module (look at the loss)",
                                           "没有模块（请检查损失函数）"),
    "train.nonfinite.no_module.weights": ("the optimizer step", "优化器的这一步更新"),
    "train.nonfinite.no_module.evaluation": ("no module output (look at the evaluation)",
                                             "没有模块输出（请检查评估代码）"),
    "train.nonfinite.after.loss": (
        "Training stopped before the optimizer step; weights and checkpoints are still the "
        "last good ones.",
        "训练在优化器更新之前停止；权重和检查点仍是最后一份正常的。"),
    "train.nonfinite.after.gradient": (
        "Training stopped before the optimizer step; weights and checkpoints are still the "
        "last good ones.",
        "训练在优化器更新之前停止；权重和检查点仍是最后一份正常的。"),
    "train.nonfinite.after.weights": (
        "Training stopped right after that optimizer step; no checkpoint holds these "
        "weights, the newest one is still the last good one.",
        "训练在这次优化器更新之后立即停止；没有检查点保存这些权重，最新的检查点仍是最后一份"
        "正常的。"),
    "train.nonfinite.after.evaluation": (
        "Training stopped before this step's checkpoint; the newest one is still the last "
        "good one.",
        "训练在保存本步检查点之前停止；最新的检查点仍是最后一份正常的。"),
    "train.nonfinite.backward_made_it": (
        "{label}, whose backward made a finite gradient non-finite",
        "{label}，它的反向传播把有限的梯度变成了非有限值"),
    "train.nonfinite.output_grad_bad": (
        "{label}, whose output gradient was already non-finite (the loss?)",
        "{label}，它的输出梯度已经是非有限值（是损失函数的问题？）"),
    "train.nonfinite.loss_value": ("loss = {value}", "损失 = {value}"),
    "train.nonfinite.loss_fn_made_it": (
        "the model's outputs were finite, so the loss function made it",
        "模型的输出都是有限值，所以是损失函数造成的"),
    "train.nonfinite.owner": ("'{name}' (owns the parameter)", "'{name}'（该参数所属的模块）"),
    "train.nonfinite.first_grad": ("first non-finite parameter gradient: {param}",
                                   "第一个非有限的参数梯度：{param}"),
    "train.nonfinite.step_made_it": (
        "the optimizer step (lr {lr:g}) made parameter {param} non-finite although its "
        "gradient was finite",
        "梯度是有限的，但优化器这一步更新（lr {lr:g}）让参数 {param} 变成了非有限值"),
    "train.nonfinite.evaluation_gave": (
        "the evaluation gave {value} although the weights are finite (too large for a forward "
        "pass?)",
        "权重都是有限值，评估却得到 {value}（数值大到前向传播算不了？）"),
    "train.nonfinite.overflow": ("it overflowed ({error}) at lr {lr:g}",
                                 "在 lr {lr:g} 时溢出（{error}）"),

    # -- checkpoints and resuming
    "train.checkpoint.unusable": ("checkpoint {path} is unusable: {reason}",
                                  "检查点 {path} 无法使用：{reason}"),
    "train.checkpoint.empty": ("the file is empty (0 bytes)", "文件是空的（0 字节）"),
    "train.checkpoint.foreign": ("not a {format} file (written by something else?)",
                                 "不是 {format} 文件（由别的程序写入？）"),
    "train.checkpoint.checksum": ("checksum mismatch (the file was altered or damaged)",
                                  "校验和不符（文件被改动或已损坏）"),
    "train.checkpoint.unsafe": (
        "cannot be loaded safely (its bytes are not a checkpoint's, or hold objects other "
        "than tensors and plain containers)",
        "无法安全加载（内容不是检查点，或含有张量和普通容器以外的对象）"),
    "train.checkpoint.unreadable": ("cannot be read ({error})", "无法读取（{error}）"),
    "train.resume.from_file": ("resumed from {path}", "从 {path} 继续训练"),
    "train.resume.from_step": ("resumed from {path} (step {step})",
                               "从 {path} 继续训练（第 {step} 步）"),
    "train.resume.skipped": ("{problem}; skipped it and tried the previous checkpoint",
                             "{problem}；已跳过它，改用上一个检查点"),
    "train.resume.none": ("no usable checkpoint in {directory}; starting a fresh run",
                          "{directory} 中没有可用的检查点；从头开始训练"),
    "train.resume.as_given": ("group {group} {key}: {old} -> {value} (as given)",
                              "参数组 {group} 的 {key}：{old} -> {value}（按给定的值）"),

    # -- notes of a run (History.events)
    "train.event.early_stop": (
        "early stop after epoch {epoch}: {monitor} did not improve for {patience} epoch(s) "
        "(best {best:.6g})",
        "第 {epoch} 轮后提前停止：{monitor} 连续 {patience} 轮没有改善（最佳 {best:.6g}）"),
    "train.event.restored": ("restored the weights of epoch {epoch} ({monitor} {best:.6g})",
                             "已恢复第 {epoch} 轮的权重（{monitor} {best:.6g}）"),
}
