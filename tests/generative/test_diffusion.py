"""DDPM, DDIM and classifier-free guidance (dlfs.generative.diffusion), the U-Net
(dlfs.models.unet) and `dlfs train ddpm` (dlfs.recipes.ddpm).

No built-in to compare with: each test checks an invariant that a planted bug breaks (a
missing sqrt, alpha instead of alpha_bar, an off-by-one step, a wrong sign, a forgotten
null class ...).
"""

from __future__ import annotations

import math

import pytest
import torch

from dlfs.generative.diffusion import (
    NoiseSchedule,
    ancestral_sample,
    ddim_sample,
    ddim_timesteps,
    drop_labels,
    guided_eps,
    l_simple,
    model_eps_fn,
    noise_batch,
    p_sample_step,
    posterior_mean,
    predict_x0,
    q_sample,
)
from dlfs.models.unet import UNet, UNetConfig, timestep_embedding
from dlfs.nn import sinusoidal_table

LINEAR, COSINE = NoiseSchedule.linear(1000), NoiseSchedule.cosine(1000)
SMALL = NoiseSchedule.linear(20)
TINY_NET = UNetConfig(width=8, levels=2, blocks=1, groups=4)


def _steps(*t: int) -> torch.Tensor:
    return torch.tensor(t, dtype=torch.long)


# ---- the schedule -----------------------------------------------------------------------

@pytest.mark.parametrize("schedule", [LINEAR, COSINE, SMALL], ids=["linear", "cosine", "T20"])
def test_schedules_are_monotone_and_well_formed(schedule):
    a = schedule.alpha_bar
    assert (schedule.betas > 0).all() and (schedule.betas < 1).all()
    assert (a[1:] < a[:-1]).all(), "alpha_bar must fall at every step"
    assert (schedule.snr[1:] < schedule.snr[:-1]).all(), "the SNR must fall at every step"
    assert a[0] == pytest.approx(1 - schedule.betas[0].item(), rel=1e-12)
    assert a[-1] < 0.01, "x_{T-1} must be almost pure noise"
    assert torch.allclose(schedule.alpha_bar_prev[1:], a[:-1]) and schedule.alpha_bar_prev[0] == 1


def test_linear_and_cosine_shapes():
    assert torch.allclose(LINEAR.betas[1:] - LINEAR.betas[:-1],
                          torch.full((999,), (0.02 - 1e-4) / 999, dtype=torch.float64))
    assert LINEAR.betas[0].item() == pytest.approx(1e-4) and LINEAR.betas[-1].item() == 0.02
    # cosine: alpha_bar_t = f((t+1)/T) / f(0) with f(u) = cos^2((u + s) / (1 + s) pi / 2)
    f = [math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2 for u in (0.0, 0.5, 0.25)]
    assert COSINE.alpha_bar[499].item() == pytest.approx(f[1] / f[0], rel=1e-9)
    assert COSINE.alpha_bar[249].item() == pytest.approx(f[2] / f[0], rel=1e-9)
    # the cosine schedule keeps more signal in the middle: at T/2 alpha_bar ~ 0.49 vs 0.08
    assert COSINE.alpha_bar[499] > 0.45 > 0.1 > LINEAR.alpha_bar[499]


def test_posterior_variance_formula():
    s = SMALL
    for t in (0, 1, 7, 19):
        a_t, a_prev = s.alpha_bar[t].item(), s.alpha_bar[t - 1].item() if t else 1.0
        want = (1 - a_prev) / (1 - a_t) * s.betas[t].item()
        assert s.posterior_variance_t(_steps(t)).item() == pytest.approx(want, rel=1e-12)
    assert s.posterior_variance[0] == 0
    assert (s.posterior_variance[1:] < s.betas[1:]).all(), "beta_tilde_t < beta_t for t >= 1"
    t = _steps(3, 0, 19)
    assert torch.equal(s.beta_t(t), s.betas[t]) and torch.equal(s.alpha_t(t), 1 - s.betas[t])
    assert s.alpha_bar_t(_steps(2)).item() == pytest.approx(
        math.prod(1 - b for b in s.betas[:3].tolist()), rel=1e-12)


