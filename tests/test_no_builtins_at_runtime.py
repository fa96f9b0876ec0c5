"""The from-scratch contract at run time, beyond the parity tests: the models, attention
variants, LLM pieces, PEFT wrappers and decoders run forward and backward (and decode) under
``dlfs.builtin_guard.BuiltinCallRecorder`` without calling a PyTorch built-in. The parity
helpers run every torch-mirroring layer the same way (``tests/test_parity_helpers.py``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from dlfs import attention, llm, peft
from dlfs import nn as dnn
from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.generate import beam_search, generate
from dlfs.models import GPT, GPTConfig
from dlfs.models.charrnn import CharRNN
from dlfs.models.cnn import get_model_for_input
from dlfs.models.rnn_classifier import BiGRUClassifier
from dlfs.models.seq2seq import Seq2Seq
from dlfs.models.transformer_seq2seq import TransformerSeq2Seq, TransformerSeq2SeqConfig

SMALL_CNNS = ["lenet5", "nin", "googlenet", "resnet18", "densenet121", "mobilenet_v2",
              "efficientnet_b0", "liuer_inception_net", "liuer_residual_net"]


def _calls(run: Callable[[], object]) -> list[str]:
    torch.manual_seed(0)
    with BuiltinCallRecorder() as recorder:
        run()
    return recorder.calls


def _backward(out: object) -> None:
    tensors = out if isinstance(out, (tuple, list)) else [out]
    sum(t.float().sum() for t in tensors if isinstance(t, torch.Tensor)
        and t.requires_grad).backward()


def _gpt(fused: bool = False) -> GPT:
    return GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=8,
                         fused=fused))


def _run_gpt(model: GPT) -> None:
    idx = torch.randint(0, 11, (2, 6))
    _backward(model(idx, idx)[1])
    generate(model, idx[:, :2], 4, temperature=0.8, top_k=5)
    beam_search(model, idx[0, :2], 3, beam_width=2)


def _run_cnn(name: str) -> None:
    model = get_model_for_input(name, 1, 28 if name.startswith(("lenet", "liuer")) else 32)
    _backward(model(torch.randn(2, 1, 28 if name.startswith(("lenet", "liuer")) else 32,
                                28 if name.startswith(("lenet", "liuer")) else 32)))


def _run_attention() -> None:
    x = torch.randn(2, 5, 16, requires_grad=True)
    for layer in (attention.CausalSelfAttention(16, 4),
                  attention.GroupedQueryAttention(16, 4, n_kv_heads=2),
                  attention.MultiQueryAttention(16, 4),
                  attention.MultiHeadLatentAttention(16, 4, d_latent=4)):
        _backward(layer(x))
        layer(x[:, :1], cache=attention.KVCache())
    q = torch.randn(1, 2, 16, 8, requires_grad=True)
    _backward(attention.flash_attention(q, q, q, is_causal=True, block_q=4, block_k=4))
    _backward(attention.sliding_window_attention(q, q, q, window=3))
    _backward(attention.linear_attention(q, q, q, causal=True))


def _run_llm_peft() -> None:
    x = torch.randn(2, 5, 16, requires_grad=True)
    _backward(llm.SwiGLU(16)(x))
    _backward(llm.MoE(16, 4, top_k=2)(x).output)
    logps = torch.randn(4, requires_grad=True)
    _backward(llm.dpo_loss(logps, logps * 2, logps.detach(), logps.detach()).loss)
    model = dnn.Sequential(dnn.Linear(16, 16), dnn.ReLU(), dnn.Linear(16, 4))
    peft.apply_lora(model, r=2)
    _backward(model(x))


def _run_sequence_models() -> None:
    ids = torch.randint(0, 10, (2, 6))
    rnn = CharRNN(10, hidden=8, cell="lstm")
    _backward(rnn(ids)[0])
    rnn.generate(ids[:, :2], 3, temperature=0.5, top_p=0.9)
    lengths = torch.tensor([6, 4])
    _backward(BiGRUClassifier(10, 4, 8, 3)(ids, lengths))
    gru = Seq2Seq(10, embed=4, hidden=8)
    _backward(gru(ids, lengths, ids)[0])
    gru.greedy_decode(ids, lengths, 4, 1, 2)
    tf = TransformerSeq2Seq(TransformerSeq2SeqConfig(vocab_size=10, d_model=8, nhead=2,
                                                     num_layers=1, dim_feedforward=16))
    _backward(tf(ids, ids))
    tf.greedy_decode(ids, 4, 1, 2)
    tf.beam_decode(ids[:1], 3, 1, 2, beam_width=2)


RUNS = {
    "GPT (train step, cached sampling, beam search)": lambda: _run_gpt(_gpt()),
    "attention variants, KV cache, efficient attention": _run_attention,
    "SwiGLU, MoE, DPO, LoRA": _run_llm_peft,
    "CharRNN, BiGRU classifier, GRU seq2seq, Transformer seq2seq": _run_sequence_models,
    **{f"CNN {name}": (lambda name=name: _run_cnn(name)) for name in SMALL_CNNS},
}


@pytest.mark.parametrize("what", sorted(RUNS))
def test_default_path_calls_no_builtin(what):
    assert _calls(RUNS[what]) == []


def test_the_check_sees_the_fast_path():
    """The same GPT with fused=True calls torch's kernels, and the recorder names them."""
    calls = _calls(lambda: _run_gpt(_gpt(fused=True)))
    assert {"torch.nn.functional.scaled_dot_product_attention",
            "torch.nn.functional.layer_norm", "torch.nn.functional.gelu"} <= set(calls)
