"""Exercises on the decoder-only Transformer: causal self-attention with a KV cache, the
cache itself, Post-LN and Pre-LN blocks, the GPT with tied embeddings and its next-token loss
(PyTorch roadmap days 23-27, book ch. 8 and 10).

Where PyTorch has a layer with the same parameters (``nn.TransformerEncoderLayer``) it is the
oracle; for the GPT pieces a small model written here from ``torch.nn`` layers with GPT-2's
parameter names is, so the library's weights load into it and values and gradients compare.
"""

from __future__ import annotations

import torch
import torch.nn.functional as TF
from torch import nn

from ...attention.causal_self_attention import CausalSelfAttention as _LibCSA
from ...attention.kv_cache import POSITION_DIM
from ...attention.kv_cache import KVCache as _LibKVCache
from ...models.gpt import GPT as _LibGPT
from ...models.gpt import Block as _LibBlock
from ...models.gpt import GPTConfig
from ...nn.functional.attention import causal_mask as _lib_causal_mask
from ...nn.functional.attention import scaled_dot_product_attention as _lib_sdpa
from ...nn.functional.class_losses import cross_entropy as _lib_cross_entropy
from ...nn.transformer import TransformerEncoderLayer as _LibEncoderLayer
from ..cases import Case, assert_close, fn_case, module_case, randn, watched
from ..schema import Exercise

# ---- torch oracles with GPT-2's parameter names ----------------------------------------


