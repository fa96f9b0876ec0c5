"""Lessons of the sequences area (``src/dlfs/lessons/ch10_sequences/``).

Sequence models: text preprocessing, RNN/LSTM/GRU, char-level LMs, seq2seq.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="liuer-basic-rnn",
        title_en='Basic RNN: RNNCell vs RNN, "hello" -> "ohlol", Embedding',
        title_zh='循环神经网络（基础篇）：RNNCell 与 RNN，"hello" -> "ohlol"，嵌入层',
        path="ch10_sequences/liuer_hello_rnn.py",
        at=("liuer:12",),
        checks=("tests/nn/test_rnn_parity.py", "tests/nn/test_rnn_cells_packed.py"),
    ),
    Lesson(
        id="rnn-from-scratch",
        title_en="RNNs from scratch: the hidden-state recurrence, deep and bidirectional "
                 "RNNs, gates, backprop through time",
        title_zh="从零实现循环神经网络：隐状态递推、深层与双向、门控、随时间反向传播",
        path="ch10_sequences/rnn_from_scratch.py",
        at=("book:6",),
        checks=("tests/nn/test_rnn_parity.py", "tests/nn/test_rnn_cells_packed.py"),
    ),
    Lesson(
        id="charrnn-lm",
        title_en="Character language models: RNN vs LSTM vs GRU, perplexity, gradient "
                 "clipping, temperature sampling",
        title_zh="字符级语言模型：RNN、LSTM、GRU 对比，困惑度，梯度裁剪，温度采样",
        path="ch10_sequences/charrnn_lm.py",
        at=("book:6",),
        checks=("tests/sequences/test_seq_batching.py", "tests/sequences/test_seq_charrnn.py"),
    ),
    Lesson(
        id="seq2seq-attention",
        title_en="Seq2seq with Bahdanau attention: normalizing dates in four languages, "
                 "BLEU, attention heat maps",
        title_zh="带 Bahdanau 注意力的序列到序列模型：四种语言的日期规范化、BLEU、注意力热图",
        path="ch10_sequences/seq2seq_attention.py",
        at=("book:7",),
        checks=("tests/sequences/test_seq_dates_seq2seq.py", "tests/sequences/test_seq_bleu.py"),
    ),
    Lesson(
        id="liuer-rnn-classifier",
        title_en="RNN classifier: bidirectional GRU over packed sequences (stand-in data: "
                 "which standard-library package a line of source comes from)",
        title_zh="循环神经网络（高级篇）：双向 GRU 与打包序列分类器"
                 "（替代数据：源码行来自哪个标准库包）",
        path="ch10_sequences/liuer_rnn_classifier.py",
        at=("liuer:13",),
        checks=("tests/sequences/test_seq_rnn_classifier.py",),
    ),
    Lesson(
        id="text-preprocessing",
        title_en="Text preprocessing: corpus, vocabulary, tokenizers (and BPE compression)",
        title_zh="文本预处理：语料、词表与分词器（以及 BPE 压缩率）",
        path="ch10_sequences/text_preprocessing.py",
        at=("book:6",),
        checks=("tests/text/test_tokenizers.py",),
    ),
    Lesson(
        id="lstm-gru-gates",
        title_en="LSTM and GRU gates, watched step by step",
        title_zh="LSTM 与 GRU 的门控，逐步观察",
        path="ch10_sequences/lstm_gru_gates.py",
        at=("book:6",),
        checks=("tests/nn/test_rnn_cells_packed.py",),
    ),
)
