# %% [markdown]
# # Day 5 · Einsum — Einsum 爱因斯坦求和约定
#
# **Library files:** `src/dlfs/tensors/einsum.py` (`einsum`, `parse_equation`).
#
# `einsum("bhqd,bhkd->bhqk", q, k)` names every dimension with a letter. The rule is short:
# *letters that appear in the inputs but not in the output are multiplied and summed over;
# letters in the output are kept, in the order written.* A letter repeated inside one input
# takes a diagonal. With no `->`, the output is every letter used exactly once, sorted.
# `...` stands for any number of leading dimensions.
#
# Our `einsum` turns any such equation into permutes, reshapes and **one batched matmul** per
# pair of operands. We check it against `torch.einsum` and against the explicit operation
# each equation stands for, then open it up on the attention-scores equation.

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import compare
from dlfs.tensors import EinsumError, einsum, expand_ellipsis, parse_equation

ctx = lesson_context("einsum")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The common equations, three ways each
# Our einsum, `torch.einsum`, and the operation you would otherwise write.

# %%
A, Bm = torch.randn(3, 4), torch.randn(4, 5)
Q, Kt = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8)  # (B, H, T, D), (B, H, S, D)
u, v = torch.randn(3), torch.randn(6)
S = torch.randn(4, 4)
x1, W, x2 = torch.randn(2, 3), torch.randn(5, 3, 4), torch.randn(2, 4)
batch1, batch2 = torch.randn(6, 3, 4), torch.randn(6, 4, 2)
table = [
    ("matmul", "ij,jk->ik", (A, Bm), A @ Bm),
    ("batched matmul", "bij,bjk->bik", (batch1, batch2), torch.bmm(batch1, batch2)),
    ("outer product", "i,j->ij", (u, v), torch.outer(u, v)),
    ("trace", "ii->", (S,), torch.trace(S)),
    ("diagonal", "ii->i", (S,), torch.diagonal(S)),
    ("transpose", "ij->ji", (A,), A.T),
    ("row sums", "ij->i", (A,), A.sum(1)),
    ("bilinear x1ᵀ W x2", "bn,anm,bm->ba", (x1, W, x2),
     torch.nn.functional.bilinear(x1, x2, W)),
    ("attention scores", "bhqd,bhkd->bhqk", (Q, Kt), Q @ Kt.transpose(-2, -1)),
]
print(f"{'what':<20}{'equation':<18}{'output shape':<16}{'max |ours - torch.einsum|'}")
for name, eq, ops, explicit in table:
    ours = einsum(eq, *ops)
    ref = torch.einsum(eq, *ops)
    err = (ours - ref).abs().max().item() if ours.numel() else 0.0
    print(f"{name:<20}{eq:<18}{tuple(ours.shape)!s:<16}{err:.1e}")
    assert ours.shape == ref.shape == explicit.shape, name
    assert torch.allclose(ours, ref, atol=1e-5) and torch.allclose(ours, explicit, atol=1e-5)

# %% [markdown]
# ## 2. Reading an equation: four groups of letters
# For two operands A and B every letter is one of: **batch** (in A, B and the output),
# **kept from A**, **kept from B**, or **contracted** (in A and B, not in the output).
# Those become the `b`, `m`, `n` and `k` of `bmm: (b, m, k) @ (b, k, n) -> (b, m, n)`.

# %%
eq = parse_equation("bhqd,bhkd->bhqk")
ta, tb = eq.inputs
groups = {
    "batch": [c for c in ta if c in tb and c in eq.output],
    "kept from A (m)": [c for c in ta if c not in tb],
    "kept from B (n)": [c for c in tb if c not in ta],
    "contracted (k)": [c for c in ta if c in tb and c not in eq.output],
}
for name, letters in groups.items():
    print(f"{name:<16}: {letters}")
assert groups["batch"] == ["b", "h"] and groups["contracted (k)"] == ["d"]

# %% [markdown]
# ## 3. Under the hood, step by step
# Permute A to `(batch, m, k)`, B to `(batch, k, n)`, flatten each group, one `bmm`, then
# unflatten and permute to the output order. This is what `einsum` does internally.

