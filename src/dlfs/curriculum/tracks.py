"""The roadmaps (tracks). Each entry is a day, chapter or lecture with a bilingual title.

Lessons fill entries by naming them (``Lesson.at = ("pytorch:3",)``); an entry that no
lesson fills shows as "not written yet" in ``dlfs list``, so gaps stay visible.
"""

from __future__ import annotations

from .schema import Track, TrackEntry


def _entries(rows: list[tuple[str, str, str]]) -> tuple[TrackEntry, ...]:
    return tuple(TrackEntry(k, en, zh) for k, en, zh in rows)


PYTORCH = Track(
    id="pytorch",
    title_en="PyTorch in 28 days",
    title_zh="PyTorch 深度学习 28 天",
    unit="Day",
    entries=_entries([
        ("0", "Environment setup and the utils toolbox", "环境搭建与 utils 工具库封装"),
        ("1", "Tensor basics and device management (CPU/GPU)", "Tensor 基础 + Device 管理"),
        ("2", "Reshaping: reshape / view / permute / contiguous", "维度变换大通关"),
        ("3", "Broadcasting, in depth", "广播机制深度解析"),
        ("4", "Advanced indexing and masks", "高级索引与 Mask"),
        ("5", "Einsum", "Einsum 爱因斯坦求和约定"),
        ("6", "NumPy ⇄ PyTorch conversion traps", "NumPy 与 PyTorch 的互转陷阱"),
        ("7", "Review: the shape-transformation cheat sheet", "复盘：维度变换速查表"),
        ("8", "Autograd: requires_grad, detach", "Autograd 机制"),
        ("9", "Loss function inputs: shape and dtype details", "Loss 函数的输入细节"),
        ("10", "Optimizers and gradient management (zero_grad, clip_grad)",
         "Optimizer 与梯度管理"),
        ("11", "Side effects of train/eval mode (Dropout/BN)", "Train/Eval 模式的副作用"),
        ("12", "Custom Dataset and DataLoader", "DataLoader 与 Dataset 自定义"),
        ("13", "Saving, loading and resuming training", "模型保存、加载与断点续训"),
        ("14", "Review: the minimal runnable training template", "复盘：最小可运行训练模板"),
        ("15", "Locating and fixing NaN / exploding loss", "NaN / Loss 爆炸的定位与修复"),
        ("16", "Memory management and batch-size tuning", "显存管理与 Batch Size 调优"),
        ("17", "Mixed precision (AMP)", "混合精度训练初探"),
        ("18", "DataLoader speed-up (num_workers)", "DataLoader 加速"),
        ("19", "Simple profiling", "简单的性能分析"),
        ("20", "Debugging drill", "综合排错演练"),
        ("21", "Review: the debug checklist", "复盘：完善 debug_checklist.md"),
        ("22", "Embedding + positional encoding", "Embedding + Positional Encoding"),
        ("23", "Self-attention (Q, K, V)", "Self-Attention 实现"),
        ("24", "Transformer block (residual + LayerNorm)", "Transformer Block"),
        ("25", "The language-model training loop", "语言模型训练闭环"),
        ("26", "Theory interview questions", "理论面试题准备"),
        ("27", "Capstone: hand-write a minimal LM and explain every tensor shape",
         "验收：手写最小 LM 并解释 Tensor Shape"),
        ("28", "Final review", "总复盘"),
    ]),
)

GYM = Track(
    id="gym",
    title_en="Python algorithm gym in 28 days",
    title_zh="Python 算法健身房 28 天",
    unit="Day",
    entries=_entries([
        ("1", "Counter: frequencies, anagrams", "Counter 频次统计/异位词"),
        ("2", "defaultdict: grouping, building graphs", "defaultdict 分组/建图"),
        ("3", "deque: queues, BFS, sliding windows", "deque 队列/BFS/滑窗"),
        ("4", "Sorting: key, lambda, tuples", "排序技巧"),
        ("5", "Mixed collections quiz", "综合小测"),
        ("6", "Mistake review + template hardening", "错题回炉 + 模板固化"),
        ("7", "Fill the gaps", "补齐遗漏点"),
        ("8", "itertools basics: product, permutations", "itertools 基础"),
        ("9", "groupby: run-length, consecutive segments", "groupby 思想"),
        ("10", "heapq: top-k, min-heap, simulation", "heapq"),
        ("11", "bisect: binary search, sorted sequences", "bisect"),
        ("12", "Heap + binary search drills", "综合训练（堆 + 二分）"),
        ("13", "Speed drill (60 minutes)", "速度训练"),
        ("14", "Heap and binary-search templates", "整理堆与二分模板"),
        ("15", "Iterators and generators (yield/map/filter)", "迭代器与生成器"),
        ("16", "functools: lru_cache memoized search", "functools 记忆化搜索"),
        ("17", "Fast I/O and constant-factor tuning (sys.stdin)", "快速 I/O 与常数优化"),
        ("18", "Strings and parsing", "字符串与解析专项"),
        ("19", "Graph / tree templates (BFS/DFS)", "图/树模板巩固"),
        ("20", "Timed mixed set (90 minutes)", "综合限时"),
        ("21", "Library cheat sheet", "常用库速查表"),
        ("22", "Two pointers / sliding window", "双指针/滑窗专题"),
        ("23", "Binary search on the answer", "二分查找专题"),
        ("24", "Monotonic stack / queue", "单调栈/队列专题"),
        ("25", "Heap / top-k", "堆/TopK 专题"),
        ("26", "Dynamic programming, first steps", "DP 动态规划入门"),
        ("27", "Mock interview (talk through the approach)", "模拟面试"),
        ("28", "Mistake statistics and next-phase plan", "统计错题与下阶段规划"),
    ]),
)

