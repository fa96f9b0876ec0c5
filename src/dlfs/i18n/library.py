"""Messages of the library area (the errors of ``dlfs.nn``, ``dlfs.data``, ``dlfs.tensors``,
``dlfs.autograd``, the models and the sandbox; the ``dlfs doctor`` report; what the playground
prints): key → (English, Chinese). See :mod:`dlfs.i18n`."""

#: Names a Chinese message of this area may keep (libraries, formats, data columns,
#: functions, operating systems).
LATIN_OK = frozenset("""
    NumPy Netpbm Pillow CIFAR PassengerId Survived BLAS MKL oneDNN MPS GiB MiB Linux macOS
    POSIX bubblewrap bwrap gzip pickle DataLoader einsum gradcheck matmul GELU
""".split())

MESSAGES: dict[str, tuple[str, str]] = {
    # -- losses (dlfs.nn.functional)
    "library.loss.reduction": (
        "{reduction!r} is not a valid value for reduction (use 'none', 'mean' or 'sum')",
        "{reduction!r} 不是 `reduction` 的有效取值（可用 `'none'`、`'mean'` 或 `'sum'`）"),
    "library.loss.broadcast_warning": (
        "{name}: target shape {target} differs from input shape {input}; they will broadcast, "
        "which is rarely intended.",
        "{name}：目标形状 {target} 与输入形状 {input} 不同；二者会被广播，这通常不是你想要的。"),
    "library.loss.class_target_dtype": (
        "class-index targets must be int64 (torch.long), got {dtype}; use target.long(), or "
        "pass class probabilities with the same shape as the input",
        "类别索引形式的目标必须是 `int64`（torch.long），实际为 {dtype}；请用 `target.long()`，"
        "或者传入与输入形状相同的类别概率"),
    "library.loss.class_target_shape": (
        "input of shape {input} (classes on dim {class_dim}) needs a target of shape "
        "{expected}, got {got}",
        "形状为 {input} 的输入（类别在第 {class_dim} 维）需要形状为 {expected} 的目标，"
        "实际为 {got}"),
    "library.loss.target_out_of_bounds": (
        "Target {target} is out of bounds: class indices must lie in [0, {top}] (or equal "
        "ignore_index={ignore_index})",
        "目标 {target} 越界：类别索引必须在 [0, {top}] 内（或等于 ignore_index={ignore_index}）"),
    "library.loss.label_smoothing": (
        "label_smoothing must be between 0.0 and 1.0, got {value}",
        "label_smoothing 必须在 0.0 到 1.0 之间，实际为 {value}"),
    "library.loss.prob_target_dtype": (
        "a target with the input's shape {shape} is read as class probabilities and must be "
        "floating point, got {dtype}",
        "与输入同形（{shape}）的目标会被当作类别概率，必须是浮点类型，实际为 {dtype}"),
    "library.loss.temperature_tensor": (
        "{name}: temperature must be a number or a 0-D tensor, got a tensor of shape {shape}",
        "{name}：`temperature` 必须是一个数或 0 维张量，实际是形状为 {shape} 的张量"),
    "library.loss.temperature": (
        "{name}: temperature must be > 0, got {temperature!r}",
        "{name}：`temperature` 必须 > 0，实际为 {temperature!r}"),
    "library.loss.embeddings_2d": (
        "{fn}: {name} must be a 2-D tensor (rows, D), got {got}",
        "{fn}：{name} 必须是形状为 (行数, D) 的二维张量，实际为 {got}"),
    "library.loss.embeddings_size": (
        "{fn}: {a} {a_shape} and {b} {b_shape} must have the same embedding size D",
        "{fn}：{a} {a_shape} 与 {b} {b_shape} 的嵌入维度 D 必须相同"),
    "library.loss.embeddings_dtype": (
        "{fn}: {a} is {a_dtype} but {b} is {b_dtype}",
        "{fn}：{a} 是 {a_dtype}，而 {b} 是 {b_dtype}"),
    "library.loss.info_nce_rows": (
        "info_nce: key must have at least as many rows as query (key i is the positive of "
        "query i), got query {query} and key {key}",
        "info_nce：`key` 的行数不能少于 `query`（`key` 的第 i 行是 `query` 第 i 行的正样本），"
        "实际 `query` 为 {query}，`key` 为 {key}"),
    "library.loss.info_nce_symmetric": (
        "info_nce: symmetric=True pairs query i with key i both ways, so query {query} and "
        "key {key} need the same number of rows",
        "info_nce：`symmetric=True` 会双向配对 `query` 与 `key` 的第 i 行，所以 `query` {query} "
        "和 `key` {key} 的行数必须相同"),
    "library.loss.nt_xent_shapes": (
        "nt_xent: z1 {z1} and z2 {z2} must have the same shape (two views of the same N "
        "examples)",
        "nt_xent：z1 {z1} 和 z2 {z2} 的形状必须相同（同一批 N 个样本的两个视图）"),
    "library.loss.distill_student": (
        "distillation_loss: student_logits must be (B, C), got shape {shape}",
        "distillation_loss：student_logits 的形状必须是 (B, C)，实际为 {shape}"),
    "library.loss.distill_teacher": (
        "distillation_loss: teacher_logits {teacher} must have the shape of student_logits "
        "{student} (same batch, same classes)",
        "distillation_loss：teacher_logits {teacher} 必须与 student_logits {student} 形状相同"
        "（批大小和类别数都一样）"),
    "library.loss.distill_temperature": (
        "distillation_loss: temperature T must be a number > 0, got {T!r}",
        "distillation_loss：温度 T 必须是 > 0 的数，实际为 {T!r}"),
    "library.loss.distill_alpha": (
        "distillation_loss: alpha must be a number in [0, 1], got {alpha!r}",
        "distillation_loss：`alpha` 必须是 [0, 1] 内的数，实际为 {alpha!r}"),
    "library.loss.distill_target": (
        "distillation_loss: target is needed when alpha < 1 (the hard-label term has weight "
        "1 - alpha = {weight:g})",
        "distillation_loss：`alpha` < 1 时需要 `target`（硬标签项的权重为 `1 - alpha` = "
        "{weight:g}）"),
    "library.loss.focal_gamma": (
        "{name}: gamma must be a number >= 0 (0 gives the cross-entropy), got {gamma!r}",
        "{name}：`gamma` 必须是 >= 0 的数（取 0 即为交叉熵），实际为 {gamma!r}"),
    "library.loss.focal_sigmoid_alpha": (
        "sigmoid_focal_loss: alpha weighs the positive class and must lie in [0, 1] (or be "
        "None / negative to switch it off), got {alpha}",
        "sigmoid_focal_loss：`alpha` 是正类的权重，必须在 [0, 1] 内（设为 `None` 或负数即关闭），"
        "实际为 {alpha}"),
    "library.loss.focal_alpha_shape": (
        "focal_loss: alpha holds one weight per class and must have shape ({n},), got {shape}",
        "focal_loss：`alpha` 为每个类别给一个权重，形状必须是 ({n},)，实际为 {shape}"),
    "library.loss.smooth_l1_beta": (
        "smooth_l1_loss does not support negative values for beta, got {beta}",
        "smooth_l1_loss 的 `beta` 不能为负，实际为 {beta}"),
    "library.loss.huber_delta": (
        "huber_loss does not support non-positive values for delta, got {delta}",
        "huber_loss 的 `delta` 必须为正，实际为 {delta}"),
    "library.loss.binary_target_dtype": (
        "{name}: targets must be floating point (0./1. or probabilities), got {dtype}; use "
        "target.float()",
        "{name}：目标必须是浮点类型（0./1. 或概率），实际为 {dtype}；请用 `target.float()`"),
    "library.loss.binary_target_shape": (
        "{name}: target shape {target} must equal input shape {input} (e.g. logits (B, 1) "
        "need targets (B, 1), or squeeze the logits to (B,))",
        "{name}：目标形状 {target} 必须与输入形状 {input} 相同（例如 `logits` 为 (B, 1) 时"
        "目标也要是 (B, 1)，或者把 `logits` 压缩成 (B,)）"),
    "library.loss.bce_range": (
        "binary_cross_entropy: all elements of input should be between 0 and 1 (did you pass "
        "logits? use binary_cross_entropy_with_logits)",
        "binary_cross_entropy：输入的所有元素都应在 0 到 1 之间（是不是传入了 `logits`？"
        "请改用 binary_cross_entropy_with_logits）"),
    "library.loss.triplet_dims": (
        "triplet_margin_loss: anchor, positive and negative must all be 1-D (D,) or 2-D (B, D), "
        "got {a}-D, {p}-D and {n}-D",
        "triplet_margin_loss：`anchor`、`positive` 和 `negative` 都必须是一维 (D,) 或二维 (B, D)，"
        "实际分别为 {a} 维、{p} 维和 {n} 维"),
    "library.loss.cosine_shapes": (
        "cosine_embedding_loss: expected inputs (B, D) with target (B,) or inputs (D,) with a "
        "0-D target, got {input1}, {input2} and {target}",
        "cosine_embedding_loss：输入应为 (B, D) 且目标为 (B,)，或输入为 (D,) 且目标为 0 维，"
        "实际为 {input1}、{input2} 和 {target}"),
    "library.loss.mining_embeddings": (
        "batch-hard mining needs embeddings of shape (B, D), got {shape}",
        "batch-hard 挖掘需要形状为 (B, D) 的嵌入，实际为 {shape}"),
    "library.loss.mining_labels_shape": (
        "labels must have shape ({n},) (one per embedding row), got {shape}",
        "`labels` 的形状必须是 ({n},)（每行嵌入一个标签），实际为 {shape}"),
    "library.loss.mining_labels_dtype": (
        "labels must be integer class ids, got {dtype}",
        "`labels` 必须是整数类别 id，实际为 {dtype}"),
    "library.loss.batch_hard_margin": (
        "batch_hard_triplet_loss: margin must be >= 0, got {margin}",
        "batch_hard_triplet_loss：`margin` 必须 >= 0，实际为 {margin}"),
    "library.loss.batch_hard_none": (
        "batch_hard_triplet_loss: no anchor in the batch has both a positive (another example "
        "of its class) and a negative; sample batches of P classes x K >= 2 examples (labels "
        "seen: {seen})",
        "batch_hard_triplet_loss：这一批里没有哪个锚点同时有正样本（同类的另一个样本）和负样本；"
        "请按 P 个类别 × 每类 K >= 2 个样本来采样批次（见到的标签：{seen}）"),
    "library.loss.triplet_module_margin": (
        "TripletMarginLoss: expected margin > 0, got {margin}",
        "`TripletMarginLoss`：`margin` 应 > 0，实际为 {margin}"),
    # -- recurrent layers and positions (dlfs.nn)
    "library.positional.too_long": (
        "{who}: positions {first}..{last} do not fit max_len={max_len}; build it with a larger "
        "max_len",
        "{who}：位置 {first}..{last} 超出了 max_len={max_len}；请用更大的 max_len 构建它"),
    "library.rnn.hx_dims_batched": (
        "{mode}: for batched 3-D input, hx should be 3-D, got {got}-D",
        "{mode}：输入是带批次的三维张量时，`hx` 应为三维，实际为 {got} 维"),
    "library.rnn.hx_dims_unbatched": (
        "{mode}: for unbatched 2-D input, hx should be 2-D, got {got}-D",
        "{mode}：输入是不带批次的二维张量时，`hx` 应为二维，实际为 {got} 维"),
    "library.rnn.hx_shape": (
        "{mode}: expected hidden size {expected}, got {got}",
        "{mode}：隐藏状态的形状应为 {expected}，实际为 {got}"),
    "library.rnn.input_dims": (
        "{mode}: expected 2-D (unbatched) or 3-D input, got {got}-D",
        "{mode}：输入应为二维（不带批次）或三维，实际为 {got} 维"),
    "library.rnn.input_size": (
        "{mode}: input.size(-1) must be equal to input_size. Expected {expected}, got {got}",
        "{mode}：input.size(-1) 必须等于 input_size。应为 {expected}，实际为 {got}"),
    "library.rnn.cell_input_dims": (
        "{cell}: expected input to be 1-D or 2-D, got {got}-D",
        "{cell}：输入应为一维或二维，实际为 {got} 维"),
    "library.rnn.cell_hx_dims": (
        "{cell}: hx must have as many dimensions as the input ({dims})",
        "{cell}：`hx` 的维数必须与输入相同（{dims}）"),
    # -- data files (dlfs.data): "{path}: {where}: expected {expected}, found {found}"
    "library.data.format": ("{path}: {where}: expected {expected}",
                            "{path}：{where}：应为{expected}"),
    "library.data.found": (", found {found}", "，实际为{found}"),
    "library.data.at.byte": ("byte {n}", "第 {n} 字节"),
    "library.data.submission_rows": ("<submission rows>", "<提交的记录>"),
    "library.data.at.line": ("line {n}", "第 {n} 行"),
    "library.data.at.header_line": ("line 1 (header)", "第 1 行（表头）"),
    "library.data.at.line_byte": ("line {line}, byte {byte}", "第 {line} 行，第 {byte} 字节"),
    "library.data.at.cell": ("line {line}, column {column} ({name!r})",
                             "第 {line} 行第 {column} 列（{name!r}）"),
    "library.data.at.row": ("row {n}", "第 {n} 条"),
    "library.data.at.row_cell": ("row {line}, column {column} ({name!r})",
                                 "第 {line} 条第 {column} 列（{name!r}）"),
    "library.data.at.header": ("header", "文件头"),
    "library.data.at.directory": ("directory", "目录"),
    "library.data.at.path": ("path", "路径"),
    "library.data.at.file": ("file", "文件"),
    "library.data.at.whole_file": ("whole file", "整个文件"),
    "library.data.at.all_rows": ("all rows", "所有记录"),
    "library.data.at.gzip": ("gzip stream", "gzip 数据流"),
    "library.data.at.pickle": ("pickle stream", "pickle 数据流"),
    "library.data.at.top": ("top level", "顶层"),
    "library.data.at.dict_keys": ("dict keys", "字典的键"),
    "library.data.at.class_folder": ("class folder", "类别文件夹"),
    "library.data.at.extension": ("extension", "扩展名"),
    "library.data.want.gzip": ("a complete gzip file", "完整的 gzip 文件"),
    "library.data.want.idx_header": ("a 4-byte IDX header", "4 字节的 IDX 文件头"),
    "library.data.want.idx_magic": ("magic bytes 0x00 0x00 (an IDX file)",
                                    "魔数 0x00 0x00（IDX 文件）"),
    "library.data.want.idx_type": ("a type code in {codes}", "以下类型码之一：{codes}"),
    "library.data.want.idx_dims": ("{ndim} dimension sizes ({n} bytes)",
                                   "{ndim} 个维度大小（{n} 字节）"),
    "library.data.want.idx_data": ("{n} data bytes for shape {shape} of {dtype}",
                                   "{n} 字节数据（形状 {shape}，类型 {dtype}）"),
    "library.data.want.column": ("a column named {name!r}", "名为 {name!r} 的列"),
    "library.data.want.number_or_empty": ("a number or an empty field", "数字或空字段"),
    "library.data.want.utf8": ("UTF-8 text", "UTF-8 文本"),
    "library.data.want.header_row": ("a header row", "表头行"),
    "library.data.want.fields": ("{n} fields (as in the header)", "{n} 个字段（与表头一致）"),
    "library.data.want.csv": ("well-formed CSV", "格式正确的 CSV"),
    "library.data.want.target": ("a target value", "目标值"),
    "library.data.want.header_field": ("the header field {field}", "文件头字段 {field}"),
    "library.data.want.netpbm_magic": ("a Netpbm magic P2, P3, P5 or P6",
                                       "Netpbm 魔数 P2、P3、P5 或 P6"),
    "library.data.want.positive_int": ("a positive integer", "正整数"),
    "library.data.want.maxval": ("maxval between 1 and 65535", "介于 1 和 65535 之间的 `maxval`"),
    "library.data.want.pixel_bytes": ("{n} pixel bytes for {size}", "{n} 个像素字节（{size}）"),
    "library.data.want.pixel_values": ("{n} pixel values", "{n} 个像素值"),
    "library.data.want.pillow": ("Pillow installed to read {ext}", "已安装 Pillow 以读取 {ext}"),
    "library.data.want.one_of": ("one of {choices}", "以下之一：{choices}"),
    "library.data.want.class_dirs": ("a directory with one folder per class",
                                     "每个类别一个文件夹的目录"),
    "library.data.want.class_subfolders": ("one sub-folder per class", "每个类别一个子文件夹"),
    "library.data.want.one_image": ("at least one image ({extensions})",
                                    "至少一张图片（{extensions}）"),
    "library.data.want.image_dir": ("a folder of images", "图片文件夹"),
    "library.data.want.label_file": ("the label file of {image}", "{image} 的标签文件"),
    "library.data.want.cifar_pickle": ("a CIFAR-10 python pickle",
                                       "CIFAR-10 的 Python pickle 文件"),
    "library.data.want.dict": ("a dict", "字典"),
    "library.data.want.int_list": ("a list of ints", "整数列表"),
    "library.data.want.class_index": ("a class index 0..9", "0..9 的类别索引"),
    "library.data.want.key": ("key {key!r}", "键 {key!r}"),
    "library.data.want.cifar_data": ("a uint8 array of shape (N, 3072)",
                                     "形状为 (N, 3072) 的 `uint8` 数组"),
    "library.data.want.n_labels": ("{n} labels", "{n} 个标签"),
    "library.data.want.name_list": ("a list of names", "名称列表"),
    "library.data.want.utf8_names": ("UTF-8 names", "UTF-8 名称"),
    "library.data.want.mnist_images": ("images (N, H, W) matching {labels}",
                                       "与 {labels} 相匹配的图像 (N, H, W)"),
    "library.data.want.all_of": ("all of {names}", "全部文件：{names}"),
    "library.data.want.digit_columns": ("label and 784 pixel columns",
                                        "`label` 列和 784 个像素列"),
    "library.data.want.two_files": ("{a} and {b}", "{a} 和 {b}"),
    "library.data.want.cifar_files": ("data_batch_1..5 and test_batch (the python version)",
                                      "data_batch_1..5 和 test_batch（Python 版本）"),
    "library.data.want.ants_bees": ("ants/ and bees/ (or ants_image/ + ants_label/ ...)",
                                    "`ants/` 和 `bees/`（或 `ants_image/` + `ants_label/` ……）"),
    "library.data.want.whole_number": ("a whole number", "非负整数"),
    "library.data.want.zero_or_one": ("0 or 1", "0 或 1"),
    "library.data.want.pclass": ("1, 2 or 3", "1、2 或 3"),
    "library.data.want.sex": ("'male' or 'female'", "`'male'` 或 `'female'`"),
    "library.data.want.embarked": ("C, Q, S or an empty field", "C、Q、S 或空字段"),
    "library.data.want.columns": ("the {n} columns {columns}", "这 {n} 列：{columns}"),
    "library.data.want.new_id": ("a PassengerId not used before", "之前没用过的 PassengerId"),
    "library.data.want.titanic_pair": ("train.csv and test.csv side by side",
                                       "train.csv 和 test.csv 放在同一目录"),
    "library.data.want.submission_header_row": ("a header row PassengerId,Survived",
                                                 "表头行 PassengerId,Survived"),
    "library.data.want.submission_header": ("the header PassengerId,Survived",
                                            "表头 PassengerId,Survived"),
    "library.data.want.row_per_passenger": ("one row per test passenger",
                                            "每位测试集乘客一行"),
    "library.data.want.submission_keys": ("keys PassengerId and Survived",
                                          "键 PassengerId 和 Survived"),
    "library.data.want.two_values": ("2 values (PassengerId, Survived)",
                                     "2 个值（PassengerId, Survived）"),
    "library.data.want.int_id": ("an integer PassengerId", "整数 PassengerId"),
    "library.data.want.test_id": ("a test-set PassengerId ({lo}..{hi})",
                                  "测试集中的 PassengerId（{lo}..{hi}）"),
    "library.data.want.id_once": ("each PassengerId once", "每个 PassengerId 只出现一次"),
    "library.data.want.all_ids": ("all {n} test PassengerIds", "全部 {n} 个测试集 PassengerId"),
    "library.data.got.damaged": ("a damaged one ({error})", "已损坏的文件（{error}）"),
    "library.data.got.bytes": ("{n} bytes", "{n} 字节"),
    "library.data.got.columns": ("columns {columns}", "列 {columns}"),
    "library.data.got.not_utf8": ("{bytes!r}, which is not UTF-8 (save the file as UTF-8)",
                                  "{bytes!r}，不是 UTF-8（请把文件另存为 UTF-8）"),
    "library.data.got.empty_file": ("an empty file", "空文件"),
    "library.data.got.empty_field": ("an empty field", "空字段"),
    "library.data.got.eof": ("end of file", "文件结尾"),
    "library.data.got.no_pillow": ("no Pillow (use .npy, .pgm or .ppm files instead)",
                                   "没有 Pillow（请改用 `.npy`、`.pgm` 或 `.ppm` 文件）"),
    "library.data.got.no_dir": ("no such directory", "目录不存在"),
    "library.data.got.none": ("none", "一个也没有"),
    "library.data.got.no_label_file": ("no such file (run generate_labels?)",
                                       "文件不存在（要先运行 generate_labels 吗？）"),
    "library.data.got.unreadable": ("an unreadable one ({kind}: {error})",
                                    "无法读取的文件（{kind}: {error}）"),
    "library.data.got.keys": ("keys {keys}", "键 {keys}"),
    "library.data.got.two_shapes": ("{images} and {labels}", "{images} 和 {labels}"),
    "library.data.got.missing": ("missing {names}", "缺少 {names}"),
    "library.data.got.pixel_columns": ("{n} pixel columns", "{n} 个像素列"),
    "library.data.got.id_seen": ("{id}, already on line {line}", "{id}，第 {line} 行已出现过"),
    "library.data.got.titanic_one": (
        "only the other one (add it, or remove both to use the shipped copies)",
        "只有另一个文件（请补上它，或者两个都删掉以使用随包文件）"),
    "library.data.got.header_only": ("a header and no rows", "只有表头，没有数据行"),
    "library.data.got.no_key": ("no {key}", "没有 {key}"),
    "library.data.got.no_rows": ("no rows", "没有任何行"),
    "library.data.got.id_again": ("{id} again (first at {first})",
                                  "{id} 重复出现（第一次在 {first}）"),
    "library.data.got.ids_missing": ("{n} missing ({shown})", "缺少 {n} 个（{shown}）"),
    "library.data.stand_in": (
        "{name}: real files not found in {where} (expected {expected}); using the embedded "
        "stand-in: {stand_in}. Put the files there to run the real experiment.",
        "{name}：在 {where} 中没有找到真实数据文件（应为 {expected}）；改用内置的替代数据："
        "{stand_in}。把文件放到那里即可运行真实实验。"),
    "library.data.standin.digits_upscaled": ("scikit-learn digits upscaled to 28x28",
                                             "放大到 28x28 的 scikit-learn 手写数字"),
    "library.data.standin.digits": ("scikit-learn digits 28x28", "scikit-learn 手写数字 28x28"),
    "library.data.standin.shapes": ("synthetic shapes, 3 classes", "合成的几何图形，3 个类别"),
    "library.data.standin.ants_bees": ("synthetic circles as ants and squares as bees",
                                       "合成图形：圆形当蚂蚁，方形当蜜蜂"),
    # -- the DataLoader's workers
    "library.loader.worker_died": (
        "DataLoader worker {worker} exited unexpectedly (exit code {code}) while batch {batch} "
        "was pending; it may have been killed (out of memory?)",
        "DataLoader 的第 {worker} 号工作进程意外退出（退出码 {code}），当时第 {batch} 批尚未完成；"
        "它可能被杀掉了（内存不足？）"),
    "library.loader.timeout": (
        "DataLoader timed out after {timeout} s waiting for batch {batch}",
        "DataLoader 等待第 {batch} 批超时（{timeout} 秒）"),
    "library.loader.at_index": ("while loading dataset index {index}",
                                "（加载数据集第 {index} 项时）"),
    "library.loader.at_stage": ("in {stage}", "（在 {stage} 中）"),
    "library.loader.at_batch": (" (batch {batch} of epoch {epoch}, indices {indices})",
                                "（第 {epoch} 轮第 {batch} 批，索引 {indices}）"),
    "library.loader.worker_raised": (
        "DataLoader worker {worker} raised {exc} {what}{where}: {message}\n"
        "--- traceback in worker {worker} ---\n{traceback}",
        "DataLoader 的第 {worker} 号工作进程抛出 {exc}{what}{where}：{message}\n"
        "--- 第 {worker} 号工作进程中的调用栈 ---\n{traceback}"),
    # -- text corpora and tokenizers (dlfs.data.text)
    "library.corpus.describe": ("corpus {name!r}: {chars:,} characters, {distinct} distinct "
                                "({sizes})",
                                "语料 {name!r}：{chars:,} 个字符，{distinct} 种不同字符"
                                "（{sizes}）"),
    "library.corpus.split.train": ("train", "训练"),
    "library.corpus.split.val": ("val", "验证"),
    "library.corpus.split.test": ("test", "测试"),
    "library.corpus.list_sep": (", ", "，"),
    "library.corpus.is_dir": (
        "--data {path}: expected a UTF-8 text file or a built-in corpus ('help', 'stdlib'), "
        "found a directory",
        "--data {path}：应为 UTF-8 文本文件或内置语料（`'help'`、`'stdlib'`），实际是一个目录"),
    "library.corpus.missing": (
        "--data {path}: expected a UTF-8 text file or a built-in corpus ('help', 'stdlib'), "
        "but the file does not exist",
        "--data {path}：应为 UTF-8 文本文件或内置语料（`'help'`、`'stdlib'`），但该文件不存在"),
    "library.corpus.not_utf8": (
        "--data {path}: expected UTF-8 text, found bytes {bytes!r} at byte {at} that are not "
        "UTF-8 (save the file as UTF-8)",
        "--data {path}：应为 UTF-8 文本，但第 {at} 字节处的 {bytes!r} 不是 UTF-8"
        "（请把文件另存为 UTF-8）"),
    "library.corpus.too_short": (
        "--data {path}: only {n} characters; a language model needs at least a few thousand",
        "--data {path}：只有 {n} 个字符；语言模型至少需要几千个字符"),
    "library.tokenizer.unknown_type": ("unknown tokenizer type {kind!r}; expected one of {kinds}",
                                       "未知的分词器类型 {kind!r}；应为以下之一：{kinds}"),
    "library.tokenizer.unreadable": ("cannot read tokenizer file {path}: {error}",
                                     "无法读取分词器文件 {path}：{error}"),
    # -- the quality of generated digits (dlfs.generative)
    "library.quality.describe": (
        "digits-FD {fd:.2f} (real-vs-real floor {floor:.2f}, {ratio:.1f}x) on {n} samples; "
        "covers {coverage}/10 digits {histogram}",
        "`digits-FD` {fd:.2f}（真实对真实的下限 {floor:.2f}，{ratio:.1f} 倍），共 {n} 个样本；"
        "覆盖 {coverage}/10 个数字 {histogram}"),
    "library.quality.accuracy": ("; {accuracy:.1%} classified as the requested digit",
                                 "；{accuracy:.1%} 被识别为所要求的数字"),
    # -- broadcasting and einsum (dlfs.tensors)
    "library.broadcast.not_a_shape": (
        "broadcast_shape: argument {position} must be a shape (a tuple of ints), got {shape!r}",
        "broadcast_shape：第 {position} 个参数必须是形状（整数元组），实际为 {shape!r}"),
    "library.broadcast.negative": (
        "broadcast_shape: argument {position} has a negative size: {dims}",
        "broadcast_shape：第 {position} 个参数含有负的大小：{dims}"),
    "library.broadcast.and": ("{first} and {last}", "{first} 和 {last}"),
    "library.broadcast.mismatch": (
        "shapes {shapes} cannot be broadcast: dimension {dim} (the {ordinal} from the right) "
        "has sizes {sizes}; sizes must be equal or 1",
        "形状 {shapes} 无法广播：第 {dim} 维（{ordinal}）的大小分别为 {sizes}；"
        "各大小必须相等或为 1"),
    "library.broadcast.1st": ("1st", "从右数第 1 维"),
    "library.broadcast.2nd": ("2nd", "从右数第 2 维"),
    "library.broadcast.3rd": ("3rd", "从右数第 3 维"),
    "library.broadcast.nth": ("{k}th", "从右数第 {k} 维"),
    "library.broadcast.not_to": ("shape {shape} does not broadcast to {target}",
                                 "形状 {shape} 无法广播到 {target}"),
    "library.einsum.not_str": (
        "einsum: the equation must be a string like 'ij,jk->ik', got {kind}",
        "einsum：方程必须是类似 `'ij,jk->ik'` 的字符串，实际为 {kind}"),
    "library.einsum.ellipsis_in_parse": (
        "einsum: parse_equation needs letters only, got {equation!r}; einsum() itself "
        "rewrites '...' once it knows the shapes",
        "einsum：parse_equation 只接受字母，实际为 {equation!r}；`einsum()` 本身会在知道形状后"
        "改写 `'...'`"),
    "library.einsum.arrows": (
        "einsum: expected at most one '->' in the equation, got {equation!r}",
        "einsum：方程中最多只能有一个 `'->'`，实际为 {equation!r}"),
    "library.einsum.bad_char_left": (
        "einsum: unexpected character {ch!r} at position {pos} left of '->' in {equation!r}; "
        "expected letters a-z/A-Z, ',' between inputs and one '->'",
        "einsum：{equation!r} 中 `'->'` 左侧第 {pos} 个位置出现了意外的字符 {ch!r}；"
        "只能是字母 a-z/A-Z、输入之间的 `','` 和一个 `'->'`"),
    "library.einsum.bad_char_right": (
        "einsum: unexpected character {ch!r} at position {pos} right of '->' in {equation!r}; "
        "expected letters a-z/A-Z, ',' between inputs and one '->'",
        "einsum：{equation!r} 中 `'->'` 右侧第 {pos} 个位置出现了意外的字符 {ch!r}；"
        "只能是字母 a-z/A-Z、输入之间的 `','` 和一个 `'->'`"),
    "library.einsum.output_repeated": (
        "einsum: output label {label!r} appears more than once in {equation!r}; each output "
        "letter must be unique",
        "einsum：输出标签 {label!r} 在 {equation!r} 中出现了不止一次；输出中的每个字母必须唯一"),
    "library.einsum.output_unknown": (
        "einsum: output label {label!r} in {equation!r} does not appear in any input; "
        "expected one of {awaited}",
        "einsum：{equation!r} 中的输出标签 {label!r} 没有出现在任何输入里；"
        "应为以下之一：{awaited}"),
    "library.einsum.count": (
        "einsum: equation {equation} has {terms} input term(s) but {operands} operand(s) were "
        "given",
        "einsum：方程 {equation} 有 {terms} 个输入项，但给了 {operands} 个操作数"),
    "library.einsum.dots": (
        "einsum: term {term!r} of {equation!r}: expected at most one '...' and no other dots",
        "einsum：{equation!r} 的输入项 {term!r}：最多只能有一个 `'...'`，且不能有其他点号"),
    "library.einsum.too_many_named": (
        "einsum: operand {i} has {ndim} dimension(s) but its subscript {term!r} names {named}",
        "einsum：第 {i} 个操作数有 {ndim} 个维度，但它的下标 {term!r} 命名了 {named} 个"),
    "library.einsum.no_letters": (
        "einsum: not enough unused letters to name the {n} dimensions behind '...' in "
        "{equation!r}",
        "einsum：没有足够的未用字母来命名 {equation!r} 中 `'...'` 所代表的 {n} 个维度"),
    "library.einsum.output_ellipsis": (
        "einsum: expected at most one '...' in the output of {equation!r}",
        "einsum：{equation!r} 的输出中最多只能有一个 `'...'`"),
    "library.einsum.dims_mismatch": (
        "einsum: operand {i} has {ndim} dimension(s) (shape {shape}) but its subscript {term!r} "
        "names {named}",
        "einsum：第 {i} 个操作数有 {ndim} 个维度（形状 {shape}），但它的下标 {term!r} "
        "命名了 {named} 个"),
    "library.einsum.repeated_in_operand": (
        "einsum: repeated label {label!r} in operand {i} needs equal sizes, got {sizes} (shape "
        "{shape})",
        "einsum：第 {i} 个操作数中重复的标签 {label!r} 要求大小相等，实际为 {sizes}"
        "（形状 {shape}）"),
    "library.einsum.size_clash": (
        "einsum: label {label!r} has size {known} in an earlier operand but size {size} in "
        "operand {i} (shape {shape}); sizes must match or be 1",
        "einsum：标签 {label!r} 在前面的操作数中大小为 {known}，在第 {i} 个操作数中却为 {size}"
        "（形状 {shape}）；大小必须相同或为 1"),
    "library.einsum.repeated_sizes": (
        "einsum: repeated label {label!r} needs equal sizes, got {a} and {b}",
        "einsum：重复的标签 {label!r} 要求大小相等，实际为 {a} 和 {b}"),
    "library.einsum.no_operands": (
        "einsum: expected at least one operand after the equation",
        "einsum：方程后面至少要有一个操作数"),
    "library.einsum.dtypes": (
        "einsum: operands must share one dtype, got {dtypes}; cast them first",
        "einsum：所有操作数的数据类型必须相同，实际为 {dtypes}；请先转换类型"),
    # -- the NumPy autograd engine (dlfs.autograd)
    "library.gradcheck.mismatch": (
        "gradcheck: d(output at {at_out}) / d(input {i} at {at_in}, shape {shape}): analytical "
        "{analytical:.6g} vs numerical {numerical:.6g}, |difference| {diff:.3g} exceeds atol + "
        "rtol*|numerical| = {bound:.3g}",
        "gradcheck：d(输出 {at_out} 处) / d(第 {i} 个输入 {at_in} 处，形状 {shape})：解析梯度 "
        "{analytical:.6g}，数值梯度 {numerical:.6g}，|差| {diff:.3g} 超过了 `atol + "
        "rtol*|numerical|` = {bound:.3g}"),
    "library.autograd.grad_shape": (
        "backward: grad has shape {grad} but the tensor has shape {shape}",
        "`backward`：`grad` 的形状为 {grad}，而张量的形状为 {shape}"),
    "library.autograd.broadcast": (
        "{op}: shapes {a} and {b} are not broadcastable (trailing dimensions must be equal or 1)",
        "{op}：形状 {a} 和 {b} 无法广播（末尾各维必须相等或为 1）"),
    "library.autograd.axis": ("{op}: axis {axis} is out of range for a {ndim}-D tensor",
                              "{op}：轴 {axis} 超出了 {ndim} 维张量的范围"),
    "library.autograd.matmul": ("matmul: shapes {a} and {b} are incompatible",
                                "matmul：形状 {a} 和 {b} 不兼容"),
    "library.autograd.matmul_0d": (": both operands need at least one dimension",
                                   "：两个操作数都至少要有一个维度"),
    "library.autograd.matmul_inner": (": inner dimensions {a} != {b}", "：内侧维度 {a} != {b}"),
    "library.autograd.matmul_batch": (": batch dimensions {a} and {b} do not broadcast",
                                      "：批次维度 {a} 和 {b} 无法广播"),
    "library.autograd.reshape": (
        "reshape: cannot reshape shape {shape} ({n} elements) into {target}",
        "`reshape`：无法把形状 {shape}（{n} 个元素）变成 {target}"),
    "library.autograd.permute": (
        "permute: {axes} is not a permutation of the axes of shape {shape}",
        "`permute`：{axes} 不是形状 {shape} 各轴的一个排列"),
    "library.autograd.ce_logits": ("cross_entropy: logits must be (B, C), got shape {shape}",
                                   "cross_entropy：`logits` 的形状必须是 (B, C)，实际为 {shape}"),
    "library.autograd.ce_targets": (
        "cross_entropy: targets must be integer class indices of shape {want} for logits "
        "{logits}, got {dtype} {shape}",
        "cross_entropy：对于形状为 {logits} 的 `logits`，目标必须是形状为 {want} 的整数类别索引，"
        "实际为 {dtype} {shape}"),
    "library.autograd.concatenate": (
        "concatenate: shapes {shapes} cannot be joined along axis {axis}: all other dimensions "
        "must match",
        "`concatenate`：形状 {shapes} 无法沿轴 {axis} 拼接：其余各维必须相同"),
    "library.autograd.stack": ("stack: all shapes must be equal, got {shapes}",
                               "`stack`：所有形状必须相同，实际为 {shapes}"),
    # -- model weights (dlfs.models.cnn)
    "library.weights.no_state_dict": (
        "the weights file holds no state dict (a mapping of names to tensors)",
        "权重文件里没有 state_dict（名称到张量的映射）"),
    "library.weights.not_found": ("weights file {path!r} not found",
                                  "找不到权重文件 {path!r}"),
    "library.weights.unreadable": ("cannot read weights file {path!r}: {error}",
                                   "无法读取权重文件 {path!r}：{error}"),
    "library.weights.mismatch": ("{name} does not fit {model}: {report}",
                                 "{name} 与 {model} 不匹配：{report}"),
    "library.weights.missing": ("{n} missing: {items}{more}", "缺少 {n} 个：{items}{more}"),
    "library.weights.unexpected": ("{n} unexpected: {items}{more}", "多出 {n} 个：{items}{more}"),
    "library.weights.shape": ("{n} shape: {items}{more}", "形状不符 {n} 个：{items}{more}"),
    "library.weights.shape_pair": ("{key}: file {file} vs model {model}",
                                   "{key}：文件中为 {file}，模型中为 {model}"),
    "library.weights.more": (" (+{n} more)", "（另有 {n} 个）"),
    "library.weights.sep": ("; ", "；"),
    # -- the sandbox
    "library.sandbox.needs_posix": (
        "dlfs.sandbox runs code under POSIX resource limits: it needs Linux (or macOS, with "
        "fewer limits)",
        "dlfs.sandbox 在 POSIX 资源限制下运行代码：它需要 Linux（或限制较少的 macOS）"),
    "library.sandbox.bwrap_missing": (
        "note: bubblewrap (bwrap) is not installed, so solutions run with resource limits only: "
        "they can read and change your files and reach the network. For full isolation: {hint}",
        "提示：未安装 bubblewrap（bwrap），解答只受资源限制：它可以读写你的文件、访问网络。"
        "要完整隔离，请安装：{hint}"),
    "library.sandbox.bwrap_broken": (
        "note: bubblewrap (bwrap) cannot make a sandbox here ({reason}), so solutions run with "
        "resource limits only: they can read and change your files and reach the network",
        "提示：bubblewrap（bwrap）在这里无法建立沙箱（{reason}），解答只受资源限制：它可以读写你的"
        "文件、访问网络。"),
    # -- distributed runs
    "library.distributed.starting": ("dlfs: starting {nproc} processes: {command}",
                                     "dlfs：启动 {nproc} 个进程：{command}"),
    # -- `dlfs doctor` (dlfs.playground.environment)
    "library.doctor.label.python": ("python", "Python"),
    "library.doctor.label.platform": ("platform", "平台"),
    "library.doctor.label.editable_checkout": ("editable checkout", "可编辑安装"),
    "library.doctor.label.torch_build": ("torch build", "torch 构建"),
    "library.doctor.label.cpu_capability": ("cpu capability", "CPU 指令集"),
    "library.doctor.label.threads": ("threads", "线程"),
    "library.doctor.label.mkl": ("mkl", "MKL"),
    "library.doctor.label.onednn": ("onednn", "oneDNN"),
    "library.doctor.label.cuda_available": ("cuda available", "CUDA 可用"),
    "library.doctor.label.cuda_devices": ("cuda devices", "CUDA 设备"),
    "library.doctor.label.mps_available": ("mps available", "MPS 可用"),
    "library.doctor.label.default_dtype": ("default dtype", "默认数据类型"),
    "library.doctor.label.numpy": ("numpy", "NumPy"),
    "library.doctor.label.sanity": ("sanity check", "自检"),
    "library.doctor.sanity_ok": ("ok (matmul and autograd agree with hand results)",
                                 "通过（矩阵乘法和自动求导与手算结果一致）"),
    "library.doctor.true": ("True", "是"),
    "library.doctor.false": ("False", "否"),
    "library.doctor.none": ("none", "无"),
    "library.doctor.checkout_yes": ("yes, {path}", "是，{path}"),
    "library.doctor.checkout_no": ("no (installed package)", "否（已安装的包）"),
    "library.doctor.cpu_only": ("CPU only", "仅 CPU"),
    "library.doctor.dlfs_from": ("{version} from {path}", "{version}，位于 {path}"),
    "library.doctor.threads": ("{intra} intra-op, {inter} inter-op, {cpus} logical CPUs",
                               "算子内 {intra}，算子间 {inter}，逻辑 CPU {cpus} 个"),
    "library.doctor.problems": ("PROBLEMS:", "问题："),
    "library.doctor.blas_broken": (
        "matmul disagrees with an elementwise sum: the BLAS library is broken",
        "矩阵乘法与逐元素求和的结果不一致：BLAS 库有问题"),
    "library.doctor.autograd_broken": ("autograd gives a wrong derivative of x**3",
                                       "自动求导算出的 x**3 的导数不对"),
    "library.doctor.torch_pin": (
        "torch {version} installed; dlfs pins {pinned} (run `make test` or `pip install -e .` "
        "in a fresh .venv)",
        "已安装 torch {version}；dlfs 固定使用 {pinned}（请在新的 .venv 中运行 `make test` 或 "
        "`pip install -e .`）"),
    # -- the playground's timers, summaries and inspections
    "library.timing.line": ("{label}: {duration}{suffix}", "{label}：{duration}{suffix}"),
    "library.timing.per_run": (" per run ({n} runs)", "（每次，共 {n} 次）"),
    "library.timing.candidate": ("candidate", "候选"),
    "library.timing.min": ("min", "最短"),
    "library.timing.median": ("median", "中位数"),
    "library.timing.ratio": ("ratio", "倍数"),
    "library.summary.layer": ("layer", "层"),
    "library.summary.type": ("type", "类型"),
    "library.summary.output_shape": ("output shape", "输出形状"),
    "library.summary.params": ("params", "参数"),
    "library.summary.totals": ("total params: {total:,}   trainable: {trainable:,}   "
                               "frozen: {frozen:,}",
                               "参数总数：{total:,}   可训练：{trainable:,}   冻结：{frozen:,}"),
    "library.summary.bytes": ("parameters + buffers: {mib:.2f} MiB",
                              "参数 + 缓冲区：{mib:.2f} MiB"),
    "library.inspect.group": ("{title}: ", "{title}："),
    "library.inspect.autograd": ("autograd", "自动求导"),
    "library.inspect.memory": ("memory", "内存"),
    "library.inspect.storage": ("storage", "存储"),
    "library.inspect.values": ("values", "数值"),
    "library.inspect.module": ("module", "模块"),
    "library.inspect.scalar": ("scalar {value:.4g}", "标量 {value:.4g}"),
    "library.inspect.shares_storage": ("shares storage with another tensor (a view)",
                                       "与另一个张量共享存储（视图）"),
    "library.inspect.owns_storage": ("owns its storage", "独占自己的存储"),
    "library.inspect.meta": ("meta tensor: shape and dtype only, no data",
                             "`meta` 张量：只有形状和数据类型，没有数据"),
    "library.inspect.shares_memory": ("shares memory with another array or tensor (a view)",
                                      "与另一个数组或张量共享内存（视图）"),
    "library.inspect.owns_memory": ("owns its memory", "独占自己的内存"),
    "library.inspect.nonfinite": ("!! contains {nan} NaN and {inf} Inf values",
                                  "!! 含有 {nan} 个 NaN 和 {inf} 个 Inf"),
    # -- the shape trace of a GPT forward pass (dlfs.tensors.shape_trace)
    "library.trace.token_ids": ("token ids", "词元 id"),
    "library.trace.token_embedding": ("token embedding: a row per id",
                                      "词元嵌入：每个 id 取一行"),
    "library.trace.position_embedding": ("position embedding, broadcast over B",
                                         "位置嵌入，沿 B 广播"),
    "library.trace.qkv": ("one Linear makes q, k and v", "一个 `Linear` 同时算出 q、k 和 v"),
    "library.trace.heads": ("split into heads: view + transpose",
                            "拆成多个头：`view` + `transpose`"),
    "library.trace.attention": ("scores (B,H,T,S={S}) masked causally, softmax over S, times v",
                                "分数 (B,H,T,S={S}) 做因果掩码，沿 S 做 `softmax`，再乘以 v"),
    "library.trace.out": ("heads concatenated, projected by c_proj",
                          "各头拼接后经 c_proj 投影"),
    "library.trace.query_heads": ("query heads", "查询头"),
    "library.trace.mlp": ("widen to 4C, GELU, then c_proj back to C",
                          "扩到 4C，经 GELU，再由 c_proj 变回 C"),
    "library.trace.residual": ("residual stream after the block", "该块之后的残差流"),
    "library.trace.logits": ("ln_f, then x @ wte.weight^T (tied)",
                             "先 ln_f，再 x @ wte.weight^T（权重共享）"),
    "library.trace.loss": ("mean cross-entropy over B*T next-token targets",
                           "对 B*T 个下一词元目标取平均的交叉熵"),
}
