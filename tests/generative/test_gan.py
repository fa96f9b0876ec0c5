"""GAN losses, the WGAN-GP gradient penalty, the DCGAN models and `dlfs train gan`.

The losses have torch counterparts (binary cross-entropy with logits) or closed forms, so
they are compared in float64, values and gradients. The gradient penalty has no built-in:
it is compared with a per-sample hand computation through ``torch.autograd.grad``, checked
at a critic whose answer is known (a linear critic with ||w|| = 1 has no penalty), and its
own gradient (the double backward) is checked by finite differences.
"""

from __future__ import annotations

import contextlib
import io
import json
import time

import pytest
import torch
from torch import nn as tnn

from dlfs.generative import gan
from dlfs.models.dcgan import (
    DCGANConfig,
    DCGANDiscriminator,
    DCGANGenerator,
    MLPCritic,
    MLPGenerator,
)
from dlfs.testing import assert_fn_parity

bce = torch.nn.functional.binary_cross_entropy_with_logits


def _logits(*shape: int, seed: int = 0, scale: float = 3.0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed),
                       dtype=torch.float64) * scale


# ---- the GAN losses -----------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1,), (7,), (5, 1)])
def test_discriminator_loss_is_bce_with_logits(shape):
    d_real, d_fake = _logits(*shape, seed=1), _logits(*shape, seed=2)
    assert_fn_parity(gan.discriminator_loss,
                     lambda r, f: bce(r, torch.ones_like(r)) + bce(f, torch.zeros_like(f)),
                     d_real, d_fake)


@pytest.mark.parametrize("shape", [(1,), (7,), (5, 1)])
def test_nonsaturating_loss_is_bce_with_target_one(shape):
    d_fake = _logits(*shape, seed=3)
    assert_fn_parity(gan.nonsaturating_generator_loss,
                     lambda f: bce(f, torch.ones_like(f)), d_fake)
    assert_fn_parity(gan.nonsaturating_generator_loss,
                     lambda f: -torch.log(torch.sigmoid(f)).mean(), d_fake)


@pytest.mark.parametrize("shape", [(1,), (7,), (5, 1)])
def test_saturating_loss_is_log_one_minus_d(shape):
    d_fake = _logits(*shape, seed=4)
    assert_fn_parity(gan.saturating_generator_loss,
                     lambda f: torch.log(1 - torch.sigmoid(f)).mean(), d_fake)
    assert_fn_parity(gan.saturating_generator_loss,
                     lambda f: -bce(f, torch.zeros_like(f)), d_fake)


def test_generator_gradients_saturate_where_expected():
    """d L/d d: saturating -sigmoid(d)/B (vanishes as D(G(z)) -> 0), non-saturating
    -(1 - sigmoid(d))/B (largest there)."""
    d = torch.tensor([-12.0, -3.0, 0.0, 4.0], dtype=torch.float64, requires_grad=True)
    (g_sat,) = torch.autograd.grad(gan.saturating_generator_loss(d), d)
    (g_ns,) = torch.autograd.grad(gan.nonsaturating_generator_loss(d), d)
    p = torch.sigmoid(d.detach())
    torch.testing.assert_close(g_sat, -p / 4)
    torch.testing.assert_close(g_ns, -(1 - p) / 4)
    assert abs(g_sat[0]) < 1e-5 < 0.2 < abs(g_ns[0])       # a rejected fake: D(G(z)) ~ 6e-6


def test_losses_stay_finite_for_extreme_logits():
    d = torch.tensor([-1e4, -50.0, 50.0, 1e4], dtype=torch.float64, requires_grad=True)
    for loss in (gan.discriminator_loss(d, -d), gan.nonsaturating_generator_loss(d),
                 gan.saturating_generator_loss(d)):
        (grad,) = torch.autograd.grad(loss, d)
        assert torch.isfinite(loss) and torch.isfinite(grad).all()
    torch.testing.assert_close(gan.nonsaturating_generator_loss(d[:1]),
                               torch.tensor(1e4, dtype=torch.float64))


def test_wgan_losses():
    c_real, c_fake = _logits(6, seed=5), _logits(6, 1, seed=6)
    assert_fn_parity(gan.wgan_critic_loss, lambda r, f: f.mean() - r.mean(), c_real, c_fake)
    assert_fn_parity(gan.wgan_generator_loss, lambda f: -f.mean(), c_fake)


# ---- the gradient penalty --------------------------------------------------------------------

