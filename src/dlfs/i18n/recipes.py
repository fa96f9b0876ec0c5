"""Messages of the recipes area (``dlfs train <recipe>``, ``dlfs sample``, ``dlfs chat``,
``dlfs caption`` and the generated recipe options): key → (English, Chinese).
See :mod:`dlfs.i18n`."""

#: names a Chinese recipe message (or option help) may keep: models and layers (LeNet, U-Net,
#: Q-Former, BatchNorm …), a Kaggle competition, a key, units (GiB, nats), terms of the field
#: (logits, GNMT), a library (torchvision)
LATIN_OK = frozenset("""
    BatchNorm BPE Ctrl DCGAN Digit Dropout EMA Former GiB LeNet Linear MLM Net nats ReLU
    Recognizer softmax Transformer
    BLIP FFN GNMT GroupNorm ISO LayerNorm logit logits torchvision Wasserstein
""".split())

MESSAGES: dict[str, tuple[str, str]] = {
    # ---- recipes/options.py: the generated options of `dlfs train <recipe>`
    "recipes.options.usage_error": (
        "{prog}: error: {message} (see `{prog} --help`)",
        "{prog}：错误：{message}（见 `{prog} --help`）"),
    "recipes.options.not_finite": (
        "expected a finite number, got {text!r}",
        "应为有限的数，实际为 {text!r}"),
    "recipes.options.or_none": ("{kind} or none", "{kind} 或 `none`"),
    "recipes.options.no_setting": (
        "{cls} has no setting {head!r}",
        "`{cls}` 没有设置项 {head!r}"),
    "recipes.options.out_of_bounds": (
        "{cls}: {name} must be {sign} {bound}, got {value}",
        "`{cls}`：`{name}` 必须 {sign} {bound}，实际为 {value}"),
    "recipes.options.not_a_choice": (
        "{cls}: {name} must be one of {choices}; got {value!r}",
        "`{cls}`：`{name}` 必须是 {choices} 之一；实际为 {value!r}"),
    "recipes.options.path.problem": ("{flags} {value}: {problem}", "{flags} {value}：{problem}"),
    "recipes.options.path.out_dir_is_file": (
        "expected a directory to write into (or a new path), found a file",
        "应为可写入的目录（或一个新路径），实际是一个文件"),
    "recipes.options.path.cannot_make": (
        "cannot be made: {ancestor} is a file, not a directory",
        "无法创建：{ancestor} 是文件，不是目录"),
    "recipes.options.path.in_dir_is_file": (
        "expected a directory, found a file",
        "应为目录，实际是一个文件"),
    "recipes.options.path.in_file_is_dir": (
        "expected a file, found a directory",
        "应为文件，实际是一个目录"),
    "recipes.options.path.in_file_missing": (
        "expected a file, found no such path",
        "应为文件，但该路径不存在"),

    # ---- recipes/cli.py: `dlfs train`, `dlfs sample`, `dlfs caption`, `dlfs chat`
    "recipes.train.out_of_memory": (
        "out of memory while training ({what}); give smaller sizes (see `dlfs train {name} "
        "--help`)",
        "训练时内存不足（{what}）；请把尺寸调小（见 `dlfs train {name} --help`）"),
    "recipes.sample.not_sampled": (
        "{run} is a run of `dlfs train {kind}`, which `dlfs sample` does not continue (it "
        "samples text from gpt runs and images from {images} runs); ",
        "{run} 是 `dlfs train {kind}` 的运行，`dlfs sample` 不接着它生成（它从 `gpt` 运行采样文本，"
        "从 {images} 运行采样图像）；"),
    "recipes.sample.other.chat": (
        "talk to it with `dlfs chat --run {run}` (or `--once \"a question\"`)",
        "用 `dlfs chat --run {run}` 和它对话（或 `--once \"一个问题\"`）"),
    "recipes.sample.other.captioner": (
        "caption a held-out digit with `dlfs caption --run {run} 0`",
        "用 `dlfs caption --run {run} 0` 为一张留出的数字图写说明"),
    "recipes.sample.other.clip": (
        "its zero-shot accuracy and retrieval figures are in {run}/run.json",
        "它的零样本准确率和检索指标在 {run}/run.json 里"),
    "recipes.sample.other.vit": (
        "its held-out accuracies are in {run}/run.json",
        "它在留出集上的准确率在 {run}/run.json 里"),
    "recipes.sample.other.bert": (
        "its fine-tuning accuracies are in {run}/run.json",
        "它的微调准确率在 {run}/run.json 里"),
    "recipes.sample.image_options_only": (
        "{flags}: only for runs of the image recipes ({images}); {run} is not one",
        "{flags}：只用于图像配方（{images}）的运行；{run} 不是"),
    "recipes.sample.text_options_only": (
        "{flags}: only for text runs of `dlfs train gpt`; {run} is a {kind} run (its options: "
        "--n-images, --digit, --steps, --grid, --seed)",
        "{flags}：只用于 `dlfs train gpt` 的文本运行；{run} 是 {kind} 运行（它的选项：--n-images、"
        "--digit、--steps、--grid、--seed）"),
    "recipes.sample.n_images": (
        "--n-images must be >= 1, got {n}",
        "--n-images 必须 >= 1，实际为 {n}"),
    "recipes.sample.digit": (
        "--digit must be a digit 0..9, got {digit}",
        "--digit 必须是 0..9 的数字，实际为 {digit}"),
    "recipes.sample.images_saved": (
        "{n} samples from the {kind} run in {run_dir}: {grid}",
        "{run_dir} 中 {kind} 运行的 {n} 个样本：{grid}"),
    "recipes.caption.line": (
        "image {index} of the {split} split (a {label}): {text}",
        "{split}第 {index} 张图（数字 {label}）：{text}"),
    "recipes.split.test": ("test", "测试集"),
    "recipes.split.train": ("train", "训练集"),
    "recipes.chat.once_empty": (
        "--once needs a question, got an empty one",
        "--once 需要一个问题，给的是空的"),

    # ---- shared by several recipes
    "recipes.word.or": (" or ", " 或 "),
    "recipes.quick": (" (quick smoke run)", "（快速试跑）"),
    "recipes.next": ("Next:", "下一步："),
    "recipes.run.damaged": (
        "{file} is damaged ({exc}); train the run again",
        "{file} 已损坏（{exc}）；请重新训练这个运行"),
    "recipes.run.found": (" ({problems})", "（{problems}）"),
    "recipes.run.json_mismatch": (
        "its run.json does not match",
        "它的 run.json 与之不符"),
    # ---- recipes/chat.py: `dlfs chat`
    "recipes.chat.no_dir": (
        "--run {run_dir}: expected the directory of a run of {wanted}, found no such directory",
        "--run {run_dir}：应为 {wanted} 的运行目录，但没有这个目录"),
    "recipes.chat.no_run_json": (
        "--run {run_dir}: no run.json there; give the directory of a run of {wanted} (e.g. "
        "after `dlfs train sft --quick`: runs/sft)",
        "--run {run_dir}：那里没有 run.json；请给出 {wanted} 的运行目录（例如运行 "
        "`dlfs train sft --quick` 之后：runs/sft）"),
    "recipes.chat.wrong_kind": (
        "--run {run_dir} is a {kind!r} run; give a run of {wanted} (a plain `dlfs train gpt` "
        "run knows no chat template: fine-tune it with `dlfs train sft --base DIR`)",
        "--run {run_dir} 是 {kind!r} 运行；请给出 {wanted} 的运行（普通的 `dlfs train gpt` "
        "运行不懂对话模板：先用 `dlfs train sft --base DIR` 微调它）"),
    "recipes.chat.lacks": (
        "{file} is damaged: it lacks {missing}; train the run again",
        "{file} 已损坏：缺少 {missing}；请重新训练这个运行"),
    "recipes.chat.no_build": (
        "{file} is damaged: its model or tokenizer does not build ({error}: {exc})",
        "{file} 已损坏：无法据此构建模型或分词器（{error}：{exc}）"),
    "recipes.chat.no_checkpoint": (
        "no usable checkpoint in {folder}{found}; train the run (or resume it) first",
        "{folder} 中没有可用的检查点{found}；请先训练（或续训）这个运行"),
    "recipes.chat.empty_question": (
        "the question is empty; type a question (e.g. What is 17 + 25?)",
        "问题是空的；请输入一个问题（例如 `What is 17 + 25?`）"),
    "recipes.chat.unreadable": (
        "cannot ask this model that: {exc}",
        "这个模型读不懂这个问题：{exc}"),
    "recipes.chat.intro": (
        "chatting with the {kind} run in {run_dir} (an empty line or Ctrl-D ends); try: What "
        "is 17 + 25?  Reverse the word 'tensor'.  Which month is 2021-03-04 in?",
        "正在与 {run_dir} 中的 {kind} 运行对话（空行或 Ctrl-D 结束）；它只懂英文，试试："
        "`What is 17 + 25?`  `Reverse the word 'tensor'.`  `Which month is 2021-03-04 in?`"),
    "recipes.chat.you": ("you> ", "你> "),
    "recipes.chat.model": ("model> {reply}", "模型> {reply}"),
    "recipes.chat.model_error": ("model> ({exc})", "模型> （{exc}）"),

    # ---- recipes/sampling.py: `dlfs sample` of a GPT run
    "recipes.sampling.negative": (
        "SamplingConfig: tokens and temperature must be >= 0, got {tokens} and {temperature}",
        "`SamplingConfig`：`tokens` 和 `temperature` 必须 >= 0，实际为 {tokens} 和 {temperature}"),
    "recipes.sampling.top_k": (
        "SamplingConfig: top_k must be >= 1, got {top_k}",
        "`SamplingConfig`：`top_k` 必须 >= 1，实际为 {top_k}"),
    "recipes.sampling.top_p": (
        "SamplingConfig: top_p must be in (0, 1], got {top_p}",
        "`SamplingConfig`：`top_p` 必须在 (0, 1] 内，实际为 {top_p}"),
    "recipes.sampling.diverged": (
        "cannot sample: the model's next-token probabilities are NaN or infinite, so its "
        "weights grew too large for a finite forward pass (its training diverged); train it "
        "again with a lower --lr",
        "无法采样：模型给出的下一个词元概率是 NaN 或无穷大，说明权重已大到前向计算无法保持有限"
        "（训练发散了）；请用更小的 --lr 重新训练"),
    "recipes.sampling.prompt": (
        "prompt cannot be encoded by this run's tokenizer: {exc}",
        "这个运行的分词器无法编码该提示：{exc}"),
    "recipes.sampling.no_run_json": (
        "no run.json in {run_dir}: give a run directory made by `dlfs train gpt` (default "
        "runs/gpt) or a checkpoint inside it",
        "{run_dir} 中没有 run.json：请给出 `dlfs train gpt` 生成的运行目录（默认 runs/gpt）"
        "或其中的一个检查点"),
    "recipes.sampling.unreadable": (
        "{file} is damaged: expected the JSON run description that `dlfs train gpt` writes, "
        "found unreadable text ({exc}); train the run again (with --resume, its checkpoints "
        "are kept)",
        "{file} 已损坏：应为 `dlfs train gpt` 写下的 JSON 运行描述，实际是无法读取的文本"
        "（{exc}）；请重新训练这个运行（加 --resume 会保留它的检查点）"),
    "recipes.sampling.missing_parts": (
        "{file} is damaged: expected the parts {parts}, missing {missing}; train the run "
        "again (with --resume, its checkpoints are kept)",
        "{file} 已损坏：应包含 {parts} 几部分，缺少 {missing}；请重新训练这个运行"
        "（加 --resume 会保留它的检查点）"),
    "recipes.sampling.no_build": (
        "{file} is damaged: its model or tokenizer description does not build ({error}: "
        "{exc})",
        "{file} 已损坏：其中的模型或分词器描述无法构建（{error}：{exc}）"),
    "recipes.sampling.no_run": (
        "--run {path} does not exist: give a run directory made by `dlfs train gpt` (default "
        "runs/gpt) or a checkpoint inside it",
        "--run {path} 不存在：请给出 `dlfs train gpt` 生成的运行目录（默认 runs/gpt）"
        "或其中的一个检查点"),
    "recipes.sampling.no_checkpoint": (
        "no usable checkpoint under {folder}",
        "{folder} 下没有可用的检查点"),
    "recipes.sampling.other_run": (
        "it and {file} come from different runs",
        "它和 {file} 来自不同的运行"),

    # ---- recipes/resume.py: --resume
    "recipes.resume.from": (
        "resuming from {checkpoint} (step {step})",
        "从 {checkpoint} 续训（第 {step} 步）"),
    "recipes.resume.changes": (
        "; changed settings, applied from here on: {changes}",
        "；改动的设置从这里起生效：{changes}"),
    "recipes.resume.no_checkpoint": (
        "--resume: no usable checkpoint in {folder}{found}; nothing to resume. Check --out, or "
        "drop --resume to start a new run",
        "--resume：{folder} 中没有可用的检查点{found}；无从续训。请检查 --out，"
        "或去掉 --resume 开始新的运行"),
    "recipes.resume.fixed": (
        "--resume: the run in {run} was trained with other model/data settings (saved -> "
        "requested): {diffs}; give the saved values, or train a new run in another --out",
        "--resume：{run} 中的运行是用另一组模型/数据设置训练的（保存的 -> 要求的）：{diffs}；"
        "请给出保存时的值，或在另一个 --out 中训练新的运行"),
    "recipes.resume.done": (
        "--resume: the run in {run} is already at step {step}, so --max-steps {max_steps} "
        "leaves nothing to train; give a larger one, e.g. --max-steps {more}",
        "--resume：{run} 中的运行已经到了第 {step} 步，--max-steps {max_steps} 已无可训练；"
        "请给更大的值，例如 --max-steps {more}"),
    "recipes.resume.shapes": (
        "{source} does not fit the model these options build ({n} difference(s): {problems}); "
        "{hint}",
        "{source} 与这些选项构建的模型不符（{n} 处不同：{problems}）；{hint}"),
    "recipes.resume.shapes_hint": (
        "give the options of the saved run",
        "请给出保存的运行所用的选项"),
    "recipes.resume.shape": (
        "{key}: {saved} saved, {now} now",
        "{key}：保存的是 {saved}，现在是 {now}"),
    "recipes.resume.missing": ("{key} missing", "缺少 {key}"),
    "recipes.resume.unexpected": ("{key} unexpected", "多出 {key}"),
    # ---- recipes/advice.py: after a run went NaN/Inf
    "recipes.advice.lr": ("a lower --lr ({old:g} -> {new:g})", "更小的 --lr（{old:g} -> {new:g}）"),
    "recipes.advice.clip": (
        "gradient clipping (--grad-clip 1)",
        "梯度裁剪（--grad-clip 1）"),
    "recipes.advice.amp": ("full precision (--amp none)", "全精度（`--amp none`）"),
    "recipes.advice.sep": (", ", "、"),
    "recipes.advice.try": ("Try {notes}", "试试{notes}"),
    "recipes.advice.look": ("Look at the data and the loss", "请检查数据和损失"),
    "recipes.advice.resume": (
        "{exc} {tried}; to continue from the last finite checkpoint ({checkpoint}, step "
        "{step}): {again}",
        "{exc} {tried}；从最后一个有限的检查点（{checkpoint}，第 {step} 步）继续：{again}"),
    "recipes.advice.restart": (
        "{exc} {tried}; no checkpoint was written before it, so start again: {again}",
        "{exc} {tried}；出错前还没写下检查点，请从头再来：{again}"),
    # ---- recipe-specific hints
    "recipes.gan.whose_json": ("is run.json the run's?", "run.json 是这个运行的吗？"),

    # ---- recipes/lm.py: a text too short for the windows (gpt, charrnn)
    "recipes.lm.at_most": (" of at most {n}", "不超过 {n} 的"),
    "recipes.lm.val_too_short": (
        "{flag} {window} is too long for {data}: its validation split has {n_val:,} tokens, "
        "and one window needs {flag} + 1 = {need:,}; give a {flag}{smaller}, or a text of at "
        "least {text:,} tokens (validation is its 10 %)",
        "{flag} {window} 对 {data} 来说太长：它的验证集只有 {n_val:,} 个词元，而一个窗口需要 "
        "{flag} + 1 = {need:,} 个；请换一个{smaller} {flag}，或换一篇至少 {text:,} 个词元的文本"
        "（验证集占 10 %）"),
    "recipes.lm.train_too_short": (
        "--batch-size {batch_size} needs at least {batch_size} windows of {flag} + 1 = "
        "{need:,} tokens, but the training split of {data} ({n_train:,} tokens) has "
        "{windows:,}; give a smaller --batch-size or {flag}, or a longer text",
        "--batch-size {batch_size} 至少需要 {batch_size} 个长为 {flag} + 1 = {need:,} 个词元的"
        "窗口，但 {data} 的训练集（{n_train:,} 个词元）只有 {windows:,} 个；请调小 --batch-size "
        "或 {flag}，或换一篇更长的文本"),

    "recipes.next.continue": ("continue training", "接着训练"),
    # ---- recipes/gpt.py: `dlfs train gpt`
    "recipes.gpt.min_lr": (
        "GPTRecipe: need 0 < min_lr <= lr, got {min_lr}, {lr}",
        "`GPTRecipe`：需要 0 < min_lr <= lr，实际为 {min_lr}、{lr}"),
    "recipes.gpt.nproc_split": (
        "GPTRecipe: batch_size ({batch_size}) must be divisible by nproc ({nproc}): each "
        "process takes an equal share",
        "`GPTRecipe`：`batch_size`（{batch_size}）必须能被 `nproc`（{nproc}）整除："
        "每个进程分到同样多"),
    "recipes.gpt.memory": (
        "--block-size {block_size}, --n-embd {n_embd}, --n-layer {n_layer}, --n-head "
        "{n_head} and --batch-size {batch_size} need at least {need:,.1f} GiB for one "
        "training step; this machine has {have:,.1f} GiB. Give smaller values",
        "--block-size {block_size}、--n-embd {n_embd}、--n-layer {n_layer}、--n-head {n_head} "
        "和 --batch-size {batch_size} 训练一步至少需要 {need:,.1f} GiB；这台机器只有 "
        "{have:,.1f} GiB。请把这些值调小"),
    "recipes.gpt.world_split": (
        "--batch-size {batch_size} does not split evenly over {world} processes; give a "
        "multiple of {world}",
        "--batch-size {batch_size} 不能平分给 {world} 个进程；请给 {world} 的倍数"),
    "recipes.gpt.next.sample": ("more text from this model", "让这个模型多写些文本"),
    "recipes.gpt.next.shapes": (
        "Day 27: every tensor shape, explained",
        "第 27 天：逐个讲解每个张量的形状"),
    "recipes.gpt.next.tour": ("the 60-second tour of the lessons", "60 秒课程导览"),
    "recipes.gpt.next.lessons": (
        "the lessons behind every piece",
        "每个部件背后的课程"),
    "recipes.gpt.header": (
        "{command}: the from-scratch GPT on {data!r}{quick}",
        "{command}：在 {data!r} 上从零训练 GPT{quick}"),
    "recipes.gpt.tokens": (
        "tokenizer {tokenizer}: vocabulary {vocab}; train {train:,} tokens, val {val:,} tokens",
        "分词器 {tokenizer}：词表 {vocab}；训练集 {train:,} 个词元，验证集 {val:,} 个词元"),
    "recipes.gpt.model": (
        "model: {n_layer} layers, {n_head} heads, width {n_embd}, context {block_size}: "
        "{millions:.2f} M parameters ({kind}{checkpointing})",
        "模型：{n_layer} 层，{n_head} 个头，宽度 {n_embd}，上下文 {block_size}：参数量 "
        "{millions:.2f} M（{kind}{checkpointing}）"),
    "recipes.gpt.fused": ("fused torch kernels", "torch 融合算子"),
    "recipes.gpt.from_scratch": ("from-scratch layers", "从零实现的层"),
    "recipes.gpt.grad_checkpoint": (", gradient checkpointing", "，梯度检查点"),
    "recipes.gpt.compile": (
        "torch.compile: the first step compiles the model (29-65 s measured on 2 cores; its "
        "kernels are kept in {cache} for the next run)",
        "torch.compile：第一步编译模型（2 核上实测 29–65 秒；生成的内核保存在 {cache}，"
        "供下次运行使用）"),
    "recipes.gpt.no_compiler": (
        "--compile needs a C++ compiler to build TorchInductor's CPU kernels and none of "
        "{names} is on the PATH: install one (e.g. apt-get install g++) or train without "
        "--compile",
        "`--compile` 需要 C++ 编译器来构建 `TorchInductor` 的 CPU 内核，但 `PATH` 中找不到 "
        "{names}：请先安装一个（例如 `apt-get install g++`），或去掉 `--compile` 再训练"),
    "recipes.gpt.split": (", split over {world} processes", "，分给 {world} 个进程"),
    "recipes.gpt.training": (
        "training {max_steps} steps, batch {batch_size} x {block_size} tokens{split}; "
        "checkpoints in {out}/checkpoints, TensorBoard logs in {out}/tensorboard",
        "训练 {max_steps} 步，批量 {batch_size} x {block_size} 个词元{split}；检查点在 "
        "`{out}/checkpoints`，TensorBoard 日志在 `{out}/tensorboard`"),
    "recipes.gpt.step": (
        "step {step:>6}  train loss {train:.3f}  val loss {val:.3f}  {time}",
        "第 {step:>6} 步  训练损失 {train:.3f}  验证损失 {val:.3f}  {time}"),
    "recipes.gpt.sample": (
        "--- sample (temperature {temperature}, prompt {prompt!r}) ---",
        "--- 样本（温度 {temperature}，提示 {prompt!r}）---"),

    "recipes.gpt.done": (
        "done: val loss {val:.3f} after {max_steps} steps; training took {time} ({rate:,.0f} "
        "tokens/s)",
        "完成：{max_steps} 步后验证损失 {val:.3f}；训练用时 {time}（每秒 {rate:,.0f} 个词元）"),

    # ---- recipes/charrnn.py: `dlfs train charrnn`
    "recipes.charrnn.too_short": (
        "--batch-size {batch_size} x --num-steps {num_steps} needs a training split of at "
        "least {need:,} characters, {data} gives {n_train:,}; give smaller values or a longer "
        "text",
        "--batch-size {batch_size} x --num-steps {num_steps} 需要至少 {need:,} 个字符的训练集，"
        "{data} 只有 {n_train:,} 个；请把这些值调小，或换一篇更长的文本"),
    "recipes.charrnn.header": (
        "{command}: character language models on {data!r}{quick}; vocabulary "
        "{vocab}, train {train:,} / val {val:,} characters",
        "{command}：在 {data!r} 上训练字符级语言模型{quick}；词表 {vocab}，"
        "训练集 {train:,} / 验证集 {val:,} 个字符"),
    "recipes.charrnn.cell": (
        "[{cell}] {layers} layer(s), hidden {hidden}, {max_steps} steps of {batch_size} x "
        "{num_steps} chars, clip {clip}; checkpoints in {out}/{cell}",
        "[{cell}] {layers} 层，隐藏维度 {hidden}，{max_steps} 步，每步 {batch_size} x "
        "{num_steps} 个字符，裁剪 {clip}；检查点在 `{out}/{cell}`"),
    "recipes.charrnn.step": (
        "  step {step:>5}  train loss {train:.3f}  val loss {val:.3f}  val perplexity "
        "{perplexity:7.2f}",
        "  第 {step:>5} 步  训练损失 {train:.3f}  验证损失 {val:.3f}  验证困惑度 "
        "{perplexity:7.2f}"),
    "recipes.charrnn.done": (
        "  done in {seconds:.1f}s; max gradient norm before clipping {norm:.2f}",
        "  用时 {seconds:.1f}s；裁剪前的最大梯度范数 {norm:.2f}"),
    "recipes.charrnn.sample": (
        "  --- sample (temperature {temperature}) ---",
        "  --- 样本（温度 {temperature}）---"),
    "recipes.charrnn.perplexity": (
        "validation perplexity: {results}",
        "验证困惑度：{results}"),

    # ---- recipes/seq2seq_transformer.py: `dlfs train transformer`
    "recipes.transformer.steps_lr": (
        "TransformerRecipe: need max_steps >= 1, warmup_steps >= 0, lr > 0",
        "`TransformerRecipe`：需要 max_steps >= 1、warmup_steps >= 0、lr > 0"),
    "recipes.transformer.src_len": (
        "TransformerRecipe: need min_src_len <= max_src_len, got {min_src_len}, {max_src_len}",
        "`TransformerRecipe`：需要 min_src_len <= max_src_len，实际为 {min_src_len}、"
        "{max_src_len}"),
    "recipes.transformer.too_few": (
        "--n-train {n_train} gives fewer training pairs than one batch (--batch-size "
        "{batch_size}; the last, partial batch is dropped); give more pairs or a smaller batch",
        "--n-train {n_train} 给出的训练对还不够一个批量（--batch-size {batch_size}；"
        "最后不满的一批会被丢弃）；请多给些训练对，或调小批量"),
    "recipes.transformer.header": (
        "{command}: encoder-decoder on {task!r}{quick}; {train} train / {test} "
        "test pairs (never seen in training), vocabulary {vocab}",
        "{command}：在 {task!r} 上训练编码器-解码器{quick}；训练对 {train} 个 / "
        "测试对 {test} 个（训练中从未见过），词表 {vocab}"),
    "recipes.transformer.example": ("example: {src!r} -> {tgt!r}", "示例：{src!r} -> {tgt!r}"),
    "recipes.transformer.step": (
        "  step {step:>5}  train loss {train:.3f}  greedy exact match {em:6.1%} (first {probe} "
        "test pairs)  {seconds:5.1f}s",
        "  第 {step:>5} 步  训练损失 {train:.3f}  贪心解码完全匹配 {em:6.1%}（前 {probe} 个测试对）"
        "  {seconds:5.1f}s"),
    "recipes.transformer.model": (
        "model: {norm}, {layers}+{layers} layers, {nhead} heads, width {d_model}; {max_steps} "
        "steps of {batch_size}, peak lr {lr:g} after {warmup} warmup steps",
        "模型：{norm}，{layers}+{layers} 层，{nhead} 个头，宽度 {d_model}；{max_steps} 步，"
        "批量 {batch_size}，预热 {warmup} 步后学习率峰值 {lr:g}"),
    "recipes.transformer.params": (
        "{params:,} parameters, trained in {seconds:.1f}s",
        "参数 {params:,} 个，训练用时 {seconds:.1f}s"),
    "recipes.transformer.test": (
        "test exact match: greedy {greedy:.1%} ({n_test} pairs); beam {beam_width} "
        "{beam:.1%} (first {n_beam} pairs; greedy on those {greedy_beam:.1%})",
        "测试集完全匹配：贪心 {greedy:.1%}（{n_test} 对）；束宽 {beam_width} 的束搜索 "
        "{beam:.1%}（前 {n_beam} 对；贪心在这些对上 {greedy_beam:.1%}）"),
    "recipes.transformer.ok": ("ok", "正确"),
    "recipes.transformer.expected": ("(expected {target!r})", "（应为 {target!r}）"),
    "recipes.transformer.saved": (
        "saved the model (state_dict + recipe) to {path}",
        "已把模型（state_dict + 配方）保存到 {path}"),

    # ---- recipes/mnist.py: `dlfs train mnist`
    "recipes.mnist.where": (
        "Get them from the MNIST page (http://yann.lecun.com/exdb/mnist/) or one of its "
        "mirrors (e.g. https://ossci-datasets.s3.amazonaws.com/mnist/)",
        "可从 MNIST 主页（`http://yann.lecun.com/exdb/mnist/`）或它的镜像"
        "（例如 `https://ossci-datasets.s3.amazonaws.com/mnist/`）下载"),
    "recipes.mnist.none_there": ("none of them is there", "一个都没有"),
    "recipes.mnist.missing": ("{missing} missing", "缺少 {missing}"),
    "recipes.mnist.not_found": (
        "MNIST files not found in {folder}: it must hold the four files {files} (each may end "
        "in .gz); {found}. {where}, put them in {folder} or pass --data DIR.",
        "在 {folder} 中找不到 MNIST 文件：它必须包含这四个文件 {files}（每个都可以带 `.gz` "
        "后缀）；{found}。{where}，放进 {folder}，或用 `--data DIR` 指定目录。"),
    "recipes.mnist.quick": (" (quick smoke run on a subset)", "（在子集上快速试跑）"),
    "recipes.mnist.header": (
        "{command}: the documented CNN recipe on {folder}{quick}",
        "{command}：在 {folder} 上训练文档中的 CNN 配方{quick}"),
    "recipes.mnist.fused": (", torch conv kernels (--fused)", "，torch 卷积算子（--fused）"),
    "recipes.mnist.model": (
        "model: 2 conv blocks (32, 64 channels; BatchNorm, max-pool, dropout) + a 128-unit "
        "head, {n_params:,} parameters; {epochs} epoch(s), random shifts of up to {shift} "
        "px{fused}",
        "模型：2 个卷积块（32、64 通道；BatchNorm、最大池化、Dropout）+ 128 单元的输出头，"
        "参数 {n_params:,} 个；{epochs} 轮，随机平移最多 {shift} 像素{fused}"),
    "recipes.mnist.result": (
        "train {n_train:,} / test {n_test:,} images; test accuracy {accuracy:.2%} ({wrong} "
        "wrong) in {seconds:.1f} s ({cpu:.1f} CPU s)",
        "训练 {n_train:,} / 测试 {n_test:,} 张图；测试准确率 {accuracy:.2%}（错 {wrong} 张），"
        "用时 {seconds:.1f} 秒（CPU {cpu:.1f} 秒）"),
    "recipes.saved_weights": (
        "saved the trained weights (state_dict) to {path}",
        "已把训练好的权重（state_dict）保存到 {path}"),

    # ---- recipes/finetune.py: `dlfs train finetune`
    "recipes.finetune.task.shape": (
        "which shape? (circle / square / triangle)",
        "哪种形状？（圆 / 正方形 / 三角形）"),
    "recipes.finetune.task.corners": (
        "has corners? (circle vs square or triangle)",
        "有没有角？（圆 对 正方形或三角形）"),
    "recipes.finetune.from_weights": ("weights {weights}", "权重文件 {weights}"),
    "recipes.finetune.from_pretraining": (
        "pretraining here (no download)",
        "在本机预训练（无需下载）"),
    "recipes.finetune.header": (
        "{command}: {arch}, backbone from {source}{quick}",
        "{command}：{arch}，骨干网络：{source}{quick}"),
    "recipes.finetune.pretrained": (
        "task A, {task}: {arch} (small-input layout) trained from scratch, test accuracy "
        "{accuracy:.1%} ({seconds:.1f} s)",
        "任务 A，{task}：{arch}（小输入结构）从零训练，测试准确率 {accuracy:.1%}"
        "（{seconds:.1f} 秒）"),
    "recipes.finetune.loaded": (
        "loaded {weights} into {arch} (1000 classes, strict: every key and shape matched)",
        "已把 {weights} 载入 {arch}（1000 类，严格模式：每个键和形状都吻合）"),
    "recipes.finetune.head": (
        "new head `{head}`: Linear -> {num_classes} classes for task {task}; inputs "
        "{size}x{size}",
        "新的输出头 `{head}`：Linear -> {num_classes} 类，用于任务{task}；输入 {size}x{size}"),
    "recipes.finetune.params": (
        "parameters: {trainable:,} trainable (head), {frozen:,} frozen (backbone); features "
        "computed once in eval mode",
        "参数：{trainable:,} 个可训练（输出头），{frozen:,} 个冻结（骨干网络）；"
        "特征在评估模式下只算一次"),
    "recipes.finetune.accuracy": (
        "test accuracy on {n_test} images ({n_train} for training): {accuracy:.1%} (the new "
        "head at its random init: {before:.1%}); {seconds:.1f} s in all",
        "{n_test} 张测试图（{n_train} 张用于训练）上的准确率：{accuracy:.1%}"
        "（新输出头随机初始化时：{before:.1%}）；共用时 {seconds:.1f} 秒"),
    "recipes.finetune.saved": (
        "saved the fine-tuned state_dict to {path}",
        "已把微调后的 state_dict 保存到 {path}"),

    "recipes.word.and": (" and ", " 和 "),
    "recipes.fold": (
        "fold {fold}/{folds}: validation accuracy {accuracy:.2%}",
        "第 {fold}/{folds} 折：验证准确率 {accuracy:.2%}"),
    "recipes.score": (
        "score {accuracy:.5f} ({correct}/{total})",
        "得分 {accuracy:.5f}（{correct}/{total}）"),
    "recipes.wrote_submission": (
        "wrote {path} ({n} rows, header {header})",
        "已写出 {path}（{n} 行，表头 {header}）"),
    # ---- recipes/kaggle_digits.py: `dlfs train kaggle-digits`
    "recipes.kaggle_digits.counts": (
        "KaggleDigitsRecipe: need folds >= 2, epochs >= 1, threads >= 1; got {folds}, "
        "{epochs}, {threads}",
        "`KaggleDigitsRecipe`：需要 `folds >= 2`、`epochs >= 1`、`threads >= 1`；实际为 {folds}、"
        "{epochs}、{threads}"),
    "recipes.kaggle_digits.max_train": (
        "KaggleDigitsRecipe: {folds}-fold cross-validation needs max_train >= folds, got "
        "{max_train}",
        "`KaggleDigitsRecipe`：{folds} 折交叉验证需要 `max_train >= folds`，实际为 {max_train}"),
    "recipes.kaggle_digits.missing": (
        "{folder}: missing {missing} (download them from Kaggle's Digit Recognizer page and "
        "put them there)",
        "{folder}：缺少 {missing}（请从 Kaggle 的 Digit Recognizer 页面下载并放到那里）"),
    "recipes.kaggle_digits.data": (
        "data: Kaggle CSVs in {folder}",
        "数据：{folder} 中的 Kaggle CSV 文件"),
    "recipes.kaggle_digits.standin": (
        "data: no Kaggle files in {real} (or --data DIR), so the offline stand-in is used: "
        "scikit-learn digits upscaled to 28x28, written in Kaggle's CSV layout to {folder} "
        "(train.csv 80 %, held-out test.csv 20 %)",
        "数据：{real}（或 `--data DIR`）中没有 Kaggle 文件，所以使用离线替身：把 scikit-learn "
        "的手写数字放大到 28x28，按 Kaggle 的 CSV 格式写到 {folder}（train.csv 80 %，"
        "留出的 test.csv 20 %）"),
    "recipes.kaggle_digits.secret": (
        "--score: the true labels of {data}/test.csv are Kaggle's secret; only the offline "
        "stand-in's submissions can be scored here (drop --data, or submit the file on "
        "Kaggle)",
        "--score：{data}/test.csv 的真实标签是 Kaggle 的秘密；这里只能给离线替身的提交打分"
        "（去掉 --data，或把文件提交到 Kaggle）"),
    "recipes.kaggle_digits.held_out": (
        "held-out labels: the offline stand-in's test.csv ({fraction:.0%} of the embedded "
        "digits, split seed {seed}; none of them is in its train.csv)",
        "留出标签：离线替身的 test.csv（内置手写数字的 {fraction:.0%}，划分种子 {seed}；"
        "没有一个出现在它的 train.csv 中）"),
    "recipes.kaggle_digits.model": (
        "model: LeNet-5 (ReLU); {folds}-fold cross-validation, {epochs} epochs per fold; "
        "submission = average of the {folds} fold models' softmax outputs (no retraining on "
        "all data)",
        "模型：LeNet-5（ReLU）；{folds} 折交叉验证，每折 {epochs} 轮；提交结果 = {folds} "
        "个折模型的 softmax 输出的平均（不在全部数据上重新训练）"),
    "recipes.kaggle_digits.cv": (
        "cross-validation: mean accuracy {mean:.2%} (folds: {folds}) on {n} training images",
        "交叉验证：在 {n} 张训练图上平均准确率 {mean:.2%}（各折：{folds}）"),
    "recipes.kaggle_digits.standin_score": (
        "stand-in only: the held-out labels are known; the submission scores {accuracy:.2%} "
        "on {n} test images",
        "仅限替身：留出标签已知；提交结果在 {n} 张测试图上得分 {accuracy:.2%}"),

    # ---- recipes/titanic.py: `dlfs train kaggle-titanic`
    "recipes.titanic.not_submission": (
        "{path}: not a Titanic submission ({exc})",
        "{path}：不是 Titanic 的提交文件（{exc}）"),
    "recipes.titanic.few_rows": (
        "--folds {folds} needs at least {folds} training rows, {file} has {n}",
        "--folds {folds} 至少需要 {folds} 行训练数据，{file} 只有 {n} 行"),
    "recipes.titanic.data": (
        "data: {folder} (train.csv {train} rows, test.csv {test} rows)",
        "数据：{folder}（train.csv {train} 行，test.csv {test} 行）"),
    "recipes.titanic.features": ("features: {features} ({groups})", "特征：{features}（{groups}）"),
    "recipes.titanic.model": (
        "model: {model}; stratified {folds}-fold cross-validation, {epochs} full-batch epochs "
        "(AdamW) per model; submission = mean of the {folds} fold models' probabilities",
        "模型：{model}；分层 {folds} 折交叉验证，每个模型 {epochs} 轮全批量训练（AdamW）；"
        "提交结果 = {folds} 个折模型给出的概率的平均"),
    "recipes.titanic.fold": (
        "fold {fold}/{folds}: validation accuracy {accuracy:.4f}",
        "第 {fold}/{folds} 折：验证准确率 {accuracy:.4f}"),
    "recipes.titanic.cv": (
        "cross-validation: accuracy {mean:.4f} ± {std:.4f} (mean ± std over {folds} folds)",
        "交叉验证：准确率 {mean:.4f} ± {std:.4f}（{folds} 折的均值 ± 标准差）"),
    "recipes.titanic.offline_score": (
        "offline score {accuracy:.5f} ({correct}/{total}) against the rebuilt test labels",
        "离线得分 {accuracy:.5f}（{correct}/{total}），对照重建的测试标签"),
    "recipes.titanic.time": ("time {seconds:.1f} s", "用时 {seconds:.1f} 秒"),

    "recipes.next.samples": ("new samples from this model", "从这个模型采新样本"),
    "recipes.digits": ("scikit-learn's digits", "scikit-learn 的手写数字"),
    "recipes.samples": ("samples: {path}", "样本：{path}"),
    "recipes.what.images": ("training images", "张训练图"),
    "recipes.batch_too_large": (
        "--batch-size {batch_size} is larger than the {n} {what}; give a smaller one",
        "--batch-size {batch_size} 比全部 {n} {what}还多；请调小"),
    "recipes.training_adam": (
        "training {max_steps} steps, batch {batch_size}, Adam lr {lr:g}; checkpoints in "
        "{out}/checkpoints, TensorBoard logs in {out}/tensorboard",
        "训练 {max_steps} 步，批量 {batch_size}，Adam 学习率 {lr:g}；检查点在 "
        "`{out}/checkpoints`，TensorBoard 日志在 `{out}/tensorboard`"),
    # ---- recipes/vae.py: `dlfs train vae`
    "recipes.vae.channels": (
        "VAERecipe: model.channels must be 1 (the digit images are greyscale), got {channels}",
        "`VAERecipe`：model.channels 必须为 1（手写数字是灰度图），实际为 {channels}"),
    "recipes.vae.image_size": (
        "VAERecipe: image_size must be >= 8 (the digits are 8x8 and are only ever upsampled), "
        "got {image_size}",
        "`VAERecipe`：image_size 必须 >= 8（手写数字是 8x8，只会放大），实际为 {image_size}"),
    "recipes.vae.nonfinite_samples": (
        "the trained VAE decodes prior samples into NaN/Inf pixels (the weights are too "
        "large: lower --lr {lr:g}); its checkpoints are in {folder}",
        "训练好的 VAE 把先验样本解码成了 NaN/Inf 像素（权重太大：请调低 --lr {lr:g}）；"
        "它的检查点在 {folder}"),
    "recipes.vae.no_digit": (
        "--digit {digit}: this VAE run is not class-conditional (it samples z ~ N(0, I) and "
        "decodes it); drop --digit, or sample a guided DDPM run (dlfs train ddpm)",
        "--digit {digit}：这个 VAE 运行不是类别条件的（它采样 `z ~ N(0, I)` 再解码）；"
        "请去掉 --digit，或从带引导的 DDPM 运行采样（`dlfs train ddpm`）"),
    "recipes.vae.no_steps": (
        "--steps {steps}: a VAE samples in one decoder pass; --steps is for DDPM runs; drop it",
        "--steps {steps}：VAE 只需解码器算一遍就能采样；--steps 用于 DDPM 运行；请去掉它"),
    "recipes.vae.not_vae": (
        "{file} does not describe a VAE (its 'model' part: {exc}); train it again with dlfs "
        "train vae",
        "{file} 描述的不是 VAE（它的 `model` 部分：{exc}）；请用 `dlfs train vae` 重新训练"),
    "recipes.no_checkpoint_train": (
        "no usable checkpoint in {folder}{found}; train the run (dlfs train {name} --out DIR) "
        "first",
        "{folder} 中没有可用的检查点{found}；请先训练这个运行（`dlfs train {name} --out DIR`）"),
    "recipes.vae.next.curves": (
        "loss, recon and kl curves, sample grids",
        "损失、重建项和 KL 项的曲线，样本网格"),
    "recipes.vae.next.lesson": (
        "the ELBO and the reparameterisation trick, explained",
        "讲解 ELBO 和重参数化技巧"),
    "recipes.vae.header": (
        "{command}: a convolutional VAE on {source}{quick}",
        "{command}：在 {source} 上训练卷积 VAE{quick}"),
    "recipes.vae.model": (
        "model: {size}x{size} images, widths {widths}, latent {latent}: {params:,} "
        "parameters; beta {beta:g}",
        "模型：{size}x{size} 的图像，宽度 {widths}，隐变量 {latent} 维：参数 {params:,} 个；"
        "β {beta:g}"),
    "recipes.vae.step": (
        "step {step:>6}  train loss {train:7.2f}  held-out: loss {val:7.2f}, recon "
        "{recon:6.2f} + kl {kl:5.2f} = -ELBO {elbo:7.2f} nats  {time}",
        "第 {step:>6} 步  训练损失 {train:7.2f}  留出集：损失 {val:7.2f}，重建 {recon:6.2f} + "
        "KL {kl:5.2f} = -ELBO {elbo:7.2f} nats  {time}"),
    "recipes.vae.done": (
        "done after {max_steps} steps: held-out -ELBO {elbo:.2f} nats per image (loss with "
        "beta {beta:g}: {val:.2f}); training took {time} ({cpu:.0f} CPU s)",
        "{max_steps} 步后完成：留出集 -ELBO 每张图 {elbo:.2f} nats（β {beta:g} 时的损失："
        "{val:.2f}）；训练用时 {time}（CPU {cpu:.0f} 秒）"),
    "recipes.vae.quality": (
        "quality of {n} samples: {quality}",
        "{n} 个样本的质量：{quality}"),

    # ---- recipes/ddpm.py: `dlfs train ddpm`
    "recipes.ddpm.image_size": (
        "DDPMRecipe: image_size must be at least 8 (the digits' own resolution), got "
        "{image_size}",
        "`DDPMRecipe`：image_size 至少为 8（手写数字本身的分辨率），实际为 {image_size}"),
    "recipes.ddpm.sample_steps": (
        "DDPMRecipe: sample_steps ({sample_steps}) must be at most timesteps ({timesteps})",
        "`DDPMRecipe`：`sample_steps`（{sample_steps}）不能超过 `timesteps`（{timesteps}）"),
    "recipes.ddpm.in_channels": (
        "--in-channels {in_channels}: the digit images have one channel; give --in-channels 1",
        "--in-channels {in_channels}：手写数字图只有一个通道；请给 --in-channels 1"),
    "recipes.ddpm.unreadable": (
        "{file} cannot be read ({exc}); train a run first: dlfs train ddpm --out DIR",
        "无法读取 {file}（{exc}）；请先训练一个运行：`dlfs train ddpm --out DIR`"),
    "recipes.ddpm.not_ddpm": (
        "{file} does not describe a DDPM run ({exc}); train it again with dlfs train ddpm",
        "{file} 描述的不是 DDPM 运行（{exc}）；请用 `dlfs train ddpm` 重新训练"),
    "recipes.ddpm.unconditional": (
        "--digit {digit}: this DDPM run is unconditional (trained with --no-guidance); drop "
        "--digit, or train a guided run",
        "--digit {digit}：这个 DDPM 运行是无条件的（用 --no-guidance 训练）；请去掉 --digit，"
        "或训练一个带引导的运行"),
    "recipes.ddpm.digit": ("--digit {digit}: a digit is 0..9", "--digit {digit}：数字应为 0..9"),
    "recipes.ddpm.steps": (
        "--steps {steps}: this run has T = {T} diffusion steps; give 1..{T} (DDIM below {T}, "
        "ancestral at {T})",
        "--steps {steps}：这个运行有 T = {T} 个扩散步；请给 1..{T}（小于 {T} 用 DDIM，"
        "等于 {T} 用祖先采样）"),
    "recipes.ddpm.n_images": ("--n-images {n}: give at least 1", "--n-images {n}：至少给 1"),
    "recipes.ddpm.ancestral": ("ancestral, {steps} steps", "祖先采样，{steps} 步"),
    "recipes.ddpm.ddim": ("DDIM, {steps} steps", "DDIM，{steps} 步"),
    "recipes.ddpm.guidance": (", guidance w = {w:g}", "，引导强度 w = {w:g}"),
    "recipes.ddpm.next.digit": ("guided samples of one digit", "某一个数字的引导样本"),
    "recipes.ddpm.next.ddim": ("DDIM with 10 steps: faster, worse", "10 步 DDIM：更快，但更差"),
    "recipes.ddpm.next.curves": ("loss curves, sample grids", "损失曲线，样本网格"),
    "recipes.ddpm.next.lesson": (
        "the forward process and L_simple, explained",
        "讲解前向过程和 `L_simple`"),
    "recipes.ddpm.header": (
        "{command}: a denoising diffusion model on {source}{quick}",
        "{command}：在 {source} 上训练去噪扩散模型{quick}"),
    "recipes.ddpm.conditional": (
        "class-conditional (10 digits + null)",
        "类别条件（10 个数字 + 空类）"),
    "recipes.ddpm.unconditional_model": ("unconditional", "无条件"),
    "recipes.ddpm.model": (
        "model: U-Net on {size}x{size} images, widths {widths}, {blocks} residual block(s) per "
        "level, {conditioning}: {params:,} parameters; {schedule} schedule, T = {T}",
        "模型：{size}x{size} 图像上的 U-Net，宽度 {widths}，每层 {blocks} 个残差块，"
        "{conditioning}：参数 {params:,} 个；{schedule} 噪声调度，T = {T}"),
    "recipes.ddpm.dropped": (
        ", labels dropped with p = {p:g}",
        "，以 p = {p:g} 丢弃标签"),
    "recipes.ddpm.ema": (", EMA {ema:g}", "，EMA {ema:g}"),
    "recipes.ddpm.training": (
        "training {max_steps} steps, batch {batch_size}, Adam lr {lr:g}{dropped}{ema}; "
        "checkpoints in {out}/checkpoints, TensorBoard logs in {out}/tensorboard",
        "训练 {max_steps} 步，批量 {batch_size}，Adam 学习率 {lr:g}{dropped}{ema}；检查点在 "
        "`{out}/checkpoints`，TensorBoard 日志在 `{out}/tensorboard`"),
    "recipes.ddpm.step": (
        "step {step:>6}  train L_simple {train:.4f}  held-out L_simple {val:.4f}  {time}",
        "第 {step:>6} 步  训练 `L_simple` {train:.4f}  留出集 `L_simple` {val:.4f}  {time}"),
    "recipes.ddpm.done": (
        "done: {max_steps} steps; training took {time} ({cpu:.0f} CPU s)",
        "完成：{max_steps} 步；训练用时 {time}（CPU {cpu:.0f} 秒）"),
    "recipes.ddpm.null_class": (", the null class", "，空类"),
    "recipes.ddpm.unconditional_samples": (
        "{n} unconditional samples ({sampler}{null}; {seconds:.1f} s): {quality}",
        "{n} 个无条件样本（{sampler}{null}；{seconds:.1f} 秒）：{quality}"),
    "recipes.ddpm.guided_samples": (
        "{n} guided samples, {each}+ of each digit ({sampler}; {seconds:.1f} s): {quality}",
        "{n} 个引导样本，每个数字至少 {each} 个（{sampler}；{seconds:.1f} 秒）：{quality}"),

    # ---- recipes/gan.py: `dlfs train gan`
    "recipes.gan.channels": (
        "GANRecipe: the digits have 1 channel, got --channels {channels}",
        "`GANRecipe`：手写数字只有 1 个通道，实际给了 --channels {channels}"),
    "recipes.gan.no_digit": (
        "--digit: this GAN is unconditional (it cannot be asked for a digit); only the guided "
        "DDPM (`dlfs train ddpm`) takes --digit",
        "--digit：这个 GAN 是无条件的（不能指定要哪个数字）；只有带引导的 DDPM"
        "（`dlfs train ddpm`）接受 --digit"),
    "recipes.gan.no_steps": (
        "--steps: a GAN samples in one forward pass; --steps is for DDPM runs",
        "--steps：GAN 只需一次前向计算就能采样；--steps 用于 DDPM 运行"),
    "recipes.gan.no_checkpoint": (
        "no usable checkpoint in {folder}{found}; train one with `dlfs train gan --out "
        "{run_dir}`",
        "{folder} 中没有可用的检查点{found}；请用 `dlfs train gan --out {run_dir}` 训练一个"),
    "recipes.gan.ns": ("non-saturating GAN", "非饱和 GAN"),
    "recipes.gan.wgan": ("WGAN-GP (lambda {gp_weight:g})", "WGAN-GP（λ {gp_weight:g}）"),
    "recipes.gan.mnist_from": ("MNIST from {data}", "来自 {data} 的 MNIST"),
    "recipes.gan.digits": ("digits", "手写数字"),
    "recipes.gan.header": (
        "{command}: a DCGAN, {what}, on {size}x{size} {data}{quick}",
        "{command}：DCGAN，{what}，在 {size}x{size} 的{data}上训练{quick}"),
    "recipes.gan.models": (
        "generator {n_g:,} parameters (z_dim {z_dim}), critic {n_d:,} parameters; {max_steps} "
        "generator steps x {critic_steps} critic step(s), batch {batch_size}; checkpoints and "
        "TensorBoard logs in {out}",
        "生成器参数 {n_g:,} 个（z_dim {z_dim}），判别器参数 {n_d:,} 个；生成器 {max_steps} 步 x "
        "判别器 {critic_steps} 步，批量 {batch_size}；检查点和 TensorBoard 日志在 {out}"),
    "recipes.gan.step": (
        "step {step:>6}  critic {critic:+.3f}  generator {generator:+.3f}{extra}  "
        "{seconds:.0f}s",
        "第 {step:>6} 步  判别器 {critic:+.3f}  生成器 {generator:+.3f}{extra}  {seconds:.0f}s"),
    "recipes.gan.done": (
        "done in {seconds:.1f} s ({cpu:.1f} CPU s); samples: {grid}",
        "完成，用时 {seconds:.1f} 秒（CPU {cpu:.1f} 秒）；样本：{grid}"),
    "recipes.gan.quality": ("quality: {quality}", "质量：{quality}"),
    "recipes.gan.more": (
        "more samples: dlfs sample --run {out}",
        "更多样本：`dlfs sample --run {out}`"),

    "recipes.what.pairs": ("training pairs", "个训练对"),
    "recipes.min_lr": (
        "{cls}: need min_lr <= lr, got {min_lr} > {lr}",
        "`{cls}`：需要 `min_lr <= lr`，实际为 {min_lr} > {lr}"),
    # ---- recipes/clip.py: `dlfs train clip`
    "recipes.clip.unknown_lang": ("unknown language {lang!r}", "未知语言 {lang!r}"),
    "recipes.clip.lang_twice": ("a language twice", "有语言重复"),
    "recipes.clip.langs": (
        "ClipRecipe: langs must be comma-separated languages of {known} (e.g. 'en,zh'), got "
        "{langs!r}: {problem}",
        "`ClipRecipe`：`langs` 必须是用逗号分隔的 {known} 中的语言（例如 `en,zh`），实际为 "
        "{langs!r}：{problem}"),
    "recipes.clip.context": (
        "--context-length {context_length} is too short: the longest caption needs {need} "
        "positions (its characters and <eos>); give at least {need}",
        "--context-length {context_length} 太短：最长的说明文字需要 {need} 个位置"
        "（它的字符加 <eos>）；请至少给 {need}"),
    "recipes.clip.lang.en": ("English", "英文"),
    "recipes.clip.lang.zh": ("Chinese", "中文"),
    "recipes.clip.zero_shot": (
        "zero-shot accuracy, {lang} prompts (held-out templates): {acc:.1%}",
        "零样本准确率，{lang}提示（留出的模板）：{acc:.1%}"),
    "recipes.clip.way.image->text": ("image->text", "图->文"),
    "recipes.clip.way.text->image": ("text->image", "文->图"),
    "recipes.clip.retrieval": (
        "retrieval {way} (same digit counts): recall@1 {r1:.1%}, recall@5 {r5:.1%}",
        "检索 {way}（同一数字即算对）：召回率@1 {r1:.1%}，召回率@5 {r5:.1%}"),
    "recipes.clip.scale": (
        "learned logit scale s = {scale:.2f} (temperature {temperature:.4f}; it started at "
        "{initial:.2f})",
        "学到的 `logit` 缩放系数 s = {scale:.2f}（温度 {temperature:.4f}；初始为 {initial:.2f}）"),
    "recipes.clip.unreadable": (
        "{file}: expected the run.json of a `dlfs train clip` run ({exc})",
        "{file}：应为 `dlfs train clip` 运行的 run.json（{exc}）"),
    "recipes.clip.not_clip": (
        "{file} describes a {kind!r} run, not a 'clip' one; give the directory of a `dlfs "
        "train clip` run",
        "{file} 描述的是 {kind!r} 运行，不是 `clip` 运行；请给出 `dlfs train clip` 的运行目录"),
    "recipes.clip.header": (
        "{command}: a dual encoder on digits with {langs} captions{quick}",
        "{command}：在带 {langs} 说明文字的手写数字上训练双编码器{quick}"),
    "recipes.clip.data": (
        "data: {n_images:,} training images x {per_image} captions = {n_pairs:,} pairs; "
        "vocabulary {vocab} (characters and specials); held out: {n_test} images and their "
        "own templates",
        "数据：{n_images:,} 张训练图 x {per_image} 条说明 = {n_pairs:,} 对；词表 {vocab}"
        "（字符和特殊符号）；留出：{n_test} 张图和它们专用的模板"),
    "recipes.clip.model": (
        "model: CNN ({w1}-{w2}-{w3} channels) + {layers}-layer text Transformer (width "
        "{text_width}) -> {embed_dim}-d space, {params:,} parameters",
        "模型：CNN（{w1}-{w2}-{w3} 通道）+ {layers} 层文本 Transformer（宽度 {text_width}）"
        "-> {embed_dim} 维空间，参数 {params:,} 个"),
    "recipes.clip.training": (
        "training {max_steps} steps of {batch_size} pairs; checkpoints in {out}/checkpoints, "
        "TensorBoard logs in {out}/tensorboard",
        "训练 {max_steps} 步，每步 {batch_size} 对；检查点在 `{out}/checkpoints`，"
        "TensorBoard 日志在 `{out}/tensorboard`"),
    "recipes.clip.step": (
        "step {step:>5}  loss {train:.3f}  zero-shot {accs}  {time}",
        "第 {step:>5} 步  损失 {train:.3f}  零样本 {accs}  {time}"),
    "recipes.clip.done": (
        "done: {max_steps} steps in {time} ({cpu:.0f} CPU s); held-out digits (chance "
        "{chance:.0%}):",
        "完成：{max_steps} 步，用时 {time}（CPU {cpu:.0f} 秒）；留出的数字（随机猜 "
        "{chance:.0%}）："),
    "recipes.clip.saved": (
        "run.json and the weights are in {out} (dlfs.recipes.clip.load_clip_run rebuilds them)",
        "run.json 和权重在 {out}（`dlfs.recipes.clip.load_clip_run` 可重建它们）"),

    # ---- recipes/captioner.py: `dlfs train captioner`, `dlfs caption`
    "recipes.captioner.block_size": (
        "--gpt-block-size {block_size} is too short: --qformer-n-queries {n_queries} prefix "
        "vectors, a newline and the longest {lang} caption ({longest} characters) with its "
        "newline need {need}; give --gpt-block-size {need} or more, or fewer queries",
        "--gpt-block-size {block_size} 太短：--qformer-n-queries {n_queries} 个前缀向量、"
        "一个换行符，加上最长的 {lang} 说明文字（{longest} 个字符）及其换行符，共需 {need}；"
        "请给 --gpt-block-size {need} 或更大，或减少查询向量"),
    "recipes.captioner.resuming": (
        "resuming stage {stage} at step {step} ({checkpoint})",
        "从第 {stage} 阶段第 {step} 步续训（{checkpoint}）"),
    "recipes.captioner.fixed": (
        "--resume: the run in {out} was trained with other settings (saved -> requested): "
        "{diffs}; give the saved values (stage 1's are fixed once stage 2 has begun), or train "
        "a new run in another --out",
        "--resume：{out} 中的运行是用另一组设置训练的（保存的 -> 要求的）：{diffs}；"
        "请给出保存时的值（第 2 阶段开始后，第 1 阶段的设置就固定了），"
        "或在另一个 --out 中训练新的运行"),
    "recipes.captioner.stage1_done": (
        "--resume: stage 1 of the run in {out} is already at step {step}, beyond --gpt-steps "
        "{gpt_steps}; give --gpt-steps {step}",
        "--resume：{out} 中运行的第 1 阶段已到第 {step} 步，超过了 --gpt-steps {gpt_steps}；"
        "请给 --gpt-steps {step}"),
    "recipes.captioner.stage2_done": (
        "--resume: stage 2 of the run in {out} is already at step {step}, so --qformer-steps "
        "{qformer_steps} leaves nothing to train; give a larger one, e.g. --qformer-steps "
        "{more}",
        "--resume：{out} 中运行的第 2 阶段已到第 {step} 步，--qformer-steps {qformer_steps} "
        "已无可训练；请给更大的值，例如 --qformer-steps {more}"),
    "recipes.captioner.no_run_json": (
        "no run.json in {run_dir}: give a run directory made by `dlfs train captioner` "
        "(default runs/captioner)",
        "{run_dir} 中没有 run.json：请给出 `dlfs train captioner` 生成的运行目录"
        "（默认 runs/captioner）"),
    "recipes.captioner.not_captioner": (
        "{run_dir} holds a {kind!r} run, not a captioner: give a run directory made by "
        "`dlfs train captioner`",
        "{run_dir} 中是 {kind!r} 运行，不是看图说话模型：请给出 `dlfs train captioner` "
        "生成的运行目录"),
    "recipes.captioner.unfinished": (
        "{weights} is missing: the run has not finished; continue it with `dlfs train "
        "captioner --out {run_dir} --resume`",
        "缺少 {weights}：这个运行还没结束；请用 `dlfs train captioner --out {run_dir} --resume` "
        "接着训练"),
    "recipes.captioner.split": (
        "split must be one of {splits}, got {split!r}",
        "划分必须是 {splits} 之一，实际为 {split!r}"),
    "recipes.captioner.index_type": (
        "the image index must be an int, got {index!r}",
        "图片序号必须是整数，实际为 {index!r}"),
    "recipes.captioner.index_range": (
        "image index {index} is out of range: the {split} split has {n} images (0 .. {last})",
        "图片序号 {index} 超出范围：{split}有 {n} 张图（0 .. {last}）"),
    "recipes.captioner.count.layers.one": ("{n} layer", "{n} 层"),
    "recipes.captioner.count.layers.many": ("{n} layers", "{n} 层"),
    "recipes.captioner.count.queries.one": ("{n} query", "{n} 个查询向量"),
    "recipes.captioner.count.queries.many": ("{n} queries", "{n} 个查询向量"),
    "recipes.captioner.header": (
        "{command}: a frozen GPT learns to caption digits through a Q-Former "
        "({lang}){quick}",
        "{command}：冻结的 GPT 通过 Q-Former 学习为手写数字写说明（{lang}）{quick}"),
    "recipes.captioner.stages": (
        "stage 1: GPT ({gpt_layers}, width {gpt_width}) on {documents} caption documents, "
        "{gpt_steps} steps; stage 2: Q-Former ({queries}, {q_layers}, width {q_width}) + "
        "projection, {qformer_steps} steps; checkpoints and TensorBoard logs in {dirs}",
        "第 1 阶段：GPT（{gpt_layers}，宽度 {gpt_width}）在 {documents} 篇说明文档上训练 "
        "{gpt_steps} 步；第 2 阶段：Q-Former（{queries}，{q_layers}，宽度 {q_width}）+ 投影层，"
        "{qformer_steps} 步；检查点和 TensorBoard 日志在 {dirs}"),
    "recipes.captioner.val_loss": ("val loss {value:.3f}", "验证损失 {value:.3f}"),
    "recipes.captioner.named": (
        "held-out digits named {value:.0%}",
        "留出数字说对 {value:.0%}"),
    "recipes.captioner.step": (
        "stage {stage} step {step:>5}  train loss {train:.3f}  {what}  {seconds:5.1f}s",
        "第 {stage} 阶段 第 {step:>5} 步  训练损失 {train:.3f}  {what}  {seconds:5.1f}s"),
    "recipes.captioner.params": (
        "parameters: trained {trained:,} (Q-Former {qformer:,} + projection {proj:,}); frozen "
        "{frozen:,} (GPT {gpt:,} + image encoder {encoder:,})",
        "参数：训练 {trained:,} 个（Q-Former {qformer:,} + 投影层 {proj:,}）；冻结 {frozen:,} 个"
        "（GPT {gpt:,} + 图像编码器 {encoder:,}）"),
    "recipes.captioner.accuracy": (
        "held-out images whose caption names the right digit: {accuracy:.1%} ({right}/{n}); "
        "stage 1 took {s1:.1f}s, stage 2 {s2:.1f}s",
        "说明文字说对数字的留出图片：{accuracy:.1%}（{right}/{n}）；第 1 阶段用时 {s1:.1f}s，"
        "第 2 阶段 {s2:.1f}s"),
    "recipes.captioner.ok": ("ok", "对"),
    "recipes.captioner.wrong": ("WRONG", "错"),
    "recipes.captioner.example": (
        "  image {i:>3} (a {label}): {caption} {mark}",
        "  图 {i:>3}（数字 {label}）：{caption} {mark}"),
    "recipes.captioner.saved": (
        "saved {path}; caption any held-out image with `dlfs caption --run {out} INDEX`",
        "已保存 {path}；用 `dlfs caption --run {out} INDEX` 为任一留出图片写说明"),

    "recipes.table.model": ("model", "模型"),
    "recipes.table.classifier": ("classifier", "分类器"),
    "recipes.table.parameters": ("parameters", "参数量"),
    "recipes.table.accuracy": ("held-out accuracy", "留出准确率"),
    "recipes.table.seconds": ("seconds", "秒"),
    "recipes.table.cpu": ("CPU s", "CPU 秒"),
    # ---- recipes/vit.py: `dlfs train vit`
    "recipes.vit.channels_classes": (
        "ViTRecipe: the digits are greyscale with 10 classes: model.in_channels must be 1 and "
        "model.num_classes 10",
        "`ViTRecipe`：手写数字是 10 类灰度图：model.in_channels 必须为 1，model.num_classes "
        "必须为 10"),
    "recipes.vit.image_size": (
        "ViTRecipe: the CNN (LeNet-5) needs images of at least 12x12, got image_size "
        "{image_size}; give a larger one or train the ViT alone",
        "`ViTRecipe`：CNN（LeNet-5）需要至少 12x12 的图像，实际 image_size 为 {image_size}；"
        "请调大，或只训练 ViT"),
    "recipes.vit.next.continue": ("continue training both", "两个模型都接着训练"),
    "recipes.vit.next.curves": (
        "loss and held-out accuracy curves of each model",
        "每个模型的损失和留出准确率曲线"),
    "recipes.vit.next.lesson": (
        "patches, the class token, positions and attention maps, explained",
        "讲解图块、类别词元、位置编码和注意力图"),
    "recipes.vit.header": (
        "{command}: a Vision Transformer and a CNN on {source}{quick}",
        "{command}：在 {source} 上训练一个视觉 Transformer 和一个 CNN{quick}"),
    "recipes.vit.vit": (
        "ViT: {size}x{size} images in {n_patches} patches of {patch}x{patch} ({embedding} "
        "embedding) + a class token, width {d_model}, {n_layer} layers, {n_head} heads: "
        "{params:,} parameters",
        "ViT：{size}x{size} 的图像切成 {n_patches} 个 {patch}x{patch} 的图块（{embedding} 嵌入）"
        "+ 一个类别词元，宽度 {d_model}，{n_layer} 层，{n_head} 个头：参数 {params:,} 个"),
    "recipes.vit.cnn": (
        "CNN: LeNet-5 with ReLU: {params:,} parameters",
        "CNN：带 ReLU 的 LeNet-5：参数 {params:,} 个"),
    "recipes.vit.training": (
        "training {max_steps} steps each, batch {batch_size}, AdamW lr {lr:g} after {warmup} "
        "warm-up steps; checkpoints and TensorBoard logs in {out}/<model>",
        "各训练 {max_steps} 步，批量 {batch_size}，预热 {warmup} 步后 AdamW 学习率 {lr:g}；"
        "检查点和 TensorBoard 日志在 {out}/<模型>"),
    "recipes.vit.step": (
        "{kind} step {step:>6}  train loss {train:.3f}  held-out accuracy {acc:6.1%}  {time}",
        "{kind} 第 {step:>6} 步  训练损失 {train:.3f}  留出准确率 {acc:6.1%}  {time}"),

    # ---- recipes/bert.py: `dlfs train bert`
    "recipes.bert.resume_finetune": (
        "--resume continues pre-training, and --stage finetune does not pre-train: "
        "fine-tuning always starts afresh from the newest pre-training checkpoint; drop "
        "--resume",
        "--resume 用于接着预训练，而 `--stage finetune` 不做预训练：微调总是从最新的预训练"
        "检查点重新开始；请去掉 --resume"),
    "recipes.bert.few_chunks": (
        "the pre-training text gives {n} chunks of {tokens} tokens, fewer than --batch-size "
        "{batch_size}; give a larger --pretrain-chars or a smaller batch",
        "预训练文本只切出 {n} 块（每块 {tokens} 个词元），比 --batch-size {batch_size} 还少；"
        "请调大 --pretrain-chars，或调小批量"),
    "recipes.bert.no_pretrained": (
        "--stage finetune needs a pre-trained model, but {folder} holds no usable "
        "checkpoint{found}; run --stage pretrain (or both) first",
        "`--stage finetune` 需要预训练好的模型，但 {folder} 中没有可用的检查点{found}；"
        "请先运行 `--stage pretrain`（或 `both`）"),
    "recipes.bert.other_settings": (
        "the pre-trained model in {folder} was built with other settings (saved -> "
        "requested): {diffs}; give the saved values",
        "{folder} 中的预训练模型是用另一组设置构建的（保存的 -> 要求的）：{diffs}；"
        "请给出保存时的值"),
    "recipes.bert.pretraining": (
        "pre-training: a masked language model on the {source!r} source (the task's "
        "{n_test:,} test lines left out): {chunks:,} chunks of up to {tokens} BPE tokens "
        "(vocabulary {vocab:,} with [PAD], [CLS], [MASK]); width {d_model}, {n_layer} layers, "
        "{n_head} heads: {params:,} parameters",
        "预训练：在 {source!r} 语料上训练掩码语言模型（去掉任务的 {n_test:,} 行测试文本）："
        "{chunks:,} 块，每块最多 {tokens} 个 BPE 词元（词表 {vocab:,}，含 `[PAD]`、`[CLS]`、"
        "`[MASK]`）；宽度 {d_model}，{n_layer} 层，{n_head} 个头：参数 {params:,} 个"),
    "recipes.bert.step": (
        "pretrain step {step:>6}  train loss {train:.3f}  held-out MLM loss {loss:.3f}  "
        "masked tokens right {acc:6.1%}  {time}",
        "预训练第 {step:>6} 步  训练损失 {train:.3f}  留出 MLM 损失 {loss:.3f}  "
        "掩码词元猜对 {acc:6.1%}  {time}"),
    "recipes.bert.pretrained": (
        "pre-training: {max_steps} steps of {batch_size} chunks took {time} ({cpu:.0f} CPU "
        "s); checkpoints in {out}/pretrain",
        "预训练：{max_steps} 步，每步 {batch_size} 块，用时 {time}（CPU {cpu:.0f} 秒）；"
        "检查点在 `{out}/pretrain`"),
    "recipes.bert.finetuning": (
        "fine-tuning: which package ({classes}) does a line come from? {n} labelled lines "
        "({per_class} per package), {n_test:,} held-out test lines, chance {chance:.1%}; "
        "{steps} steps each, from the pre-training of step {step} and from scratch",
        "微调：一行代码来自哪个包（{classes}）？{n} 行带标签（每个包 {per_class} 行），"
        "{n_test:,} 行留出测试，随机猜 {chance:.1%}；各训练 {steps} 步，一个从第 {step} 步的"
        "预训练开始，一个从零开始"),
    "recipes.bert.variant.finetuned": ("pre-trained, then fine-tuned", "先预训练，再微调"),
    "recipes.bert.variant.scratch": ("from scratch", "从零训练"),
    "recipes.bert.gain": (
        "gain from pre-training: {points:+.1f} points",
        "预训练带来的提升：{points:+.1f} 个百分点"),
    "recipes.bert.header": (
        "{command}: stage {stage}{quick}",
        "{command}：阶段 {stage}{quick}"),

    "recipes.what.turns": ("training turns", "轮训练对话"),
    # ---- recipes/sft.py: `dlfs train sft`
    "recipes.sft.family.add": ("add", "加法"),
    "recipes.sft.family.reverse": ("reverse", "倒序"),
    "recipes.sft.family.upper": ("upper", "大写"),
    "recipes.sft.family.date": ("date", "日期"),
    "recipes.sft.family.month": ("month", "月份"),
    "recipes.sft.accuracy": (
        "{overall:.1%} of {n} ({parts})",
        "{overall:.1%}，共 {n} 题（{parts}）"),
    "recipes.sft.pretrain_step": (
        "  pretrain step {step:>5}  train loss {train:.3f}  val loss {val:.3f}  {seconds:.0f}s",
        "  预训练第 {step:>5} 步  训练损失 {train:.3f}  验证损失 {val:.3f}  {seconds:.0f}s"),
    "recipes.sft.base_kind": (
        "--base {path} is a {kind!r} run; give a run of `dlfs train gpt`",
        "--base {path} 是 {kind!r} 运行；请给出 `dlfs train gpt` 的运行"),
    "recipes.sft.not_char": (
        "{where} uses a {kind} tokenizer; instruction tuning here needs a character one "
        "(train it with `dlfs train gpt --tokenizer char`)",
        "{where} 用的是 {kind} 分词器；这里的指令微调需要字符级分词器"
        "（用 `dlfs train gpt --tokenizer char` 训练）"),
    "recipes.sft.missing_chars": (
        "{where}: its vocabulary lacks characters the instructions use: {chars!r}; pre-train "
        "on a text that contains them (e.g. --pretrain-data help)",
        "{where}：它的词表缺少指令里用到的字符：{chars!r}；请在包含这些字符的文本上预训练"
        "（例如 `--pretrain-data help`）"),
    "recipes.sft.context": (
        "{where}: its context of {block_size} tokens is shorter than the longest instruction "
        "turn ({longest} tokens); give a --block-size of at least {longest}",
        "{where}：它的上下文只有 {block_size} 个词元，比最长的一轮指令（{longest} 个词元）短；"
        "请给至少 {longest} 的 --block-size"),
    "recipes.sft.next.once": ("ask it one question", "问它一个问题"),
    "recipes.sft.next.chat": ("ask it questions at a prompt", "在提示符下向它提问"),
    "recipes.sft.next.dpo": (
        "align it with DPO on its own answers",
        "用它自己的回答做 DPO 对齐"),
    "recipes.sft.next.curves": (
        "loss and held-out accuracy curves",
        "损失和留出准确率曲线"),
    "recipes.sft.header": (
        "{command}: instruction tuning of the capstone GPT{quick}",
        "{command}：对毕业项目的 GPT 做指令微调{quick}"),
    "recipes.sft.stage1": (
        "stage 1: pre-training the capstone GPT on {data!r} for {steps} steps into "
        "{out}/pretrain",
        "第 1 阶段：在 {data!r} 上预训练毕业项目的 GPT {steps} 步，存到 `{out}/pretrain`"),
    "recipes.sft.step": (
        "step {step:>5}  train loss {train:.3f}  held-out accuracy {acc}  {seconds:.0f}s",
        "第 {step:>5} 步  训练损失 {train:.3f}  留出准确率 {acc}  {seconds:.0f}s"),
    "recipes.sft.result": (
        "held-out exact-answer accuracy ({n} questions never trained on): pre-trained only "
        "{before:.1%}, after SFT {after:.1%}; SFT took {seconds:.0f}s",
        "留出集答案完全正确率（{n} 道从未训练过的题）：只预训练 {before:.1%}，SFT 之后 "
        "{after:.1%}；SFT 用时 {seconds:.0f}s"),
    "recipes.sft.example": (
        "  Q: {prompt}  A: {answer!r}  (expected {expected!r})",
        "  问：{prompt}  答：{answer!r}（应为 {expected!r}）"),

    # ---- recipes/dpo.py: `dlfs train dpo`
    "recipes.dpo.pairs_damaged": (
        "--resume: {path} is damaged ({exc}); train a new run",
        "--resume：{path} 已损坏（{exc}）；请训练一个新的运行"),
    "recipes.dpo.no_pairs": (
        "no preference pairs: among {samples} samples of each of the {n} DPO questions, none "
        "had both a right and a wrong answer (the SFT model is always right, or always wrong: "
        "give --gold-fallback, more --samples, or a higher --temperature)",
        "没有偏好对：{n} 道 DPO 题各采样 {samples} 次，没有一道题既有对的回答又有错的回答"
        "（SFT 模型总是对，或总是错：请加 --gold-fallback、增大 --samples，或调高 "
        "--temperature）"),
    "recipes.dpo.same_out": (
        "--out {out} is the SFT run itself; give another directory (default runs/dpo)",
        "--out {out} 就是 SFT 运行本身；请换一个目录（默认 runs/dpo）"),
    "recipes.dpo.next.ask": ("ask the aligned model", "问问对齐后的模型"),
    "recipes.dpo.next.curves": (
        "rewards, margin, accuracy curves",
        "奖励、间隔和准确率曲线"),
    "recipes.dpo.next.lesson": ("DPO, step by step", "一步步讲解 DPO"),
    "recipes.dpo.header": (
        "{command}: DPO of the SFT run {from_dir} on its own answers{quick}",
        "{command}：用 SFT 运行 {from_dir} 自己的回答做 DPO{quick}"),
    "recipes.dpo.step": (
        "step {step:>5}  DPO loss {loss:.4f}  held-out accuracy {acc}  {seconds:.0f}s",
        "第 {step:>5} 步  DPO 损失 {loss:.4f}  留出准确率 {acc}  {seconds:.0f}s"),
    "recipes.dpo.pairs": (
        "{n} preference pairs ({sampled} with a sampled right answer); DPO took {seconds:.0f}s",
        "{n} 个偏好对（其中 {sampled} 个的正确回答是采样得到的）；DPO 用时 {seconds:.0f}s"),
    "recipes.dpo.pretrained_only": (
        "pre-trained only {accuracy:.1%}, ",
        "只预训练 {accuracy:.1%}，"),
    "recipes.dpo.accuracy": (
        "held-out exact-answer accuracy ({n} questions): {pre}SFT {sft:.1%}, DPO {dpo:.1%}",
        "留出集答案完全正确率（{n} 道题）：{pre}SFT {sft:.1%}，DPO {dpo:.1%}"),
    "recipes.dpo.margin": (
        "reward margin {margin:.3f} (chosen ahead in {won:.0%} of the pairs); KL(DPO || SFT) "
        "{kl:.4f} nats per held-out answer",
        "奖励间隔 {margin:.3f}（{won:.0%} 的偏好对中被选回答领先）；KL(DPO || SFT) 每个留出回答 "
        "{kl:.4f} nats"),

    "recipes.finetune.no_head": (
        "finetune: {arch!r} has no single Linear head to replace; choose one of {heads}",
        "`finetune`：{arch!r} 没有可替换的单个 Linear 输出头；请从 {heads} 中选一个"),
    "recipes.gpt.shapes": (
        "Every tensor of one forward pass (batch 2):",
        "一次前向计算中的每个张量（批量 2）："),

    # ---- details of a NaN/Inf stop (the trainer's message frames them)
    "recipes.gan.who.critic": ("critic", "判别器"),
    "recipes.gan.who.generator": ("generator", "生成器"),
    "recipes.gan.nan_loss": ("the {who} loss is {value}", "{who}的损失为 {value}"),
    "recipes.gan.nan_grad": ("the {who}'s {name}.grad", "{who}的 `{name}.grad`"),
    "recipes.gan.nan_weight": (
        "the {who}'s {name} at lr {lr:g}",
        "{who}的 {name}（学习率 {lr:g}）"),
    "recipes.titanic.nan_loss": ("loss {value}", "损失 {value}"),
    "recipes.titanic.nan_grad": ("a gradient holds NaN/Inf", "有梯度含 NaN/Inf"),
    "recipes.vae.nan_eval": (
        "the held-out loss is {value} although the weights are finite (too large for a "
        "forward pass?)",
        "权重都是有限值，留出集损失却为 {value}（权重大到前向计算溢出了？）"),

    # ---- `dlfs train/sample/caption/chat --help` (recipes/cli.py, registry.py, options.py);
    #      the options' own help texts are the fields' "help" / "help_zh" metadata
    "recipes.help.option.on_by_default": (" (on by default; this flag turns it off)",
                                          "（默认开启；此选项将其关闭）"),
    "recipes.help.option.default": (" (default: {value})", "（默认：{value}）"),
    "recipes.help.option.default_or_none": (" (default: {value}; 'none' turns it off)",
                                            "（默认：{value}；`none` 表示关闭）"),
    "recipes.help.option.quick": (" [--quick: {value}]", " [--quick：{value}]"),
    "recipes.help.value.on": ("on", "开"),
    "recipes.help.value.off": ("off", "关"),
    # a recipe's one line (English: RecipeEntry.help, which a test keeps equal)
    "recipes.help.recipe.gpt": (
        "the capstone: the from-scratch GPT on a text corpus, then a sample",
        "毕业项目：在文本语料上训练从零实现的 GPT，最后采样一段"),
    "recipes.help.recipe.charrnn": ("character-level RNN / LSTM / GRU language models",
                                    "字符级 RNN / LSTM / GRU 语言模型"),
    "recipes.help.recipe.transformer": (
        "the encoder-decoder Transformer on dates, sort or copy",
        "编码器-解码器 Transformer，任务为日期转换、排序或复制"),
    "recipes.help.recipe.mnist": ("the documented CNN on the four MNIST IDX files",
                                  "文档中讲解的 CNN，数据为四个 MNIST IDX 文件"),
    "recipes.help.recipe.finetune": (
        "transfer learning: a frozen zoo CNN backbone, a new head",
        "迁移学习：冻结的模型库 CNN 骨干网络，加一个新分类头"),
    "recipes.help.recipe.kaggle-digits": (
        "Kaggle's Digit Recognizer: CSVs in, k-fold LeNet-5, submission.csv out",
        "Kaggle 的 Digit Recognizer：读入 CSV，k 折训练 LeNet-5，输出 submission.csv"),
    "recipes.help.recipe.kaggle-titanic": (
        "Kaggle's Titanic: engineered features, stratified k-fold logistic regression / MLP, "
        "submission.csv out",
        "Kaggle 的 Titanic：特征工程，分层 k 折逻辑回归 / MLP，输出 submission.csv"),
    "recipes.help.recipe.vae": (
        "a convolutional VAE on the digits (beta as an option), then a sample grid",
        "数字图像上的卷积 VAE（`beta` 可调），最后生成一张样本网格"),
    "recipes.help.recipe.ddpm": (
        "a DDPM with a small U-Net, classifier-free guidance and DDIM sampling, on the digits",
        "数字图像上的 DDPM：小型 U-Net、无分类器引导和 DDIM 采样"),
    "recipes.help.recipe.gan": ("a DCGAN on the digits, non-saturating or WGAN-GP loss",
                                "数字图像上的 DCGAN，用非饱和损失或 WGAN-GP 损失"),
    "recipes.help.recipe.clip": (
        "a CLIP-style dual encoder on digits with English and Chinese captions; zero-shot "
        "accuracy",
        "CLIP 式双编码器，数字图像配中英文描述；报告零样本准确率"),
    "recipes.help.recipe.captioner": (
        "a frozen GPT captions digits through a trained Q-Former (a miniature BLIP-2)",
        "冻结的 GPT 借助训练好的 Q-Former 为数字图像生成描述（迷你版 BLIP-2）"),
    "recipes.help.recipe.vit": (
        "a Vision Transformer on the digits, beside a CNN of similar size",
        "数字图像上的视觉 Transformer（ViT），与一个大小相近的 CNN 对照"),
    "recipes.help.recipe.bert": (
        "BERT: masked-language-model pre-training, then fine-tuning a classifier (compared "
        "with training from scratch)",
        "BERT：先做掩码语言模型预训练，再微调一个分类器（与从零训练对比）"),
    "recipes.help.recipe.sft": (
        "instruction tuning of the capstone GPT on offline instructions, with a chat template",
        "在离线指令数据上对毕业项目的 GPT 做指令微调，使用对话模板"),
    "recipes.help.recipe.dpo": (
        "DPO on preference pairs ranked by a verifiable rule, from an SFT run",
        "从一次 SFT 运行出发，在按可验证规则排序的偏好对上做 DPO"),
    # dlfs train
    "recipes.help.train": ("train a model (the capstone: `dlfs train gpt`)",
                           "训练一个模型（毕业项目：`dlfs train gpt`）"),
    "recipes.help.train.description": (
        "Train a model with one of the recipes:\n\n{listing}\n\n`dlfs train RECIPE --help` "
        "lists the recipe's options and their defaults.",
        "用下列配方之一训练模型：\n\n{listing}\n\n`dlfs train RECIPE --help` 列出该配方的"
        "选项及其默认值。"),
    "recipes.help.train.recipe": ("what to train: {names}", "要训练什么：{names}"),
    "recipes.help.train.options": ("the recipe's options (see `dlfs train RECIPE --help`)",
                                   "配方的选项（见 `dlfs train RECIPE --help`）"),
    # dlfs train <recipe> (registry.recipe_parser)
    "recipes.help.parser.description": ("Train {what}.", "{what}。"),
    "recipes.help.parser.epilog": ("Every option sets the recipe field of the same name ({cls}).",
                                   "每个选项设置配方中同名的字段（{cls}）。"),
    "recipes.help.parser.quick": ("a seconds-long smoke run: {preset}",
                                  "几秒钟的冒烟运行：{preset}"),
    # dlfs sample
    "recipes.help.sample": ("sample text from a GPT run, or images from a vae/ddpm/gan run",
                            "从 GPT 运行中采样文本，或从 vae/ddpm/gan 运行中采样图像"),
    "recipes.help.sample.description": (
        "Continue a prompt with a run of `dlfs train gpt`, or draw a grid of images from a run "
        "of `dlfs train vae|ddpm|gan` (its directory, or a checkpoint file inside it).",
        "用 `dlfs train gpt` 的运行续写提示词，或用 `dlfs train vae|ddpm|gan` 的运行画一张图像"
        "网格（给出运行目录，或其中的检查点文件）。"),
    "recipes.help.sample.run": ("run directory or checkpoint file (default: 'runs/gpt')",
                                "运行目录或检查点文件（默认：`runs/gpt`）"),
    "recipes.help.sample.images": ("image runs (vae, ddpm, gan)",
                                   "图像运行（`vae`、`ddpm`、`gan`）"),
    "recipes.help.sample.n_images": ("how many images (default 64); their quality is printed",
                                     "图像张数（默认 64）；会打印它们的质量"),
    "recipes.help.sample.digit": ("the digit to draw (the class-conditional DDPM, guided)",
                                  "要画的数字（类别条件 DDPM，带引导）"),
    "recipes.help.sample.steps": ("DDPM sampling steps (fewer than training's T: DDIM)",
                                  "DDPM 采样步数（少于训练时的 T 步则用 DDIM）"),
    "recipes.help.sample.grid": (
        "where to write the grid (default: <run>/sample.png, or <run>/sample-digit7.png with "
        "--digit 7)",
        "网格图的写入位置（默认：`<run>/sample.png`；给了 --digit 7 时为 "
        "`<run>/sample-digit7.png`）"),
    # dlfs caption
    "recipes.help.caption": ("caption a held-out digit image with a captioner run",
                             "用 `captioner` 运行为一张留出的数字图像生成描述"),
    "recipes.help.caption.description": (
        "Write the caption of one held-out digit image with a run of `dlfs train captioner` "
        "(a frozen GPT prompted by a trained Q-Former).",
        "用 `dlfs train captioner` 的运行为一张留出的数字图像写出描述（由训练好的 Q-Former "
        "提示一个冻结的 GPT）。"),
    "recipes.help.caption.run": ("run directory (default: 'runs/captioner')",
                                 "运行目录（默认：`runs/captioner`）"),
    "recipes.help.caption.index": (
        "which held-out image (0-based index into the 359 test images)",
        "哪一张留出图像（在 359 张测试图像中的下标，从 0 开始）"),
    "recipes.help.caption.split": ("the images to index (default: the held-out test split)",
                                   "下标所指的图像集（默认：留出的测试集）"),
    # dlfs chat
    "recipes.help.chat": ("talk to an instruction-tuned GPT (dlfs train sft / dpo)",
                          "与指令微调过的 GPT 对话（`dlfs train sft` / `dpo`）"),
    "recipes.help.chat.description": (
        "Ask an instruction-tuned run questions: one with --once, or type them at the prompt "
        "(an empty line or Ctrl-D ends).",
        "向指令微调过的运行提问：用 --once 问一个问题，或在提示符下逐个输入（空行或 Ctrl-D "
        "结束）。"),
    "recipes.help.chat.run": (
        "run directory of `dlfs train sft` or `dlfs train dpo` (default: 'runs/sft')",
        "`dlfs train sft` 或 `dlfs train dpo` 的运行目录（默认：`runs/sft`）"),
    "recipes.help.chat.once": ("answer this one question and exit (for scripts and tests)",
                               "回答这一个问题后退出（供脚本和测试使用）"),
}