# %%
Bsz, H, T, Sk, D = 2, 3, 5, 7, 8
a3 = Q.permute(0, 1, 2, 3).reshape(Bsz * H, T, D)   # (b·h, q, d)
b3 = Kt.permute(0, 1, 3, 2).reshape(Bsz * H, D, Sk)  # (b·h, d, k)
c3 = torch.bmm(a3, b3)                               # (b·h, q, k)
manual = c3.reshape(Bsz, H, T, Sk)                   # (b, h, q, k)
print("A", tuple(Q.shape), "-> (b·h, q, d)", tuple(a3.shape))
print("B", tuple(Kt.shape), "-> (b·h, d, k)", tuple(b3.shape))
print("bmm ->", tuple(c3.shape), "-> reshape", tuple(manual.shape))
assert torch.allclose(manual, einsum("bhqd,bhkd->bhqk", Q, Kt), atol=1e-6)

# %% [markdown]
# ## 4. Implicit mode and its trap
# Without `->` the output letters are sorted. So `"ij,jk"` is a matmul, but `"ji"` alone is a
# **transpose** (output `ij`), and `"ij,ij"` is a full dot product (every letter used twice).

# %%
print("'ij,jk' ->", parse_equation("ij,jk").output, "| 'ji' ->", parse_equation("ji").output,
      "| 'ij,ij' ->", repr(parse_equation("ij,ij").output))
assert torch.equal(einsum("ji", A), A.T) and torch.equal(torch.einsum("ji", A), A.T)
assert torch.allclose(einsum("ij,ij", A, A), (A * A).sum())

# %% [markdown]
# An ellipsis names "all the leading dimensions", which then broadcast like Day 3's rule.
# `einsum` rewrites it as fresh letters once it sees the shapes (`expand_ellipsis`).

# %%
rewritten = expand_ellipsis("...qd,...kd->...qk", [Q.dim(), Kt.dim()])
print("'...qd,...kd->...qk' becomes", repr(rewritten))
assert rewritten == "ABqd,ABkd->ABqk"
assert torch.allclose(einsum("...qd,...kd->...qk", Q, Kt), Q @ Kt.transpose(-2, -1), atol=1e-5)
lead = einsum("...ij,...jk->...ik", torch.randn(2, 1, 3, 4), torch.randn(5, 4, 6))
assert lead.shape == (2, 5, 3, 6)  # batch dims (2, 1) and (5,) broadcast to (2, 5)

# %% [markdown]
# ## 5. Malformed equations get a message that says what was expected

# %%
for bad, ops in [("ij,jk->ik", (A,)), ("ijk->i", (A,)), ("ij,jk->ik", (A, A)),
                 ("ij->iz", (A,)), ("i j -> j 1", (A,))]:
    try:
        einsum(bad, *ops)
    except EinsumError as exc:
        print(f"{bad!r:<14} -> {exc}")
    else:
        raise AssertionError(f"{bad!r} should have been refused")

# %% [markdown]
# ## 6. Speed: ours vs the built-in on attention scores
# Both end in one batched matmul, so the time should be in the same range; the extra cost of
# ours is the Python parsing and a copy in `reshape` when a permute made a tensor
# non-contiguous. (Ratios from one run; the machine is shared.)

# %%
size = (8, 4, 64, 32) if ctx.quick else (32, 8, 128, 64)
q, k = torch.randn(size), torch.randn(size)
results = compare({
    "dlfs einsum": lambda: einsum("bhqd,bhkd->bhqk", q, k),
    "torch.einsum": lambda: torch.einsum("bhqd,bhkd->bhqk", q, k),
    "q @ k.transpose": lambda: q @ k.transpose(-2, -1),
}, repeat=5 if ctx.quick else 20, number=10)
assert torch.allclose(einsum("bhqd,bhkd->bhqk", q, k), q @ k.transpose(-2, -1), atol=1e-4)
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.barh([r.label for r in results], [r.min * 1e3 for r in results], color="tab:blue")
ax.set_xlabel("ms per call (min over repeats)")
ax.set_title(f"'bhqd,bhkd->bhqk' with q, k of shape {size}")
ctx.savefig(fig, "einsum_speed.png")

print("\nDay 5 done. Next: `dlfs run numpy-interop`.")