# ---- the forward process --------------------------------------------------------------------

def test_q_sample_at_the_ends():
    x0 = torch.rand(4, 1, 8, 8, dtype=torch.float64) * 2 - 1
    eps = torch.randn(4, 1, 8, 8, dtype=torch.float64)
    x_first = q_sample(x0, 0, eps, LINEAR)             # alpha_bar_0 = 1 - 1e-4
    assert torch.allclose(x_first, math.sqrt(1 - 1e-4) * x0 + 0.01 * eps, atol=1e-12)
    assert (x_first - x0).abs().max() < 0.05
    # at t = T-1, x_t ~ N(0, I) whatever x0 is: moments over many draws
    g = torch.Generator().manual_seed(0)
    x0 = torch.ones(20000, 4, dtype=torch.float64)
    x_last = q_sample(x0, LINEAR.T - 1, torch.randn(20000, 4, generator=g, dtype=torch.float64),
                      LINEAR)
    assert abs(x_last.mean().item()) < 0.02 and abs(x_last.var().item() - 1) < 0.02


@pytest.mark.parametrize("step", [10, 250])
def test_q_sample_marginal_matches_closed_form_by_monte_carlo(step):
    # Composing the T one-step kernels x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps gives
    # q_sample's mean sqrt(alpha_bar_t) x0 and variance 1 - alpha_bar_t.
    g = torch.Generator().manual_seed(step)
    x = torch.full((10000,), 0.7, dtype=torch.float64)
    for s in range(step + 1):
        x = LINEAR.alphas[s].sqrt() * x + LINEAR.betas[s].sqrt() * torch.randn(
            x.shape, generator=g, dtype=torch.float64)
    mean, var = x.mean().item(), x.var().item()
    direct = q_sample(torch.full((10000,), 0.7, dtype=torch.float64), step,
                      torch.randn(10000, generator=g, dtype=torch.float64), LINEAR)
    a = LINEAR.alpha_bar[step].item()
    assert mean == pytest.approx(math.sqrt(a) * 0.7, abs=0.03)
    assert var == pytest.approx(1 - a, abs=0.04)
    assert direct.mean().item() == pytest.approx(mean, abs=0.04)
    assert direct.var().item() == pytest.approx(var, abs=0.05)


def test_noise_batch_and_l_simple():
    x0 = torch.randn(64, 1, 4, 4)
    x_t, t, eps = noise_batch(x0, SMALL, torch.Generator().manual_seed(0))
    assert t.dtype == torch.long and t.shape == (64,) and 0 <= t.min() and t.max() < 20
    assert torch.allclose(x_t, q_sample(x0, t, eps, SMALL))
    assert l_simple(eps, eps).item() == 0
    assert l_simple(torch.zeros_like(eps), eps).item() == pytest.approx(eps.pow(2).mean().item())


# ---- one reverse step ----------------------------------------------------------------------------

def test_one_reverse_step_with_the_true_noise_gives_the_posterior_mean():
    s = SMALL
    x0 = torch.rand(5, 1, 3, 3, dtype=torch.float64) * 2 - 1
    eps = torch.randn_like(x0)
    t = _steps(0, 1, 5, 12, 19)
    x_t = q_sample(x0, t, eps, s)
    assert torch.allclose(predict_x0(x_t, t, eps, s), x0, atol=1e-10)
    zero = torch.zeros_like(x0)
    step = p_sample_step(x_t, t, eps, s, noise=zero)
    mu_tilde = posterior_mean(x_t, x0, t, s)
    assert torch.allclose(step, mu_tilde, atol=1e-10)
    # mu_tilde written out, and the eps form of the mean
    tt = t.tolist()
    for i, k in enumerate(tt):
        a, a_prev, b = s.alpha_bar[k], (s.alpha_bar[k - 1] if k else 1.0), s.betas[k]
        want = (math.sqrt(a_prev) * b / (1 - a) * x0[i]
                + math.sqrt(1 - b) * (1 - a_prev) / (1 - a) * x_t[i])
        assert torch.allclose(mu_tilde[i], want, atol=1e-12)
        eps_form = (x_t[i] - b / math.sqrt(1 - a) * eps[i]) / math.sqrt(1 - b)
        assert torch.allclose(step[i], eps_form, atol=1e-10)
    # the noise enters scaled by sqrt(beta_tilde_t); t = 0 adds none
    one = torch.ones_like(x0)
    diff = p_sample_step(x_t, t, eps, s, noise=one) - step
    assert torch.allclose(diff[:, 0, 0, 0], s.posterior_variance[t].sqrt())
    assert diff[0].abs().max() == 0