BOOK = Track(
    id="book",
    title_en="From scratch: the book, chapters 1–10",
    title_zh="从零实现：第 1–10 章",
    unit="Chapter",
    entries=_entries([
        ("0", "Preliminaries (before chapter 1): data, linear algebra, calculus, probability",
         "预备知识（第 1 章之前）：数据、线性代数、微积分、概率"),
        ("1", "Computational graphs and automatic differentiation", "计算图与自动微分"),
        ("2", "The universal approximator (MLP)", "万能逼近器（多层感知机）"),
        ("3", "Optimization and regularization", "优化与正则化"),
        ("4", "Classic CNNs", "经典卷积神经网络"),
        ("5", "ResNet and modern CNNs", "ResNet 与现代卷积网络"),
        ("6", "RNNs", "循环神经网络"),
        ("7", "Attention", "注意力机制"),
        ("8", "The vanilla Transformer", "原始 Transformer"),
        ("9", "Efficient attention", "高效注意力"),
        ("10", "Modern LLM components", "现代大模型组件"),
    ]),
)

AUTOGRAD = Track(
    id="autograd",
    title_en="The autograd series 00–08",
    title_zh="自动求导系列 00–08",
    unit="Part",
    entries=_entries([
        ("00", "Interactive playground: environment check, a first Jacobian",
         "交互式实验场：环境检查与第一个雅可比矩阵"),
        ("01", "Manual gradient descent for y = 2x + 1", "手动梯度下降拟合 y = 2x + 1"),
        ("02", "requires_grad, backward, no_grad and the accumulation trap",
         "requires_grad、backward、no_grad 与梯度累加陷阱"),
        ("03", "grad_fn, leaves, retain_graph, detach",
         "grad_fn、叶子节点、retain_graph 与 detach"),
        ("04", "Tensor and module hooks", "张量钩子与模块钩子"),
        ("05", "VJP, Jacobian and Hessian", "向量-雅可比积、雅可比矩阵与黑塞矩阵"),
        ("06", "Gradient accumulation, clipping, gradcheck, freezing",
         "梯度累积、裁剪、数值检验与冻结"),
        ("07", "Custom autograd Functions", "自定义 autograd Function"),
        ("08", "Tensor operations, GPU and NumPy interop", "张量操作、GPU 与 NumPy 互操作"),
    ]),
)

LIUER = Track(
    id="liuer",
    title_en="Liu Er's PyTorch Deep Learning Practice",
    title_zh="刘二大人《PyTorch深度学习实践》",
    unit="Lecture",
    entries=_entries([
        ("1", "Overview", "概述"),
        ("2", "Linear model", "线性模型"),
        ("3", "Gradient descent vs stochastic gradient descent", "梯度下降与随机梯度下降"),
        ("4", "Back propagation", "反向传播"),
        ("5", "Linear regression with PyTorch", "用 PyTorch 实现线性回归"),
        ("6", "Logistic regression", "逻辑斯蒂回归"),
        ("7", "Multi-dimensional input", "处理多维特征的输入"),
        ("8", "Dataset and DataLoader", "加载数据集"),
        ("9", "Softmax classifier", "多分类问题"),
        ("10", "Basic CNN", "卷积神经网络（基础篇）"),
        ("11", "Advanced CNN", "卷积神经网络（高级篇）"),
        ("12", "Basic RNN", "循环神经网络（基础篇）"),
        ("13", "RNN classifier", "循环神经网络（高级篇）"),
    ]),
)

TOPICS = Track(
    id="topics",
    title_en="Topic series from the PyTorch study notes",
    title_zh="PyTorch 学习笔记专题",
    unit="Topic",
    entries=_entries([
        ("data", "Data flow and visualization", "数据流与可视化"),
        ("module", "nn.Module building blocks", "nn.Module 基础组件"),
        ("saving", "Saving and loading", "模型保存与加载"),
        ("training", "Training loops on CPU and GPU", "CPU 与 GPU 训练流程"),
        ("engineering", "Training engineering", "训练工程"),
        ("losses", "Loss functions", "损失函数"),
        ("architecture", "Model architecture", "模型架构"),
        ("peft", "Parameter-efficient fine-tuning", "参数高效微调"),
        ("generative", "Generative models", "生成模型"),
        ("inference", "Evaluation and inference", "评估与推理"),
        ("multimodal", "Multimodal", "多模态"),
    ]),
)

KAGGLE = Track(
    id="kaggle",
    title_en="Kaggle practice",
    title_zh="Kaggle 实战",
    unit="Project",
    entries=_entries([
        ("titanic", "Titanic: survival prediction", "泰坦尼克号生存预测"),
        ("digits", "Digit Recognizer", "手写数字识别"),
    ]),
)

#: Every track, in the order ``dlfs list`` shows them.
TRACKS: tuple[Track, ...] = (PYTORCH, GYM, BOOK, AUTOGRAD, LIUER, TOPICS, KAGGLE)