def _hand_penalty(critic, x_real, x_fake, eps):
    """One sample at a time: x_hat_b, its own gradient, (||g_b|| - 1)^2; then the mean."""
    terms = []
    for b in range(len(x_real)):
        x_hat = (eps[b] * x_real[b] + (1 - eps[b]) * x_fake[b]).unsqueeze(0).requires_grad_()
        (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        terms.append((g.reshape(-1).pow(2).sum().sqrt() - 1) ** 2)
    return torch.stack(terms).mean()


@pytest.mark.parametrize("batch", [1, 5])
def test_gradient_penalty_equals_hand_computation(batch):
    torch.manual_seed(batch)
    critic = MLPCritic(in_dim=3, hidden=8).double()
    x_real, x_fake = _logits(batch, 3, seed=7), _logits(batch, 3, seed=8)
    eps = torch.rand(batch, dtype=torch.float64)
    ours = gan.gradient_penalty(critic, x_real, x_fake, eps)
    ours_grads = torch.autograd.grad(ours, list(critic.parameters()), allow_unused=True)
    ref = _hand_penalty(critic, x_real, x_fake, eps)
    ref_grads = torch.autograd.grad(ref, list(critic.parameters()), allow_unused=True)
    torch.testing.assert_close(ours, ref)
    for name, a, b in zip(dict(critic.named_parameters()), ours_grads, ref_grads):
        assert (a is None) == (b is None), name     # the last bias never moves a gradient
        if a is not None:
            torch.testing.assert_close(a, b, msg=lambda m, name=name: f"{name}: {m}")
    assert max(float(g.abs().max()) for g in ours_grads if g is not None) > 1e-3


def test_gradient_penalty_of_a_linear_critic():
    """f(x) = <w, x>: grad = w everywhere, so GP = (||w|| - 1)^2 — 0 for a unit w."""
    x_real, x_fake = _logits(4, 1, 3, 3, seed=9), _logits(4, 1, 3, 3, seed=10)
    w = _logits(9, seed=11)
    for norm in (1.0, 2.5):
        w_n = w / w.norm() * norm
        gp, grad_norm = gan.gradient_penalty(lambda x, w_n=w_n: x.flatten(1) @ w_n,
                                             x_real, x_fake, return_norm=True)
        torch.testing.assert_close(grad_norm, torch.full((4,), norm, dtype=torch.float64))
        torch.testing.assert_close(gp, torch.tensor((norm - 1) ** 2, dtype=torch.float64))


def test_gradient_penalty_gradient_matches_finite_differences_through_a_conv_critic():
    """The double backward through Conv2d (im2col), GroupNorm and LeakyReLU is right."""
    torch.manual_seed(0)
    critic = DCGANDiscriminator(DCGANConfig(image_size=8, d_width=8, d_norm="group")).double()
    x_real, x_fake = _logits(3, 1, 8, 8, seed=12, scale=1), _logits(3, 1, 8, 8, seed=13,
                                                                        scale=1)
    eps = torch.tensor([0.2, 0.5, 0.9], dtype=torch.float64)
    weight = critic.net[0].weight                       # (8, 1, 4, 4)
    (grad,) = torch.autograd.grad(gan.gradient_penalty(critic, x_real, x_fake, eps), weight)
    h = 1e-6
    for index in [(0, 0, 0, 0), (3, 0, 2, 1), (7, 0, 3, 3)]:
        with torch.no_grad():
            weight[index] += h
            up = gan.gradient_penalty(critic, x_real, x_fake, eps)
            weight[index] -= 2 * h
            down = gan.gradient_penalty(critic, x_real, x_fake, eps)
            weight[index] += h
        numeric = (up - down) / (2 * h)
        assert abs(float(grad[index]) - float(numeric)) < 1e-6 * max(1.0, abs(float(numeric)))


def test_interpolate_uses_one_eps_per_sample():
    x_real, x_fake = torch.ones(64, 1, 2, 2), torch.zeros(64, 1, 2, 2)
    x_hat = gan.interpolate(x_real, x_fake, generator=torch.Generator().manual_seed(0))
    per_sample = x_hat.flatten(1)
    assert (per_sample == per_sample[:, :1]).all()              # one eps within a sample
    assert per_sample[:, 0].std() > 0.2                         # different across samples
    assert ((per_sample >= 0) & (per_sample <= 1)).all()


def test_gradient_penalty_does_not_reach_the_generator():
    x_fake = _logits(4, 3, seed=14).requires_grad_()
    gp = gan.gradient_penalty(MLPCritic(3, 8).double(), _logits(4, 3, seed=15), x_fake)
    gp.backward()
    assert x_fake.grad is None


# ---- bad inputs --------------------------------------------------------------------------------

def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"d_real \(4,\) and d_fake \(5,\)"):
        gan.discriminator_loss(torch.zeros(4), torch.zeros(5))
    with pytest.raises(ValueError, match=r"d_fake must hold one logit/score per sample.*\(4, 2\)"):
        gan.nonsaturating_generator_loss(torch.zeros(4, 2))
    with pytest.raises(TypeError, match="floating-point"):
        gan.saturating_generator_loss(torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"c_real \(3,\) and c_fake \(2,\)"):
        gan.wgan_critic_loss(torch.zeros(3), torch.zeros(2))
    with pytest.raises(ValueError, match=r"x_real \(2, 3\) and x_fake \(3, 3\)"):
        gan.gradient_penalty(MLPCritic(3), torch.zeros(2, 3), torch.zeros(3, 3))
    with pytest.raises(ValueError, match=r"eps must hold one mixing weight per sample, shape "
                                         r"\(2,\), got \(2, 1\)"):
        gan.interpolate(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 1))
    with pytest.raises(ValueError, match=r"critic\(x_hat\) must hold one logit/score per "):
        gan.gradient_penalty(lambda x: x.sum(), torch.zeros(2, 3), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="one score per sample: 2 inputs gave 3 scores"):
        gan.gradient_penalty(lambda x: torch.cat([x.sum(1), x[:1, 0]]), torch.zeros(2, 3),
                             torch.zeros(2, 3))
    with pytest.raises(ValueError, match=r"z must be \(B, z_dim=32\), got \(2, 16\)"):
        DCGANGenerator(DCGANConfig())(torch.zeros(2, 16))
    with pytest.raises(ValueError, match=r"x must be \(B, 1, 16, 16\), got \(2, 1, 8, 8\)"):
        DCGANDiscriminator(DCGANConfig())(torch.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match="4 times a power of two"):
        DCGANConfig(image_size=24)
    with pytest.raises(ValueError, match="d_norm"):
        DCGANConfig(d_norm="batch")