def test_clip_x0_only_changes_wild_estimates():
    x_t = torch.randn(2, 1, 2, 2, dtype=torch.float64)
    eps = torch.randn_like(x_t)
    t = _steps(3, 3)
    x0_hat = predict_x0(x_t, t, eps, SMALL)
    clipped = p_sample_step(x_t, t, eps, SMALL, noise=torch.zeros_like(x_t), clip_x0=1.0)
    assert torch.allclose(clipped, posterior_mean(x_t, x0_hat.clamp(-1, 1), t, SMALL))


# ---- samplers ---------------------------------------------------------------------------------

def _point_mass_eps(c: float, schedule: NoiseSchedule):
    """The exact eps of a data set that is one image, all pixels = c."""
    def eps_fn(x, t):
        a = schedule.alpha_bar[t].to(x.dtype).view(-1, 1, 1, 1)
        return (x - a.sqrt() * c) / (1 - a).sqrt()
    return eps_fn


def test_ddim_timesteps():
    assert ddim_timesteps(20, 20) == list(range(19, -1, -1))
    assert ddim_timesteps(1000, 10)[0] == 999 and ddim_timesteps(1000, 10)[-1] == 0
    assert len(set(ddim_timesteps(1000, 50))) == 50
    with pytest.raises(ValueError, match=r"steps must be in \[1, T\] = \[1, 20\], got 21"):
        ddim_timesteps(20, 21)