class _TorchCausalSelfAttention(nn.Module):
    """c_attn makes [q | k | v], torch's fused SDPA with is_causal, c_proj."""

    def __init__(self, d_model: int, n_heads: int, bias: bool = False) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.c_attn = nn.Linear(d_model, 3 * d_model, bias=bias)
        self.c_proj = nn.Linear(d_model, d_model, bias=bias)

    def forward(self, x):
        B, T, C = x.shape
        H = self.n_heads
        q, k, v = (t.reshape(B, T, H, C // H).transpose(1, 2)
                   for t in self.c_attn(x).split(C, dim=2))          # (B, H, T, D) each
        y = TF.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class _TorchMLP(nn.Module):
    def __init__(self, C: int, bias: bool) -> None:
        super().__init__()
        self.c_fc = nn.Linear(C, 4 * C, bias=bias)
        self.c_proj = nn.Linear(4 * C, C, bias=bias)

    def forward(self, x):
        return self.c_proj(TF.gelu(self.c_fc(x)))


class _TorchBlock(nn.Module):
    """Pre-LN: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        C, bias = config.n_embd, config.bias
        self.ln_1 = nn.LayerNorm(C, bias=bias)
        self.attn = _TorchCausalSelfAttention(C, config.n_head, bias)
        self.ln_2 = nn.LayerNorm(C, bias=bias)
        self.mlp = _TorchMLP(C, bias)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class _TorchGPT(nn.Module):
    """Token + position embeddings, Pre-LN blocks, final LayerNorm, head tied to wte."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        C, V = config.n_embd, config.vocab_size
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(config.block_size, C)
        self.h = nn.ModuleList(_TorchBlock(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(C, bias=config.bias)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx, targets=None):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        return logits, TF.cross_entropy(logits.flatten(0, 1), targets.flatten())


def _config(V=None, T=8, layers=1, heads=2, C=8, bias=True) -> GPTConfig:
    return GPTConfig(vocab_size=V, block_size=T, n_layer=layers, n_head=heads, n_embd=C,
                     bias=bias, dropout=0.0)


# ---- CausalSelfAttention with a KV cache -----------------------------------------------


def _decode_in_chunks(step, x, chunks):
    """Feed x (B, S, C) to ``step`` in pieces of the given lengths; the outputs, joined."""
    outs, start = [], 0
    for n in chunks:
        outs.append(step(x[:, start:start + n]))
        start += n
    return outs


def _compare_chunks(outs, want, chunks, what):
    start = 0
    for out, n in zip(outs, chunks):
        where = f"position {start}" if n == 1 else f"positions {start}..{start + n - 1}"
        assert_close(out, want[:, start:start + n], f"{what}: output of {where} (fed after "
                     f"{start} cached ones) differs from running the whole sequence at once")
        start += n


def csa_cases(CSA):
    for C, H, bias, (B, T) in [(4, 1, False, (1, 1)), (8, 2, True, (2, 5)),
                               (12, 3, False, (1, 7))]:
        x = randn(B, T, C, seed=C, scale=1.5)
        yield module_case(f"d_model={C}, heads {H}, bias={bias}, x {(B, T, C)}",
                          lambda C=C, H=H, bias=bias: CSA(C, H, bias=bias),
                          lambda C=C, H=H, bias=bias: _TorchCausalSelfAttention(C, H, bias),
                          x)

    def cached(chunks, C=8, H=2, B=2, bias=True):
        def run() -> None:
            ref = _TorchCausalSelfAttention(C, H, bias).double()
            ours = CSA(C, H, bias=bias).double()
            ours.load_state_dict(ref.state_dict())
            x = randn(B, sum(chunks), C, seed=len(chunks), scale=1.5)
            cache = _LibKVCache()
            with torch.no_grad():
                want = ref(x)
                outs = _decode_in_chunks(watched(lambda t: ours(t, cache)), x, chunks)
            _compare_chunks(outs, want, chunks, "with a KVCache")
        return run

    yield Case("KV cache: prompt of 3, then 3 single tokens, x (2, 6, 8), heads 2",
               cached([3, 1, 1, 1]))
    yield Case("KV cache: prompt of 2, a chunk of 3 new tokens, then 1, x (2, 6, 8)",
               cached([2, 3, 1]))

    def two_layers() -> None:
        refs = [_TorchCausalSelfAttention(6, 3, False).double() for _ in range(2)]
        ours = [CSA(6, 3, bias=False, layer=i).double() for i in range(2)]
        for o, r in zip(ours, refs):
            o.load_state_dict(r.state_dict())
        x = randn(1, 5, 6, seed=40)
        cache = _LibKVCache()
        step = watched(lambda t: ours[1](ours[0](t, cache), cache))
        with torch.no_grad():
            want = refs[1](refs[0](x))
            outs = _decode_in_chunks(step, x, [2, 1, 1, 1])
        _compare_chunks(outs, want, [2, 1, 1, 1], "two layers (layer=0 and layer=1) sharing "
                        "one KVCache")
    yield Case("KV cache shared by two layers (layer=0, layer=1), x (1, 5, 6), heads 3",
               two_layers)


class _CSAOffsetForgotten(_LibCSA):
    """Planted bug: with a cache the causal mask is aligned top-left (no offset S - T)."""

    def _attend(self, q, k, v, trace=None):
        B, H, T, D = q.shape
        y = _lib_sdpa(q, k, v, attn_mask=_lib_causal_mask(T, k.shape[-2]))
        return self.c_proj(y.transpose(1, 2).reshape(B, T, H * D))


class _CSAHeadsByView(_LibCSA):
    """Planted bug: (B, T, C) reshaped straight to (B, H, T, D)."""

    def _heads(self, x, n):
        B, T, _ = x.shape
        return x.reshape(B, n, T, self.head_dim)


class _CSACacheUnused(_LibCSA):
    """Planted bug: the cache is never read; each step attends to its own tokens only."""

    def forward(self, x, cache=None, trace=None):
        return super().forward(x, None, trace)


# ---- KVCache ---------------------------------------------------------------------------


class _WatchedCache:
    """The learner's cache as the library's GPT sees it, every call watched."""

    def __init__(self, cache) -> None:
        self._append = watched(cache.append)
        self._length = watched(lambda: cache.length)

    def append(self, layer, name, t):
        return self._append(layer, name, t)

    @property
    def length(self) -> int:
        return self._length()


def _expect_int(got, want, what) -> None:
    if got != want:
        raise AssertionError(f"{what} is {got!r}, expected {want}")


def kv_cache_cases(KVCache):
    def first() -> None:
        cache = KVCache()
        k = randn(1, 1, 1, 2, seed=1)
        assert_close(watched(cache.append)(0, "k", k), k, "append(0, 'k', k) on an empty cache")
        _expect_int(watched(cache.layer_length)(0), 1, "layer_length(0) after one position")
    yield Case("first append: k (1, 1, 1, 2) comes back as it is", first)

    def growth() -> None:
        cache = KVCache()
        append = watched(cache.append)
        parts = [randn(2, 3, n, 4, seed=n + 10 * i) for i, n in enumerate([3, 1, 1])]
        for i in range(3):
            got = append(0, "k", parts[i])
            assert_close(got, torch.cat(parts[: i + 1], dim=-2),
                         f"append number {i + 1}: the cached k (old positions first, then "
                         "the new ones, along dim -2)")
        _expect_int(watched(cache.layer_length)(0), 5, "layer_length(0) after 3 + 1 + 1")
    yield Case("k (2, 3, T, 4) appended with T = 3, 1, 1: grows along dim -2", growth)

    def apart() -> None:
        cache = KVCache()
        append = watched(cache.append)
        steps = [[randn(1, 2, n, 3, seed=100 * layer + 10 * j + n) for j in range(2)]
                 for layer in range(2) for n in (2, 1)]
        for n_index in range(2):
            for layer in range(2):
                k, v = steps[2 * layer + n_index]
                for name, t, j in (("k", k, 0), ("v", v, 1)):
                    got = append(layer, name, t)
                    want = torch.cat([steps[2 * layer + i][j] for i in range(n_index + 1)],
                                     dim=-2)
                    assert_close(got, want, f"layer {layer}, {name!r} after "
                                 f"{n_index + 1} appends")
    yield Case("k and v of layers 0 and 1 kept apart, (1, 2, T, 3), T = 2 then 1", apart)

    def latent() -> None:
        cache = KVCache()
        a, b = randn(2, 3, 5, seed=7), randn(2, 1, 5, seed=8)
        append = watched(cache.append)
        append(0, "latent", a)
        assert_close(append(0, "latent", b), torch.cat([a, b], dim=POSITION_DIM),
                     "a 3-D (B, S, d_latent) entry after two appends (positions are dim -2)")
    yield Case("a 3-D entry (B, S, d) = (2, 3, 5) then (2, 1, 5) grows along dim -2", latent)

    def lengths() -> None:
        cache = KVCache()
        length = watched(lambda: cache.length)
        _expect_int(length(), 0, "length of an empty cache")
        _expect_int(watched(cache.layer_length)(2), 0, "layer_length(2) of an empty cache")
        append = watched(cache.append)
        for layer in range(2):
            append(layer, "k", randn(1, 1, 3, 2, seed=layer))
            append(layer, "v", randn(1, 1, 3, 2, seed=layer + 5))
        _expect_int(length(), 3, "length after a prompt of 3 through layers 0 and 1")
        append(0, "k", randn(1, 1, 1, 2, seed=9))       # the next step, half-way through
        append(0, "v", randn(1, 1, 1, 2, seed=10))
        _expect_int(watched(cache.layer_length)(0), 4, "layer_length(0) after one more")
        _expect_int(length(), 3, "length while layer 0 has the new token and layer 1 not yet "
                    "(it counts the positions before this step: the last layer tells)")
    yield Case("length: 0 when empty; during a step it still counts the cached positions",
               lengths)

    def decoding() -> None:
        torch.manual_seed(0)
        model = _LibGPT(_config(V=13, T=8, layers=2, heads=2, C=8)).double().eval()
        idx = torch.randint(0, 13, (2, 6), generator=torch.Generator().manual_seed(3))
        cache = _WatchedCache(KVCache())
        with torch.no_grad():
            want = model(idx)[0]
            chunks = [3, 1, 1, 1]
            outs = _decode_in_chunks(lambda t: model(t, cache=cache)[0], idx, chunks)
        _compare_chunks(outs, want, chunks, "the library's 2-layer GPT using your cache")
    yield Case("a 2-layer GPT decoding with the cache (prompt 3, then 3 tokens) equals one "
               "full forward", decoding)


class _CacheLastDim(_LibKVCache):
    """Planted bug: new positions concatenated along the feature dim (-1)."""

    def append(self, layer, name, t):
        while len(self.layers) <= layer:
            self.layers.append({})
        entry = self.layers[layer]
        if name in entry:
            t = torch.cat([entry[name], t], dim=-1)
        entry[name] = t
        return t


class _CacheNewFirst(_LibKVCache):
    """Planted bug: the new positions go before the cached ones."""

    def append(self, layer, name, t):
        while len(self.layers) <= layer:
            self.layers.append({})
        entry = self.layers[layer]
        if name in entry:
            t = torch.cat([t, entry[name]], dim=-2)
        entry[name] = t
        return t


class _CacheLengthFirstLayer(_LibKVCache):
    """Planted bug: length reads layer 0, which is already a step ahead mid-forward."""

    @property
    def length(self):
        return self.layer_length(0)


class _CacheReturnsNew(_LibKVCache):
    """Planted bug: append stores the whole but returns only this step's tensor."""

    def append(self, layer, name, t):
        super().append(layer, name, t)
        return t


# ---- TransformerEncoderLayer: Post-LN and Pre-LN ---------------------------------------


def encoder_layer_cases(Layer):
    causal_blocked = ~_lib_causal_mask(5, 5)                 # True = blocked (MHA convention)
    padding = torch.zeros(2, 5, dtype=torch.bool)
    padding[0, 3:] = True
    settings = [
        # name, (d, heads, ff, dropout, activation, batch_first, norm_first), x, kwargs, train
        ("Post-LN, relu, d=4, heads 1, ff 8, x (1, 1, 4)",
         (4, 1, 8, 0.0, "relu", True, False), (1, 1, 4), {}, True),
        ("Post-LN, relu, d=8, heads 2, ff 16, src_key_padding_mask (2, 5), x (2, 5, 8)",
         (8, 2, 16, 0.0, "relu", True, False), (2, 5, 8), {"src_key_padding_mask": padding},
         True),
        ("Pre-LN, gelu, d=8, heads 2, ff 12, causal src_mask (5, 5), x (2, 5, 8)",
         (8, 2, 12, 0.0, "gelu", True, True), (2, 5, 8), {"src_mask": causal_blocked}, True),
        ("Pre-LN, gelu, batch_first=False, d=6, heads 3, ff 7, x (5, 3, 6), eval, dropout 0.1",
         (6, 3, 7, 0.1, "gelu", False, True), (5, 3, 6), {}, False),
        ("Post-LN, gelu, d=8, heads 4, ff 10, x (3, 4, 8), eval, dropout 0.2",
         (8, 4, 10, 0.2, "gelu", True, False), (3, 4, 8), {}, False),
    ]
    for i, (name, args, shape, kwargs, train) in enumerate(settings):
        d, heads, ff, p, act, batch_first, norm_first = args
        options = {"dim_feedforward": ff, "dropout": p, "activation": act,
                   "batch_first": batch_first, "norm_first": norm_first}
        yield module_case(name, lambda d=d, heads=heads, o=options: Layer(d, heads, **o),
                          lambda d=d, heads=heads, o=options: nn.TransformerEncoderLayer(
                              d, heads, **o),
                          randn(*shape, seed=i, scale=2.0), train=train,
                          forward_kwargs=kwargs)


class _EncoderResidualFromNorm(_LibEncoderLayer):
    """Planted bug: Pre-LN adds the sublayer to LN(x) instead of to x."""

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        if not self.norm_first:
            return super().forward(src, src_mask, src_key_padding_mask)
        h = self.norm1(src)
        x = h + self._sa_block(h, src_mask, src_key_padding_mask, False)
        h = self.norm2(x)
        return h + self._ff_block(h)


class _EncoderNormSublayerOnly(_LibEncoderLayer):
    """Planted bug: Post-LN normalises the sublayer output, not the residual sum."""

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        if self.norm_first:
            return super().forward(src, src_mask, src_key_padding_mask)
        x = src + self.norm1(self._sa_block(src, src_mask, src_key_padding_mask, False))
        return x + self.norm2(self._ff_block(x))


class _EncoderAlwaysRelu(_LibEncoderLayer):
    """Planted bug: the activation argument is ignored (always ReLU)."""

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.linear1(x).clamp(min=0))))