# ---- the models ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [8, 16, 32])
@pytest.mark.parametrize("batch", [1, 3])
def test_dcgan_shapes(size, batch):
    cfg = DCGANConfig(image_size=size, g_width=16, d_width=8, d_norm="group")
    g, d = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    x = g(torch.randn(batch, cfg.z_dim))
    assert x.shape == (batch, 1, size, size) and x.abs().max() <= 1
    assert d(x).shape == (batch,)
    g.eval()
    assert g(torch.randn(batch, cfg.z_dim)).shape == (batch, 1, size, size)


def test_dcgan_layers_are_dlfs_layers():
    cfg = DCGANConfig(d_norm="group")
    for model in (DCGANGenerator(cfg), DCGANDiscriminator(cfg), MLPGenerator(), MLPCritic()):
        foreign = [type(m).__name__ for m in model.modules()
                   if type(m).__module__.startswith("torch.nn.modules")
                   and not isinstance(m, tnn.Sequential)]
        assert not foreign, foreign


def test_critic_scores_each_sample_on_its_own():
    """No BatchNorm in the critic: one image's score does not depend on the batch."""
    torch.manual_seed(0)
    critic = DCGANDiscriminator(DCGANConfig(d_norm="group")).double()
    x = torch.randn(4, 1, 16, 16, dtype=torch.float64)
    alone = critic(x[:1])
    x[1:] = torch.randn(3, 1, 16, 16, dtype=torch.float64) * 5
    torch.testing.assert_close(critic(x)[:1], alone)


def test_mlp_shapes_and_ring_coverage():
    assert MLPGenerator(z_dim=4, out_dim=2)(torch.zeros(1, 4)).shape == (1, 2)
    assert MLPCritic(in_dim=2)(torch.zeros(3, 2)).shape == (3,)
    points = gan.ring_mixture(800, std=0.02, generator=torch.Generator().manual_seed(0))
    full = gan.mode_coverage(points, gan.ring_centers(), within=0.1, min_count=20)
    assert full.covered == 8 and full.quality == 1.0
    collapsed = gan.ring_centers()[3].expand(800, 2) + 0.01
    one = gan.mode_coverage(collapsed, gan.ring_centers(), within=0.1, min_count=20)
    assert one.covered == 1 and one.counts[3] == 800


# ---- the recipe: `dlfs train gan` --------------------------------------------------------------