@pytest.mark.parametrize("steps", [1, 5, 20])
def test_ddim_recovers_the_data_of_a_perfect_model(steps):
    eps_fn = _point_mass_eps(0.3, SMALL)
    x_T = torch.randn(3, 1, 2, 2, dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    x = ddim_sample(eps_fn, x_T.shape, SMALL, steps, x_T=x_T, generator=g)
    assert torch.allclose(x, torch.full_like(x, 0.3), atol=1e-9)
    y = ancestral_sample(eps_fn, x_T.shape, SMALL, x_T=x_T, generator=g)
    assert y.dtype == torch.float64 and torch.allclose(y, torch.full_like(y, 0.3), atol=1e-9)


def _some_eps(x, t):
    """A cheap stand-in for a network: any function of (x_t, t)."""
    return torch.tanh(0.8 * x.flip(-1) + t.view(-1, 1, 1, 1) / 20) - 0.1 * x


def test_ddim_eta0_is_deterministic_and_eta1_on_all_steps_is_ancestral():
    eps_fn = _some_eps
    x_T = torch.randn(3, 1, 8, 8, dtype=torch.float64)
    a = ddim_sample(eps_fn, (3, 1, 8, 8), SMALL, 20, x_T=x_T,
                    generator=torch.Generator().manual_seed(1))
    b = ddim_sample(eps_fn, (3, 1, 8, 8), SMALL, 20, x_T=x_T,
                    generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b), "eta = 0 must not depend on the noise generator"
    c = ddim_sample(eps_fn, (3, 1, 8, 8), SMALL, 20, eta=1.0, x_T=x_T,
                    generator=torch.Generator().manual_seed(3))
    d = ancestral_sample(eps_fn, (3, 1, 8, 8), SMALL, x_T=x_T,
                         generator=torch.Generator().manual_seed(3))
    assert torch.allclose(c, d, atol=1e-9), (c - d).abs().max()
    e = ancestral_sample(eps_fn, (3, 1, 8, 8), SMALL, x_T=x_T,
                         generator=torch.Generator().manual_seed(4))
    assert not torch.allclose(d, e, atol=1e-2), "ancestral sampling draws fresh noise"
    assert not torch.allclose(a, c, atol=1e-2)


# ---- classifier-free guidance ------------------------------------------------------------------

def test_guidance_formula_and_label_dropout():
    e_c, e_u = torch.randn(4, 1, 3, 3), torch.randn(4, 1, 3, 3)
    assert torch.equal(guided_eps(e_c, e_u, 0.0), e_c)
    assert torch.allclose(guided_eps(e_c, e_u, 2.0), 3 * e_c - 2 * e_u)
    assert torch.allclose(guided_eps(e_c, e_u, -1.0), e_u)
    c = torch.arange(10).repeat(1000)
    dropped = drop_labels(c, 0.2, 10, torch.Generator().manual_seed(0))
    null = dropped == 10
    assert abs(null.float().mean().item() - 0.2) < 0.02
    assert torch.equal(dropped[~null], c[~null])
    assert torch.equal(drop_labels(c, 0.0, 10), c)


def test_guided_model_eps_fn():
    torch.manual_seed(0)
    net = _opened(UNet(TINY_NET)).eval()
    x, t, c = torch.randn(3, 1, 8, 8), _steps(1, 5, 9), _steps(2, 7, 0)
    cond, uncond = net(x, t, c), net(x, t, torch.full_like(c, net.null_class))
    with torch.no_grad():
        assert torch.allclose(model_eps_fn(net, c, 0.0)(x, t), cond)
        assert torch.allclose(model_eps_fn(net, c, 1.5)(x, t), 2.5 * cond - 1.5 * uncond,
                              atol=1e-5)
        assert torch.allclose(model_eps_fn(net)(x, t), uncond)   # no class: the null one


# ---- the U-Net -------------------------------------------------------------------------------------

def test_timestep_embedding_formula_and_table():
    t = _steps(0, 1, 17, 999)
    emb = timestep_embedding(t, 16)
    assert torch.allclose(emb, sinusoidal_table(1000, 16)[t])
    i = torch.arange(8, dtype=torch.float64)
    w = 10000 ** (-2 * i / 16)
    assert torch.allclose(emb[2, 0::2].double(), torch.sin(17 * w), atol=1e-6)
    assert torch.allclose(emb[2, 1::2].double(), torch.cos(17 * w), atol=1e-6)


@pytest.mark.parametrize("batch", [1, 3])
def test_unet_shapes_and_gradients(batch):
    torch.manual_seed(0)
    net = UNet(UNetConfig(width=8, levels=3, blocks=2, groups=4))
    x = torch.randn(batch, 1, 8, 8, requires_grad=True)
    out = net(x, torch.randint(0, 10, (batch,)), torch.randint(0, 11, (batch,)))
    assert out.shape == (batch, 1, 8, 8)
    out.square().sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in net.parameters())


def _opened(net: UNet) -> UNet:
    """The residual blocks start as identities (conv2 = 0); give them random conv2s."""
    for blk in net.modules():
        if hasattr(blk, "conv2"):
            torch.nn.init.normal_(blk.conv2.weight, std=0.1)
    if net.class_emb is not None:
        torch.nn.init.normal_(net.class_emb.weight)
    return net


def test_unet_class_embedding_and_null_class():
    torch.manual_seed(0)
    net = _opened(UNet(TINY_NET))
    assert net.null_class == 10 and net.class_emb.weight.shape[0] == 11
    x, t = torch.randn(2, 1, 8, 8), _steps(3, 3)
    out = {k: net(x, t, torch.full((2,), k, dtype=torch.long)) for k in (0, 1, 10)}
    assert not torch.allclose(out[0], out[1]), "the class must reach the output"
    assert torch.equal(net(x, t), out[10]), "no class = the null class"
    uncond = UNet(UNetConfig(width=8, levels=2, blocks=1, groups=4, num_classes=0))
    assert uncond.class_emb is None and uncond(x, t).shape == (2, 1, 8, 8)
    assert sum(p.numel() for p in uncond.parameters()) < net.num_params()