# ---- the GPT block ---------------------------------------------------------------------


def block_cases(Block):
    for layer, (C, H, bias, (B, T)) in enumerate([(4, 1, True, (1, 1)), (8, 2, True, (2, 5)),
                                                  (12, 3, False, (1, 6)), (8, 4, True, (3, 4))]):
        config = _config(heads=H, C=C, bias=bias)
        x = randn(B, T, C, seed=C + T, scale=1.5)
        yield module_case(f"Block(config, {layer}): n_embd={C}, n_head={H}, bias={bias}, "
                          f"x {(B, T, C)}",
                          lambda config=config, layer=layer: Block(config, layer),
                          lambda config=config: _TorchBlock(config), x)


class _BlockPostLN(_LibBlock):
    """Planted bug: Post-LN wiring, LN(x + attn(x)) then LN(x + mlp(x))."""

    def forward(self, x, cache=None, trace=None):
        x = self.ln_1(x + self.attn(x, cache))
        return self.ln_2(x + self.mlp(x))


class _BlockMLPResidualForgotten(_LibBlock):
    """Planted bug: the MLP output replaces the stream instead of being added to it."""

    def forward(self, x, cache=None, trace=None):
        x = x + self.attn(self.ln_1(x), cache)
        return self.mlp(self.ln_2(x))