@pytest.fixture(scope="module", params=["ns", "wgan-gp"])
def quick_run(request, tmp_path_factory):
    """`dlfs train gan --quick --loss <loss>` through the command line: (dir, run.json, out)."""
    from dlfs.cli import main

    out_dir = tmp_path_factory.mktemp(f"gan-{request.param}")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["train", "gan", "--quick", "--loss", request.param,
                     "--out", str(out_dir)]) == 0
    return out_dir, json.loads((out_dir / "run.json").read_text()), printed.getvalue()


def test_quick_run_through_the_cli(quick_run):
    out_dir, info, printed = quick_run
    assert info["kind"] == "gan" and info["model"]["image_size"] == 8
    assert (out_dir / "samples.png").stat().st_size > 0
    assert "quality: digits-FD" in printed and info["quality"]["n"] == 360
    assert any((out_dir / "tensorboard").iterdir())
    assert f"curves: {out_dir / 'curves.png'}" in printed
    assert [p.name for p in (out_dir / "checkpoints").glob("step-*.pt")] != []
    if info["recipe"]["loss"] == "wgan-gp":
        assert "|grad|" in printed and "WGAN-GP (lambda 10)" in printed


def test_generate_samples_and_refuses_digit_and_steps(quick_run):
    from dlfs.errors import DlfsError
    from dlfs.recipes.gan import generate

    out_dir, info, _ = quick_run
    x = generate(out_dir, info, n=5, seed=0)
    assert x.shape == (5, 1, 8, 8) and x.abs().max() <= 1
    torch.testing.assert_close(x, generate(out_dir, info, n=5, seed=0))
    assert not torch.equal(x, generate(out_dir, info, n=5, seed=1))
    with pytest.raises(DlfsError, match="--digit: this GAN is unconditional"):
        generate(out_dir, info, n=5, seed=0, digit=3)
    with pytest.raises(DlfsError, match="--steps"):
        generate(out_dir, info, n=5, seed=0, steps=10)


def _quick(**changes):
    from dlfs.recipes.gan import QUICK, GANRecipe
    from dlfs.recipes.options import replace_nested

    return replace_nested(GANRecipe(), {**QUICK, **changes})


def test_resume_equals_an_uninterrupted_run(tmp_path):
    from dlfs.recipes.gan import train_gan

    base = {"loss": "wgan-gp", "n_critic": 2, "eval_every": 3}
    straight = train_gan(_quick(**base, max_steps=6, out_dir=str(tmp_path / "a")))
    train_gan(_quick(**base, max_steps=3, out_dir=str(tmp_path / "b")))
    # TensorBoard reads event files in name order, <second>.<host>.<pid>.<n-th writer>: within
    # one second "...9" sorts after "...10"; start the resumed file in the next second
    time.sleep(1.01 - time.time() % 1)
    resumed = train_gan(_quick(**base, max_steps=6, out_dir=str(tmp_path / "b"), resume=True))
    for name in ("generator", "critic"):
        a, b = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        for key in a:
            assert torch.equal(a[key], b[key]), f"{name}.{key} differs after resuming"
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "b" / "tensorboard"))
    events.Reload()                       # both runs' events, the checkpoint's step kept
    assert [e.step for e in events.Scalars("gp/grad_norm")] == [1, 2, 3, 4, 5, 6]
    assert [e.step for e in events.Images("samples/grid")] == [3, 6]
    assert [e.step for e in events.Scalars("opt/grad_norm_critic")] == [1, 2, 3, 4, 5, 6]
    assert {"loss/critic", "loss/generator", "opt/lr", "opt/grad_norm_generator",
            "perf/samples_per_s"} <= set(events.Tags()["scalars"])
    from dlfs.train import CheckpointManager

    _, payload, _ = CheckpointManager(tmp_path / "b" / "checkpoints").load_latest()
    assert payload["extra"]["curves"]["step"] == [1, 2, 3, 4, 5, 6]   # curves.png: both halves
    assert (tmp_path / "b" / "curves.png").stat().st_size


def test_resume_refusals_and_the_nan_guard(tmp_path):
    from dlfs.errors import DlfsError
    from dlfs.recipes.gan import train_gan
    from dlfs.train import NonFiniteError

    with pytest.raises(DlfsError, match="no usable checkpoint"):
        train_gan(_quick(out_dir=str(tmp_path / "none"), resume=True))
    train_gan(_quick(max_steps=2, out_dir=str(tmp_path / "a")))
    with pytest.raises(DlfsError, match="--loss 'ns' -> 'wgan-gp'"):
        train_gan(_quick(loss="wgan-gp", out_dir=str(tmp_path / "a"), resume=True))
    with pytest.raises(NonFiniteError, match="non-finite"):
        train_gan(_quick(lr=1e38, out_dir=str(tmp_path / "nan")))