def test_unet_image_and_step_reach_every_output_pixel():
    torch.manual_seed(0)
    net = _opened(UNet(TINY_NET))
    x = torch.randn(1, 1, 8, 8)
    a, b = net(x, _steps(0)), net(x, _steps(500))
    assert not torch.allclose(a, b), "the step must reach the output"
    x2 = x.clone()
    x2[0, 0, 7, 7] += 1.0               # one corner pixel moves the opposite corner too
    assert net(x2, _steps(0))[0, 0, 0, 0] != a[0, 0, 0, 0]


# ---- bad input ------------------------------------------------------------------------------------

def test_bad_inputs_have_specific_messages():
    x = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ValueError, match=r"t must lie in \[0, T-1\] = \[0, 19\], got values 3..20"):
        q_sample(x, _steps(3, 20), x, SMALL)
    with pytest.raises(ValueError, match=r"t must be an int64 tensor of shape \(B,\), got "
                                         r"torch.float32"):
        q_sample(x, torch.tensor([1.0, 2.0]), x, SMALL)
    with pytest.raises(ValueError, match="t has 3 steps for a batch of 2 images"):
        q_sample(x, _steps(1, 2, 3), x, SMALL)
    with pytest.raises(ValueError, match=r"noise must have the shape of x0 \(2, 1, 8, 8\), got "
                                         r"\(2, 1, 8, 7\)"):
        q_sample(x, 1, torch.zeros(2, 1, 8, 7), SMALL)
    with pytest.raises(ValueError, match=r"T must be an int >= 1, got 0"):
        NoiseSchedule.linear(0)
    with pytest.raises(ValueError, match="kind must be 'linear' or 'cosine', got 'quadratic'"):
        NoiseSchedule.make("quadratic", 10)
    with pytest.raises(ValueError, match=r"every beta_t must lie in \(0, 1\)"):
        NoiseSchedule("custom", torch.tensor([0.1, 1.5], dtype=torch.float64))
    with pytest.raises(ValueError, match="p_uncond must be in"):
        drop_labels(_steps(1), 1.5, 10)
    net = UNet(TINY_NET)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 1, 8, 8\), got \(2, 1, 16, 16\)"):
        net(torch.zeros(2, 1, 16, 16), _steps(1, 1))
    with pytest.raises(ValueError, match=r"t must have shape \(B,\) = \(2,\)"):
        net(x, _steps(1))
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 10\]"):
        net(x, _steps(1, 1), _steps(3, 11))
    with pytest.raises(ValueError, match="groups .4. must divide width .6."):
        UNetConfig(width=6, groups=4)
    with pytest.raises(ValueError, match="image_size 10 cannot be halved 2 times"):
        UNetConfig(image_size=10, levels=3)


# ---- the recipe: `dlfs train ddpm` ----------------------------------------------------------------

def _micro(out, *extra: str) -> list[str]:
    """`dlfs train ddpm` at its smallest: a few steps of an unconditional width-8 net,
    T = 20, 10 samples scored (DDIM, 2 steps)."""
    return ["train", "ddpm", "--quick", "--out", str(out), "--max-steps", "4",
            "--eval-every", "2", "--batch-size", "16", "--timesteps", "20", "--sample-steps",
            "2", "--quality-samples", "10", "--no-guidance", *extra]


