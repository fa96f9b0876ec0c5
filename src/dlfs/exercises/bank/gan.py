"""Exercises on the GAN objectives: the WGAN-GP gradient penalty and the non-saturating
generator loss (topic series "generative"; lessons ``wgan-gp`` and ``gan-losses``).

The penalty has no PyTorch built-in. Its checker computes it again one sample at a time
with ``torch.autograd.grad`` and compares value and gradients with respect to the critic's
parameters (which exist only if the learner kept the graph: ``create_graph=True``); it uses
critics with a known answer (linear ones: the gradient is the weight vector), and a critic
that records the points it is shown, to check that each sample gets its own eps. The
critics are small closures over float64 tensors, written here so that they only use basic
tensor operations. The loss is compared with ``binary_cross_entropy_with_logits``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..cases import Case, assert_close, fn_case, randn, watched
from ..schema import Exercise

# ---- gradient_penalty ---------------------------------------------------------------------


class _Critic:
    """f(x) = tanh(x W1 + b1) . w2 on flattened inputs; W1, b1, w2 are float64 leaves that
    require grad. ``seen`` keeps the inputs of the last call (for the eps checks)."""

    def __init__(self, features: int, hidden: int = 6, seed: int = 0,
                 linear: Tensor | None = None) -> None:
        self.linear = linear
        self.W1 = randn(features, hidden, seed=seed, scale=features ** -0.5).requires_grad_()
        self.b1 = randn(hidden, seed=seed + 1, scale=0.3).requires_grad_()
        self.w2 = randn(hidden, seed=seed + 2).requires_grad_()
        self.seen: Tensor | None = None

    def parameters(self) -> list[Tensor]:
        return [self.W1, self.b1, self.w2]

    def __call__(self, x: Tensor) -> Tensor:
        self.seen = x.detach().clone()
        flat = x.reshape(x.shape[0], -1)                       # (B, F)
        if self.linear is not None:                            # f(x) = <w, x>: grad = w
            return flat @ self.linear
        return torch.tanh(flat @ self.W1 + self.b1) @ self.w2  # (B,)


def _hand_penalty(critic: _Critic, x_real: Tensor, x_fake: Tensor, eps: Tensor) -> Tensor:
    """The penalty one sample at a time: x_hat_b, its gradient, (||g_b|| - 1)^2, the mean."""
    terms = []
    for b in range(len(x_real)):
        x_hat = (eps[b] * x_real[b] + (1 - eps[b]) * x_fake[b]).unsqueeze(0).requires_grad_()
        (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        terms.append((g.reshape(-1).pow(2).sum().sqrt() - 1) ** 2)
    return torch.stack(terms).mean()


def _penalty_case(impl, name: str, shape: tuple[int, ...], seed: int,
                  linear_norm: float | None = None) -> Case:
    gp_fn = watched(impl)

    def run() -> None:
        B, features = shape[0], int(torch.tensor(shape[1:]).prod())
        linear = None
        if linear_norm is not None:
            w = randn(features, seed=seed + 5)
            linear = (w / w.norm() * linear_norm).requires_grad_()
        critic = _Critic(features, seed=seed, linear=linear)
        x_real, x_fake = randn(*shape, seed=seed + 3), randn(*shape, seed=seed + 4)
        eps = torch.rand(B, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        got = gp_fn(critic, x_real, x_fake, eps)
        want = _hand_penalty(critic, x_real, x_fake, eps)
        assert_close(got, want.detach(), "the penalty", atol=1e-9)
        params = [linear] if linear is not None else critic.parameters()
        if not got.requires_grad:
            raise AssertionError("the penalty carries no gradient back to the critic's "
                                 "parameters, so it cannot train the critic: take the "
                                 "gradient with create_graph=True")
        ours = torch.autograd.grad(got, params, allow_unused=True)
        ref = torch.autograd.grad(want, params, allow_unused=True)
        for i, (a, b) in enumerate(zip(ours, ref)):
            if a is None:
                raise AssertionError(f"no gradient of the penalty reached critic parameter "
                                     f"{i}: keep the graph (create_graph=True)")
            assert_close(a, b, f"gradient of the penalty w.r.t. critic parameter {i}",
                         atol=1e-9)
    return Case(name, run)


def _eps_case(impl) -> Case:
    gp_fn = watched(impl)

    def run() -> None:
        B = 16
        critic = _Critic(6, seed=40)
        x_real, x_fake = randn(B, 2, 3, seed=41), randn(B, 2, 3, seed=42)
        gp_fn(critic, x_real, x_fake)                        # eps drawn inside
        if critic.seen is None or critic.seen.shape != x_real.shape:
            got = None if critic.seen is None else tuple(critic.seen.shape)
            raise AssertionError(f"the critic should see x_hat of shape {tuple(x_real.shape)}, "
                                 f"saw {got}")
        # x_hat = eps x_real + (1 - eps) x_fake  =>  eps = (x_hat - x_fake) / (x_real - x_fake)
        ratio = ((critic.seen - x_fake) / (x_real - x_fake)).reshape(B, -1)     # (B, 6)
        spread_in_sample = (ratio.max(1).values - ratio.min(1).values).max()
        if spread_in_sample > 1e-6:
            raise AssertionError("within one sample, different features were mixed with "
                                 f"different eps (spread {float(spread_in_sample):.3g}): draw "
                                 "one eps per sample, shape (B, 1, ..., 1)")
        eps = ratio[:, 0]
        if bool(((eps < -1e-9) | (eps > 1 + 1e-9)).any()):
            raise AssertionError(f"eps must lie in [0, 1], got {eps.min():.3g}..{eps.max():.3g}")
        if float(eps.max() - eps.min()) < 1e-3:
            raise AssertionError(f"all {B} samples were mixed with the same eps "
                                 f"({float(eps[0]):.3f}): draw one eps per sample, not one "
                                 "for the whole batch")
    return Case("eps=None: x (16, 2, 3) gets one eps ~ U[0, 1] per sample", run)


def gradient_penalty_cases(impl):
    yield _penalty_case(impl, "linear critic with ||w|| = 1, x (1, 3): GP = 0", (1, 3), 0,
                        linear_norm=1.0)
    yield _penalty_case(impl, "linear critic with ||w|| = 2.5, x (3, 2, 2): GP = 2.25",
                        (3, 2, 2), 10, linear_norm=2.5)
    yield _penalty_case(impl, "tanh critic, x (5, 4) float64", (5, 4), 20)
    yield _penalty_case(impl, "tanh critic, images x (3, 1, 3, 3) float64", (3, 1, 3, 3), 30)
    yield _eps_case(impl)


def _gp_parts(critic, x_real, x_fake, eps, *, one_eps=False, create_graph=True,
              squared=False, minus_one=True):
    B = x_real.shape[0]
    if eps is None:
        eps = torch.rand(1).expand(B) if one_eps else torch.rand(B)
    eps = eps.to(x_real.dtype).reshape(B, *[1] * (x_real.dim() - 1))
    x_hat = (eps * x_real + (1 - eps) * x_fake).detach().requires_grad_()
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=create_graph)
    sq = g.reshape(B, -1).pow(2).sum(1)
    norm = sq if squared else sq.sqrt()
    return ((norm - 1) ** 2 if minus_one else norm ** 2).mean()


def _gp_no_create_graph(critic, x_real, x_fake, eps=None):
    """Planted bug: the gradient is taken without create_graph, so the penalty is a
    constant to the optimizer: it never trains the critic."""
    return _gp_parts(critic, x_real, x_fake, eps, create_graph=False)


def _gp_one_eps(critic, x_real, x_fake, eps=None):
    """Planted bug: one eps drawn for the whole batch."""
    return _gp_parts(critic, x_real, x_fake, eps, one_eps=True)


def _gp_squared_norm(critic, x_real, x_fake, eps=None):
    """Planted bug: the squared norm ||g||^2 where the norm belongs."""
    return _gp_parts(critic, x_real, x_fake, eps, squared=True)


def _gp_no_minus_one(critic, x_real, x_fake, eps=None):
    """Planted bug: penalises ||g||^2 (pushes the gradient to 0, not to norm 1)."""
    return _gp_parts(critic, x_real, x_fake, eps, minus_one=False)


# ---- nonsaturating_generator_loss -----------------------------------------------------------

def _bce_target_one(d_fake):
    return torch.nn.functional.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))


def nonsaturating_cases(impl):
    for i, shape in enumerate([(1,), (7,), (5, 1)]):
        yield fn_case(f"d_fake {shape} float64", impl, _bce_target_one,
                      randn(*shape, seed=60 + i, scale=3.0))
    yield fn_case("d_fake = [-1000, -50, 0, 50, 1000] (a confident D: finite values and "
                  "gradients)", impl, _bce_target_one,
                  torch.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=torch.float64))


def _ns_saturating(d_fake):
    """Planted bug: the minimax (saturating) loss log(1 - D(G(z)))."""
    return torch.log(1 - torch.sigmoid(d_fake)).mean()


def _ns_naive_log(d_fake):
    """Planted bug: -log(sigmoid(d)) evaluated as written: log(0) = -inf for d << 0."""
    return -torch.log(torch.sigmoid(d_fake)).mean()


def _ns_sum(d_fake):
    """Planted bug: summed over the batch instead of averaged."""
    d = d_fake.reshape(-1)
    return (torch.clamp(-d, min=0) + torch.log1p(torch.exp(-d.abs()))).sum()


EXERCISES = [
    Exercise(
        id="gan_gradient_penalty", entry="gradient_penalty", lesson="wgan-gp",
        at=("topics:generative",),
        title=("The WGAN-GP gradient penalty", "WGAN-GP 的梯度惩罚"),
        task=("Write gradient_penalty(critic, x_real, x_fake, eps=None). x_real and x_fake "
              "are batches (B, *) of one shape; critic maps (B, *) to one score per sample "
              "(B,). Mix each pair with its own weight: x_hat = eps * x_real + (1 - eps) * "
              "x_fake, eps of shape (B,) (when None, draw eps ~ U[0, 1] per sample), "
              "broadcast over the other dims. Take the gradient g_b of the critic's score with "
              "respect to x_hat_b and return the mean over the batch of (||g_b||_2 - 1)^2, "
              "the norm over all of a sample's features. The penalty is added to the critic's "
              "loss, so it must be differentiable with respect to the critic's parameters: "
              "compute g with torch.autograd.grad(..., create_graph=True).",
              "实现 gradient_penalty(critic, x_real, x_fake, eps=None)。x_real 与 x_fake 是形状"
              "相同的一批样本 (B, *)；critic 把 (B, *) 映射为每个样本一个分数 (B,)。每一对样本用"
              "自己的权重混合：x_hat = eps * x_real + (1 - eps) * x_fake，eps 形状为 (B,)"
              "（为 None 时，为每个样本各抽一个 eps ~ U[0, 1]），并在其余维度上广播。求 critic "
              "的分数对 x_hat_b 的梯度 g_b，返回 (||g_b||_2 - 1)^2 在整个 batch 上的平均，范数"
              "对一个样本的全部特征计算。这个惩罚项要加进 critic 的损失，所以它本身必须能对 "
              "critic 的参数求导：用 torch.autograd.grad(..., create_graph=True) 计算 g。"),
        stub='''
            def gradient_penalty(critic: Callable[[Tensor], Tensor], x_real: Tensor,
                                 x_fake: Tensor, eps: Tensor | None = None) -> Tensor:
                """x_real, x_fake (B, *); eps (B,) or None -> the scalar mean of
                (||grad_x_hat critic(x_hat)||_2 - 1)^2, x_hat = eps x_real + (1 - eps) x_fake"""
        ''',
        imports=("from collections.abc import Callable",),
        reference="dlfs.generative.gan:gradient_penalty",
        cases=gradient_penalty_cases,
        mutants={"no create_graph": _gp_no_create_graph,
                 "one eps for the whole batch": _gp_one_eps,
                 "squared norm instead of the norm": _gp_squared_norm,
                 "missing the - 1": _gp_no_minus_one},
        hints=(("Reshape eps to (B, 1, ..., 1) so that it broadcasts over one sample's "
                "features; make x_hat a leaf that requires grad (detach, then "
                "requires_grad_()).",
                "把 eps 变形为 (B, 1, ..., 1)，让它在一个样本的所有特征上广播；把 x_hat 变成需要"
                "梯度的叶子张量（先 detach，再 requires_grad_()）。"),
               ("Each score depends only on its own sample, so one call "
                "torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True) gives "
                "every per-sample gradient at once, shape (B, *).",
                "每个分数只依赖自己的样本，所以一次 torch.autograd.grad(critic(x_hat).sum(), "
                "x_hat, create_graph=True) 就能同时得到所有样本各自的梯度，形状为 (B, *)。"),
               ("Flatten the gradient to (B, F), take the 2-norm of each row (not its square), "
                "subtract 1, square, and average.",
                "把梯度展平为 (B, F)，对每一行求 2-范数（不是范数的平方），"
                "减 1，平方，再求平均。")),
    ),
    Exercise(
        id="gan_nonsaturating_loss", entry="nonsaturating_generator_loss", lesson="gan-losses",
        at=("topics:generative",),
        title=("The non-saturating generator loss", "非饱和生成器损失"),
        task=("Write nonsaturating_generator_loss(d_fake): d_fake holds the discriminator's "
              "logits on generated samples, shape (B,) or (B, 1), with D = sigmoid(d). Return "
              "L_G = -mean(log D(G(z))), the loss the generator minimises instead of the "
              "minimax mean(log(1 - D(G(z)))). Compute log sigmoid(d) so that it stays finite "
              "for any logit (d = -1000 must give 1000, not inf), with the right gradient.",
              "实现 nonsaturating_generator_loss(d_fake)：d_fake 是判别器对生成样本输出的 logit，"
              "形状 (B,) 或 (B, 1)，D = sigmoid(d)。返回 L_G = -mean(log D(G(z)))——生成器用它"
              "代替极小极大形式的 mean(log(1 - D(G(z))))。计算 log sigmoid(d) 时要对任何 logit "
              "都保持有限（d = -1000 时应得到 1000，而不是 inf），梯度也要正确。"),
        stub='''
            def nonsaturating_generator_loss(d_fake: Tensor) -> Tensor:
                """d_fake (B,) or (B, 1) logits -> scalar -mean(log sigmoid(d_fake))"""
        ''',
        reference="dlfs.generative.gan:nonsaturating_generator_loss",
        cases=nonsaturating_cases,
        mutants={"the saturating loss": _ns_saturating,
                 "log(sigmoid(d)) as written": _ns_naive_log,
                 "sum over the batch": _ns_sum},
        hints=(("log sigmoid(d) = -log(1 + exp(-d)). For d >= 0 that is safe; for d < 0 "
                "write it as d - log(1 + exp(d)). Either way only exp of a non-positive "
                "number is ever taken.",
                "log sigmoid(d) = -log(1 + exp(-d))。d >= 0 时这样算是安全的；d < 0 时改写为 "
                "d - log(1 + exp(d))。这样只会对非正数求 exp。"),
               ("Compute e = exp(-|d|) once, as torch.exp(torch.where(d >= 0, -d, d)), then pick "
                "-log1p(e) or d - log1p(e) with torch.where. (Branches that call exp(d) on a "
                "large d make inf, and inf times a zero gradient is NaN.) Average at the end.",
                "先算一次 e = exp(-|d|)，写成 torch.exp(torch.where(d >= 0, -d, d))，再用 "
                "torch.where 在 -log1p(e) 与 d - log1p(e) 之间选择。（若某个分支对很大的 d 计算 "
                "exp(d)，会得到 inf，而 inf 乘以零梯度就是 NaN。）最后求平均。")),
    ),
]