class _BlockRelu(_LibBlock):
    """Planted bug: ReLU instead of GELU in the MLP."""

    def forward(self, x, cache=None, trace=None):
        x = x + self.attn(self.ln_1(x), cache)
        mlp = self.mlp
        return x + mlp.c_proj(mlp.c_fc(self.ln_2(x)).clamp(min=0))


# ---- the GPT ---------------------------------------------------------------------------


def _ids(shape, V, seed):
    return torch.randint(0, V, shape, generator=torch.Generator().manual_seed(seed))


def gpt_cases(GPT):
    def tied() -> None:
        model = GPT(_config(V=9, T=4, layers=1, heads=2, C=4))
        head, wte = model.lm_head.weight, model.wte.weight
        if head is not wte:
            raise AssertionError("lm_head.weight is not wte.weight: the head must share the "
                                 "token-embedding Parameter (one (V, C) matrix), not a copy")
        n = sum(p.numel() for p in model.parameters())
        expected = sum(p.numel() for p in _TorchGPT(_config(V=9, T=4, layers=1, heads=2,
                                                             C=4)).parameters())
        if n != expected:
            raise AssertionError(f"{n} parameters, expected {expected}")
    yield Case("the head is tied: lm_head.weight is wte.weight (V=9, n_embd 4)", tied)

    settings = [
        ("V=5, 1 layer, n_embd 4, 1 head, idx (1, 1), no targets",
         _config(V=5, T=4, layers=1, heads=1, C=4), (1, 1), False),
        ("V=11, 2 layers, n_embd 8, 2 heads, idx (2, 5), targets",
         _config(V=11, T=8, layers=2, heads=2, C=8), (2, 5), True),
        ("V=7, bias=False, 1 layer, n_embd 6, 3 heads, idx (3, 6) = the full block_size",
         _config(V=7, T=6, layers=1, heads=3, C=6, bias=False), (3, 6), True),
    ]
    for i, (name, config, shape, with_targets) in enumerate(settings):
        idx = _ids(shape, config.vocab_size, seed=i)
        kwargs = {"targets": _ids(shape, config.vocab_size, seed=i + 10)} if with_targets else {}
        yield module_case(name, lambda config=config: GPT(config),
                          lambda config=config: _TorchGPT(config), idx, forward_kwargs=kwargs)


class _GPTUntied(_LibGPT):
    """Planted bug: the head gets its own (V, C) matrix, a copy of wte's."""

    def __init__(self, config):
        super().__init__(config)
        self.lm_head.weight = nn.Parameter(self.wte.weight.detach().clone())


class _GPTNoPositions(_LibGPT):
    """Planted bug: the position embeddings are created but never added."""

    def forward(self, idx, targets=None, *, cache=None, trace=None):
        x = self.wte(idx)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        return logits, _lib_cross_entropy(logits.flatten(0, 1), targets.flatten())


class _GPTNoFinalNorm(_LibGPT):
    """Planted bug: the final LayerNorm ln_f is skipped."""

    def forward(self, idx, targets=None, *, cache=None, trace=None):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(x)
        if targets is None:
            return logits, None
        return logits, _lib_cross_entropy(logits.flatten(0, 1), targets.flatten())


# ---- next_token_loss -------------------------------------------------------------------


def _torch_next_token_loss(logits, targets):
    return TF.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def next_token_loss_cases(loss):
    settings = [(1, 1, 2, 1.0, torch.float64), (2, 5, 7, 1.0, torch.float64),
                (1, 9, 3, 2.0, torch.float32), (3, 4, 11, 400.0, torch.float64)]
    for i, (B, T, V, scale, dtype) in enumerate(settings):
        ids = _ids((B, T + 1), V, seed=i)                  # a stream of T + 1 tokens per row
        targets = ids[:, 1:]                               # the token after each position
        logits = randn(B, T, V, seed=i, scale=scale, dtype=dtype)
        size = " (large: |logit| up to ~1000)" if scale > 10 else ""
        yield fn_case(f"logits {(B, T, V)} {str(dtype)[6:]}{size}, targets = ids[:, 1:]",
                      loss, _torch_next_token_loss, logits, targets)


def _ntl_naive(logits, targets):
    """Planted bug: log(sum(exp(z))) without subtracting the maximum (overflows)."""
    z = logits.reshape(-1, logits.shape[-1])
    y = targets.reshape(-1)
    return (z.exp().sum(-1).log() - z[torch.arange(len(y)), y]).mean()


def _ntl_wrong_dim(logits, targets):
    """Planted bug: the log-softmax normalises over the positions (dim 1), not the vocab."""
    m = logits.amax(1, keepdim=True)
    logp = logits - m - (logits - m).exp().sum(1, keepdim=True).log()
    return -logp.gather(-1, targets[..., None]).mean()