def test_quick_run_through_the_cli(tmp_path, capsys):
    import json

    from dlfs.cli import main
    from dlfs.recipes.ddpm import generate

    out = tmp_path / "run"
    assert main(["train", "ddpm", "--quick", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "class-conditional (10 digits + null)" in text and "cosine schedule" in text
    assert "held-out L_simple" in text and "guided samples" in text
    assert "classified as the requested digit" in text
    info = json.loads((out / "run.json").read_text())
    assert info["kind"] == "ddpm" and info["model"]["num_classes"] == 10
    assert info["quality"]["n"] == 50 and info["guided"]["accuracy"] is not None
    assert info["recipe"]["max_steps"] == 20
    assert (out / "samples.png").stat().st_size > 0
    assert any((out / "checkpoints").glob("step-*.pt"))
    assert any((out / "tensorboard").iterdir())
    assert f"curves: {out / 'curves.png'}" in text and (out / "curves.png").stat().st_size
    sevens = generate(out, info, n=4, seed=0, digit=7, steps=3)
    assert sevens.shape == (4, 1, 8, 8) and sevens.abs().max() <= 1
    assert torch.equal(sevens, generate(out, info, n=4, seed=0, digit=7, steps=3))
    assert not torch.equal(sevens, generate(out, info, n=4, seed=1, digit=7, steps=3))
    from dlfs.errors import DlfsError
    with pytest.raises(DlfsError, match=r"--steps 101: this run has T = 100 diffusion steps"):
        generate(out, info, n=4, seed=0, steps=101)


def test_resume_equals_the_uninterrupted_run(tmp_path, capsys):
    """2 steps, then --resume to 4, equals 4 straight: weights and averages bit for bit
    (batches, t, eps come from the checkpointed generator). Unconditional runs, so this also
    covers --no-guidance."""
    import json

    from dlfs.cli import main
    from dlfs.errors import DlfsError
    from dlfs.recipes.ddpm import generate
    from dlfs.train import CheckpointManager

    straight, halves = tmp_path / "straight", tmp_path / "halves"
    assert main(_micro(straight)) == 0
    assert main(_micro(halves, "--max-steps", "2")) == 0
    assert main(_micro(halves, "--resume")) == 0
    text = capsys.readouterr().out
    assert "resuming from" in text and "(step 2)" in text
    assert "unconditional:" in text and "guided samples" not in text
    a = CheckpointManager(straight / "checkpoints").load_latest()[1]
    b = CheckpointManager(halves / "checkpoints").load_latest()[1]
    assert a["trainer"]["step"] == b["trainer"]["step"] == 4
    assert a["model"].keys() == b["model"].keys()
    assert any(k.startswith("ema.") for k in a["model"])
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    assert a["extra"]["evals"] == b["extra"]["evals"]
    # a setting of the model differs: refused before anything is written, naming it
    assert main(_micro(halves, "--max-steps", "6", "--resume", "--width", "16")) == 2
    assert "--width 8 -> 16" in capsys.readouterr().err
    info = json.loads((straight / "run.json").read_text())
    assert info["model"]["num_classes"] == 0 and "guided" not in info
    assert generate(straight, info, n=3, seed=0).shape == (3, 1, 8, 8)
    with pytest.raises(DlfsError, match="--digit 3: this DDPM run is unconditional"):
        generate(straight, info, n=3, seed=0, digit=3)


def test_sample_digits_picks_the_sampler_and_leaves_the_global_generator_alone():
    from dlfs.recipes.ddpm import sample_digits

    torch.manual_seed(0)
    net = _opened(UNet(TINY_NET)).train()
    state = torch.get_rng_state()
    digits = _steps(3, 3)
    a = sample_digits(net, SMALL, 2, steps=None, w=2.0, digits=digits, seed=5)
    assert torch.equal(torch.get_rng_state(), state) and net.training
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        b = ancestral_sample(model_eps_fn(net.eval(), digits, 2.0), (2, 1, 8, 8), SMALL,
                             generator=g)
    assert torch.equal(a, b)
    c = sample_digits(net, SMALL, 2, steps=4, w=0.0, digits=None, seed=5)
    d = ddim_sample(model_eps_fn(net), (2, 1, 8, 8), SMALL, 4,
                    generator=torch.Generator().manual_seed(5))
    assert torch.equal(c, d)


def test_bad_recipe_options(tmp_path, capsys):
    from dlfs.cli import main

    assert main(["train", "ddpm", "--sample-steps", "2000"]) == 2
    assert "sample_steps (2000) must be at most timesteps (1000)" in capsys.readouterr().err
    assert main(["train", "ddpm", "--p-uncond", "1.0"]) == 2
    assert "p_uncond must be < 1" in capsys.readouterr().err
    assert main(["train", "ddpm", "--out", str(tmp_path / "none"), "--resume"]) == 2
    assert "no usable checkpoint" in capsys.readouterr().err