def _ntl_sum(logits, targets):
    """Planted bug: summed over the B*T tokens instead of averaged."""
    m = logits.amax(-1, keepdim=True)
    logp = logits - m - (logits - m).exp().sum(-1, keepdim=True).log()
    return -logp.gather(-1, targets[..., None]).sum()


# ---- the exercises ---------------------------------------------------------------------

_GPT_IMPORTS = ("from dlfs.models.gpt import GPTConfig",)

EXERCISES = [
    Exercise(
        id="causal_self_attention", entry="CausalSelfAttention", lesson="capstone-shapes",
        at=("pytorch:23", "pytorch:27", "book:10"),
        title=("Causal self-attention with a KV cache", "带 KV 缓存的因果自注意力"),
        task=("Write CausalSelfAttention(d_model C, n_heads H, bias=False, layer=0) with "
              "GPT-2's parameters: c_attn, a Linear(C, 3C) whose output splits into q, k, v "
              "(in that order), and c_proj, a Linear(C, C). forward(x, cache=None) maps "
              "x (B, T, C) to (B, T, C): split q, k, v into H heads (B, H, T, D), D = C / H; "
              "with a cache, append k and v with cache.append(self.layer, 'k', k) (and 'v'): "
              "each returns all S positions so far (B, H, S, D). Then y = softmax(q k^T / "
              "sqrt(D) + M) v, where M blocks key s for query t unless s <= t + (S - T): the "
              "T new queries come after S - T cached positions. Put the heads side by side "
              "and apply c_proj. Fed a prompt and then a token at a time, the outputs must "
              "equal one pass over the whole sequence.",
              "写出 CausalSelfAttention(d_model C, n_heads H, bias=False, layer=0)，参数沿用 "
              "GPT-2 的命名：c_attn 是 Linear(C, 3C)，输出依次切成 q、k、v；c_proj 是 "
              "Linear(C, C)。forward(x, cache=None) 把 x (B, T, C) 映射为 (B, T, C)：把 q、k、v "
              "拆成 H 个头 (B, H, T, D)，D = C / H；若有 cache，用 "
              "cache.append(self.layer, 'k', k)（以及 'v'）追加，它返回到目前为止全部 S "
              "个位置 (B, H, S, D)。然后 y = softmax(q k^T / sqrt(D) + M) v，其中除非 "
              "s <= t + (S - T)，否则 M 屏蔽 query t 对 key s 的注意力：T 个新 query 排在 "
              "S - T 个已缓存位置之后。最后把各头并排拼接，经过 c_proj。先喂提示词、再逐个 "
              "token 喂入时，输出必须与一次性处理整个序列相同。"),
        imports=("from dlfs.attention.kv_cache import KVCache",
                 "from dlfs.nn.functional.attention import causal_mask, "
                 "scaled_dot_product_attention",
                 "from dlfs.nn.linear import Linear"),
        allowed=("dlfs.attention.kv_cache:KVCache", "dlfs.nn.linear:Linear",
                 "dlfs.nn.functional.attention:causal_mask",
                 "dlfs.nn.functional.attention:scaled_dot_product_attention"),
        stub='''
            class CausalSelfAttention(nn.Module):
                def __init__(self, d_model: int, n_heads: int, *, bias: bool = False,
                             layer: int = 0):
                    """c_attn = Linear(C, 3C, bias=bias) -> [q | k | v];
                    c_proj = Linear(C, C, bias=bias); layer: this layer's index in a cache."""
                    super().__init__()

                def forward(self, x: Tensor, cache: KVCache | None = None) -> Tensor:
                    """x (B, T, C) -> (B, T, C); with a cache, x holds only the new positions."""
        ''',
        reference="dlfs.attention.causal_self_attention:CausalSelfAttention",
        cases=csa_cases,
        mutants={"mask without the cache offset": _CSAOffsetForgotten,
                 "heads split by a plain reshape": _CSAHeadsByView,
                 "cache never read": _CSACacheUnused},
        hints=(("q, k, v = self.c_attn(x).split(C, dim=2); each becomes "
                "t.view(B, T, H, D).transpose(1, 2).",
                "q, k, v = self.c_attn(x).split(C, dim=2)；每个再变成 "
                "t.view(B, T, H, D).transpose(1, 2)。"),
               ("With a cache, k = cache.append(self.layer, 'k', k) and the same for v; then "
                "S = k.shape[-2].",
                "有 cache 时，k = cache.append(self.layer, 'k', k)，v 同理；然后 "
                "S = k.shape[-2]。"),
               ("mask = causal_mask(T, S, offset=S - T); y = scaled_dot_product_attention(q, k, "
                "v, attn_mask=mask); y.transpose(1, 2).reshape(B, T, C) goes into c_proj.",
                "mask = causal_mask(T, S, offset=S - T)；y = scaled_dot_product_attention(q, k, "
                "v, attn_mask=mask)；y.transpose(1, 2).reshape(B, T, C) 再送入 c_proj。")),
    ),
    Exercise(
        id="kv_cache", entry="KVCache", lesson="decoding-strategies",
        at=("pytorch:27", "book:10"),
        title=("The KV cache", "KV 缓存"),
        task=("Write KVCache, the store a decoder keeps so that each new token costs one step. "
              "For every layer it holds named tensors ('k', 'v', or anything else) whose "
              "position axis is dim -2: (B, H, S, D) or (B, S, d). append(layer, name, t) "
              "concatenates t (..., T, ·) after the cached tensor of that layer and name "
              "(the first append just stores t) and returns the whole (..., S, ·). "
              "layer_length(layer) is the number of positions cached for that layer (0 if "
              "none). The property length is the number of positions before the current "
              "forward pass: layers are filled in order, so read the last layer that has "
              "entries (0 for an empty cache). The checks also run the library's GPT on your "
              "cache: a prompt, then one token at a time, must give the logits of one full "
              "pass.",
              "写出 KVCache：解码器保存的缓存，使每个新 token 只需一步计算。它为每一层保存若干"
              "具名张量（'k'、'v' 或其他名字），位置轴是倒数第二维：(B, H, S, D) 或 (B, S, d)。"
              "append(layer, name, t) 把 t (..., T, ·) 接在该层该名字的缓存张量之后（第一次 "
              "append 直接存下 t），并返回完整的 (..., S, ·)。layer_length(layer) 是该层已缓存的"
              "位置数（没有则为 0）。属性 length 是本次前向之前的位置数：各层按顺序填充，所以"
              "读取最后一个有内容的层（空缓存为 0）。检查时还会用本库的 GPT 配合你的缓存运行："
              "先喂提示词，再逐个 token 喂入，得到的 logits 必须与一次完整前向相同。"),
        stub='''
            class KVCache:
                def __init__(self):
                    """Per layer, a dict name -> tensor; positions along dim -2."""

                def append(self, layer: int, name: str, t: Tensor) -> Tensor:
                    """t (..., T, d) -> the cached (..., S, d), S = cached + T."""

                def layer_length(self, layer: int) -> int:
                    """Positions cached for this layer (0 if nothing)."""

                @property
                def length(self) -> int:
                    """Positions before the current forward pass (the last layer's)."""
        ''',
        reference="dlfs.attention.kv_cache:KVCache",
        cases=kv_cache_cases,
        mutants={"concatenated on the last dim": _CacheLastDim,
                 "new positions before the cached ones": _CacheNewFirst,
                 "length read from layer 0": _CacheLengthFirstLayer,
                 "append returns only the new tensor": _CacheReturnsNew},
        hints=(("Keep self.layers = [] of dicts; grow the list until index layer exists.",
                "用 self.layers = [] 存放每层一个 dict；列表不够长时补到 layer 这一项。"),
               ("t = torch.cat([entry[name], t], dim=-2) when the name is there; store it and "
                "return it.",
                "若该名字已存在，t = torch.cat([entry[name], t], dim=-2)；存回去并返回。"),
               ("length: the layer_length of the last layer (len(self.layers) - 1): while a "
                "step runs, earlier layers already hold the new token.",
                "length：取最后一层（len(self.layers) - 1）的 layer_length：一步进行到一半时，"
                "前面的层已经存入了新 token。")),
    ),
    Exercise(
        id="transformer_encoder_layer", entry="TransformerEncoderLayer",
        lesson="transformer-block", at=("pytorch:24", "book:8"),
        title=("Transformer encoder layer, Post-LN and Pre-LN",
               "Transformer 编码器层（Post-LN 与 Pre-LN）"),
        task=("Write TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, "
              "activation='relu', batch_first=False, norm_first=False) with torch's parameter "
              "names: self_attn (a MultiheadAttention), linear1 (d_model -> dim_feedforward), "
              "linear2 (back to d_model), norm1, norm2 (LayerNorm). FFN(x) = linear2(act(linear1"
              "(x))), act being ReLU or exact GELU. Post-LN (norm_first=False, the 2017 "
              "paper): x = norm1(x + SA(x)); x = norm2(x + FFN(x)). Pre-LN (norm_first=True): "
              "x = x + SA(norm1(x)); x = x + FFN(norm2(x)). SA(x) is self-attention of x with "
              "src_mask (S, S) (bool True = blocked, or float added) and src_key_padding_mask "
              "(B, S) (True = padding). Dropout (after the attention, after the activation, "
              "after linear2, and inside the attention) acts in train mode only; the checks "
              "compare in eval mode when it is not 0.",
              "写出 TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, "
              "activation='relu', batch_first=False, norm_first=False)，参数名与 torch 相同："
              "self_attn（MultiheadAttention）、linear1（d_model -> dim_feedforward）、linear2"
              "（变回 d_model）、norm1、norm2（LayerNorm）。FFN(x) = linear2(act(linear1(x)))，"
              "act 为 ReLU 或精确版 GELU。Post-LN（norm_first=False，2017 年原论文）："
              "x = norm1(x + SA(x))；x = norm2(x + FFN(x))。Pre-LN（norm_first=True）："
              "x = x + SA(norm1(x))；x = x + FFN(norm2(x))。SA(x) 是 x 的自注意力，使用 "
              "src_mask (S, S)（布尔 True 表示屏蔽，或浮点加到分数上）和 src_key_padding_mask "
              "(B, S)（True 表示填充）。dropout（注意力之后、激活之后、linear2 之后，以及注意力"
              "内部）只在训练模式生效；dropout 不为 0 时检查在 eval 模式下比较。"),
        imports=("from dlfs.nn.attention import MultiheadAttention",
                 "from dlfs.nn.dropout import Dropout",
                 "from dlfs.nn.functional.activation import gelu, relu",
                 "from dlfs.nn.linear import Linear",
                 "from dlfs.nn.normalization import LayerNorm"),
        allowed=("dlfs.nn.attention:MultiheadAttention", "dlfs.nn.dropout:Dropout",
                 "dlfs.nn.functional.activation:gelu", "dlfs.nn.functional.activation:relu",
                 "dlfs.nn.linear:Linear", "dlfs.nn.normalization:LayerNorm"),
        stub='''
            class TransformerEncoderLayer(nn.Module):
                def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                             dropout: float = 0.1, activation: str = "relu",
                             batch_first: bool = False, norm_first: bool = False):
                    """self_attn, linear1, linear2, norm1, norm2 (torch's names)."""
                    super().__init__()

                def forward(self, src: Tensor, src_mask: Tensor | None = None,
                            src_key_padding_mask: Tensor | None = None) -> Tensor:
                    """src (B, S, d_model) if batch_first else (S, B, d_model); same shape out."""
        ''',
        reference="dlfs.nn.transformer:TransformerEncoderLayer",
        cases=encoder_layer_cases,
        mutants={"Pre-LN residual taken from LN(x)": _EncoderResidualFromNorm,
                 "Post-LN normalises the sublayer only": _EncoderNormSublayerOnly,
                 "activation ignored (always ReLU)": _EncoderAlwaysRelu},
        hints=(("self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, "
                "batch_first=batch_first); SA(x) = self.self_attn(x, x, x, attn_mask=src_mask, "
                "key_padding_mask=src_key_padding_mask, need_weights=False)[0].",
                "self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, "
                "batch_first=batch_first)；SA(x) = self.self_attn(x, x, x, attn_mask=src_mask, "
                "key_padding_mask=src_key_padding_mask, need_weights=False)[0]。"),
               ("Keep the residual stream x itself in the sums: Pre-LN feeds norm1(x) to the "
                "sublayer but adds the result to x, not to norm1(x).",
                "求和时保留残差流 x 本身：Pre-LN 把 norm1(x) 送进子层，但结果加到 x 上，"
                "而不是加到 norm1(x) 上。")),
    ),
    Exercise(
        id="gpt_block", entry="Block", lesson="transformer-block", at=("pytorch:24",),
        title=("The GPT block (Pre-LN)", "GPT 的 Transformer Block（Pre-LN）"),
        task=("Write Block(config, layer=0), GPT-2's Pre-LN block on x (B, T, C), "
              "C = config.n_embd: x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x)). ln_1 and "
              "ln_2 are LayerNorm(C) (with a bias only if config.bias); attn is "
              "CausalSelfAttention(C, config.n_head, bias=config.bias, layer=layer); mlp is a "
              "submodule with c_fc = Linear(C, 4C) and c_proj = Linear(4C, C) (bias per "
              "config.bias) computing c_proj(GELU(c_fc(x))), GELU exact. The parameter names "
              "(ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj) must be these, "
              "since the checker loads weights by name.",
              "写出 Block(config, layer=0)，即 GPT-2 的 Pre-LN 块，输入 x (B, T, C)，"
              "C = config.n_embd：x = x + attn(ln_1(x))，然后 x = x + mlp(ln_2(x))。ln_1、ln_2 "
              "是 LayerNorm(C)（仅当 config.bias 为真时带 bias）；attn 是 CausalSelfAttention(C, "
              "config.n_head, bias=config.bias, layer=layer)；mlp 是一个子模块，含 c_fc = "
              "Linear(C, 4C) 和 c_proj = Linear(4C, C)（bias 由 config.bias 决定），计算 "
              "c_proj(GELU(c_fc(x)))，GELU 用精确版。参数名（ln_1、attn.c_attn、attn.c_proj、"
              "ln_2、mlp.c_fc、mlp.c_proj）必须一致，因为检查时按名字加载权重。"),
        imports=(*_GPT_IMPORTS,
                 "from dlfs.attention.causal_self_attention import CausalSelfAttention",
                 "from dlfs.nn.activation import GELU",
                 "from dlfs.nn.linear import Linear",
                 "from dlfs.nn.normalization import LayerNorm"),
        allowed=("dlfs.attention.causal_self_attention:CausalSelfAttention",
                 "dlfs.nn.activation:GELU", "dlfs.nn.linear:Linear",
                 "dlfs.nn.normalization:LayerNorm"),
        stub='''
            class Block(nn.Module):
                def __init__(self, config: GPTConfig, layer: int = 0):
                    """ln_1, attn, ln_2, mlp (mlp.c_fc: C -> 4C, mlp.c_proj: 4C -> C)."""
                    super().__init__()

                def forward(self, x: Tensor) -> Tensor:
                    """x (B, T, C) -> (B, T, C), causal."""
        ''',
        reference="dlfs.models.gpt:Block",
        cases=block_cases,
        mutants={"Post-LN wiring": _BlockPostLN,
                 "MLP residual forgotten": _BlockMLPResidualForgotten,
                 "ReLU instead of GELU": _BlockRelu},
        hints=(("The MLP can be a small nn.Module of its own, or nn.ModuleDict(c_fc=..., "
                "c_proj=...), as long as the names are mlp.c_fc and mlp.c_proj.",
                "MLP 可以是一个自己写的小 nn.Module，也可以用 nn.ModuleDict(c_fc=..., "
                "c_proj=...)，只要名字是 mlp.c_fc 和 mlp.c_proj。"),
               ("LayerNorm(C, bias=config.bias); the sublayers see the normalised x, the "
                "residual adds to x itself.",
                "LayerNorm(C, bias=config.bias)；子层看到的是归一化后的 x，残差加到 x 本身。")),
    ),
    Exercise(
        id="gpt", entry="GPT", lesson="capstone-shapes", at=("pytorch:27",),
        title=("A GPT with tied embeddings", "权重共享的 GPT"),
        task=("Write GPT(config): idx (B, T) int64 -> (logits (B, T, V), loss). "
              "h_0 = wte(idx) + wpe(positions 0..T-1), wte an Embedding(V, C) and wpe an "
              "Embedding(block_size, C); then the config.n_layer blocks h[i] = Block(config, i) "
              "in an nn.ModuleList h; then ln_f = LayerNorm(C) (bias per config.bias); "
              "logits = lm_head(ln_f(x)) with lm_head = Linear(C, V, bias=False) whose weight "
              "IS wte.weight (one Parameter used twice, not a copy). With targets (B, T) the "
              "loss is the mean cross-entropy over all B*T positions, else None. dropout is 0 "
              "in the checks.",
              "写出 GPT(config)：idx (B, T) int64 -> (logits (B, T, V), loss)。"
              "h_0 = wte(idx) + wpe(位置 0..T-1)，wte 是 Embedding(V, C)，wpe 是 "
              "Embedding(block_size, C)；接着是 config.n_layer 个块 h[i] = Block(config, i)，"
              "放在 nn.ModuleList h 中；然后 ln_f = LayerNorm(C)（bias 由 config.bias 决定）；"
              "logits = lm_head(ln_f(x))，其中 lm_head = Linear(C, V, bias=False)，它的 weight "
              "就是 wte.weight（同一个 Parameter 用两次，不是拷贝）。给出 targets (B, T) 时，"
              "loss 是全部 B*T 个位置交叉熵的平均，否则为 None。检查中 dropout 为 0。"),
        imports=(*_GPT_IMPORTS,
                 "from dlfs.models.gpt import Block",
                 "from dlfs.nn.embedding import Embedding",
                 "from dlfs.nn.functional.class_losses import cross_entropy",
                 "from dlfs.nn.linear import Linear",
                 "from dlfs.nn.normalization import LayerNorm"),
        allowed=("dlfs.models.gpt:Block", "dlfs.nn.embedding:Embedding",
                 "dlfs.nn.functional.class_losses:cross_entropy", "dlfs.nn.linear:Linear",
                 "dlfs.nn.normalization:LayerNorm"),
        stub='''
            class GPT(nn.Module):
                def __init__(self, config: GPTConfig):
                    """wte (V, C), wpe (block_size, C), h (ModuleList of Block), ln_f,
                    lm_head (C -> V, no bias) sharing wte.weight."""
                    super().__init__()

                def forward(self, idx: Tensor, targets: Tensor | None = None
                            ) -> tuple[Tensor, Tensor | None]:
                    """idx (B, T) int64 -> (logits (B, T, V), mean cross-entropy or None)."""
        ''',
        reference="dlfs.models.gpt:GPT",
        cases=gpt_cases,
        mutants={"head not tied to wte": _GPTUntied,
                 "position embeddings never added": _GPTNoPositions,
                 "final LayerNorm skipped": _GPTNoFinalNorm},
        hints=(("Tie after creating both: self.lm_head.weight = self.wte.weight.",
                "两个都建好之后再共享：self.lm_head.weight = self.wte.weight。"),
               ("pos = torch.arange(T, device=idx.device); x = self.wte(idx) + self.wpe(pos) "
                "broadcasts (T, C) over B.",
                "pos = torch.arange(T, device=idx.device)；x = self.wte(idx) + self.wpe(pos)，"
                "(T, C) 会在 B 上广播。"),
               ("loss = cross_entropy(logits.view(B * T, V), targets.view(B * T)).",
                "loss = cross_entropy(logits.view(B * T, V), targets.view(B * T))。")),
    ),
    Exercise(
        id="next_token_loss", entry="next_token_loss", lesson="lm-training-loop",
        at=("pytorch:25",),
        title=("The next-token loss", "下一个 token 的预测损失"),
        task=("A language model trained on a stream of ids sees x = ids[:, :-1] and must "
              "predict y = ids[:, 1:]: position t is scored on token t + 1. Given the model's "
              "logits (B, T, V) for x and these targets (B, T) (int64), return the mean over "
              "all B*T positions of the cross-entropy  logsumexp_v logits[b, t, v] - "
              "logits[b, t, y[b, t]], a scalar. Subtract each row's maximum before exp so "
              "that large logits do not overflow. A model guessing uniformly scores ln V.",
              "在 id 流上训练的语言模型看到 x = ids[:, :-1]，要预测 y = ids[:, 1:]："
              "位置 t 的得分由第 t + 1 个 token 决定。给定模型对 x 输出的 logits (B, T, V) "
              "和这些目标 (B, T)（int64），返回全部 B*T 个位置上交叉熵  logsumexp_v "
              "logits[b, t, v] - logits[b, t, y[b, t]]  的平均值（标量）。exp 之前先减去每行的"
              "最大值，避免 logits 很大时溢出。均匀猜测的模型得分为 ln V。"),
        stub='''
            def next_token_loss(logits: Tensor, targets: Tensor) -> Tensor:
                """logits (B, T, V), targets (B, T) int64 (the next tokens) -> scalar mean."""
        ''',
        reference="dlfs.recipes.lm:next_token_loss",
        cases=next_token_loss_cases,
        mutants={"no max subtracted (overflows)": _ntl_naive,
                 "normalised over the positions": _ntl_wrong_dim,
                 "summed instead of averaged": _ntl_sum},
        hints=(("Flatten: z = logits.reshape(-1, V) and y = targets.reshape(-1), so there are "
                "B*T rows of V scores.",
                "先展平：z = logits.reshape(-1, V)，y = targets.reshape(-1)，得到 B*T 行、"
                "每行 V 个分数。"),
               ("m = z.amax(-1, keepdim=True); lse = m.squeeze(-1) + (z - m).exp().sum(-1).log(); "
                "picked = z[torch.arange(len(y)), y]; return (lse - picked).mean().",
                "m = z.amax(-1, keepdim=True)；lse = m.squeeze(-1) + (z - m).exp().sum(-1).log()；"
                "picked = z[torch.arange(len(y)), y]；返回 (lse - picked).mean()。")),
    ),
]
