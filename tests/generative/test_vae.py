"""The VAE: its mathematics against torch (values and gradients, float64), the invariants the
trick rests on, the model's shapes, the recipe end to end and its exact resume."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence
from torch.nn import functional as TF

from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.generative.vae import (
    bernoulli_mean,
    bernoulli_nll,
    elbo_loss,
    gaussian_kl,
    reparameterize,
)
from dlfs.models.vae import ConvVAE, ConvVAEConfig
from dlfs.testing import assert_fn_parity

SHAPES = [(1, 1), (3, 5), (2, 4, 7)]


def _gaussian(*shape: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    mu = torch.randn(*shape, generator=gen, dtype=torch.float64)
    logvar = 1.5 * torch.randn(*shape, generator=gen, dtype=torch.float64)
    return mu, logvar


# ---- reparameterisation -----------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_through_the_sample_is_the_analytic_one(shape):
    """dz/dmu = 1 and dz/dlogvar = sigma eps / 2, pushed back with a random upstream g."""
    mu, logvar = _gaussian(*shape, seed=1)
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    gen = torch.Generator().manual_seed(2)
    eps = torch.randn(shape, generator=gen, dtype=torch.float64)
    g = torch.randn(shape, generator=gen, dtype=torch.float64)
    z = reparameterize(mu, logvar, eps)
    z.backward(g)
    sigma = (0.5 * logvar.detach()).exp()
    torch.testing.assert_close(z.detach(), mu.detach() + sigma * eps)
    torch.testing.assert_close(mu.grad, g)
    torch.testing.assert_close(logvar.grad, g * sigma * eps / 2)


def _sample_gradients_off_by(rep) -> float:
    """How many standard errors the mean of 40000 per-sample gradients of z^2 (z = rep(mu,
    logvar, eps)) lies from the gradient of E[z^2] = mu^2 + exp(logvar): (2 mu, exp(logvar))."""
    n = 40000
    mu = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    logvar = torch.tensor([0.5, -0.8], dtype=torch.float64, requires_grad=True)
    eps = torch.randn(n, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    mus, logvars = mu.expand(n, 2), logvar.expand(n, 2)
    z = rep(mus, logvars, eps)                                        # (n, 2)
    (z ** 2).mean(0).sum().backward()
    # per-sample gradients, for the standard errors: d z^2 / d mu, d z^2 / d logvar
    per_mu, per_lv = torch.autograd.grad((rep(mus, logvars, eps) ** 2).sum(), (mus, logvars))
    se_mu, se_lv = per_mu.std(0) / math.sqrt(n), per_lv.std(0) / math.sqrt(n)
    off_mu = (mu.grad - 2 * mu.detach()).abs() / se_mu
    off_lv = (logvar.grad - logvar.detach().exp()).abs() / se_lv
    return max(off_mu.max().item(), off_lv.max().item())


def test_averaged_sample_gradients_equal_the_gradient_of_the_expectation():
    """Within 4 standard errors for ours; a planted sigma = exp(logvar) is far outside."""
    assert _sample_gradients_off_by(reparameterize) < 4
    assert _sample_gradients_off_by(lambda m, lv, e: m + lv.exp() * e) > 20


def test_reparameterize_draws_noise_when_none_is_given():
    mu, logvar = torch.full((4000, 2), 3.0), torch.full((4000, 2), math.log(4.0))
    torch.manual_seed(0)
    z = reparameterize(mu, logvar)
    assert abs(z.mean().item() - 3.0) < 0.1 and abs(z.std().item() - 2.0) < 0.1


# ---- the Gaussian KL ------------------------------------------------------------------------


def _torch_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    q = Normal(mu, (0.5 * logvar).exp())
    return kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_kl_matches_torch_distributions(shape):
    mu, logvar = _gaussian(*shape, seed=sum(shape))
    assert_fn_parity(gaussian_kl, _torch_kl, mu, logvar)


def test_gaussian_kl_is_zero_only_for_the_prior():
    zeros = torch.zeros(3, 6, dtype=torch.float64)
    assert gaussian_kl(zeros, zeros).abs().max().item() == 0.0
    mu, logvar = _gaussian(5, 6, seed=4)
    assert (gaussian_kl(mu, logvar) > 0).all()


def test_kl_closed_form_agrees_with_monte_carlo_within_its_standard_error():
    """KL = E_q[log q(z) - log p(z)]: 20000 samples per row; each closed form lies within
    4 standard errors of its estimate."""
    mu, logvar = _gaussian(3, 4, seed=5)
    n = 20000
    eps = torch.randn(n, 3, 4, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    z = reparameterize(mu.expand(n, 3, 4), logvar.expand(n, 3, 4), eps)   # (n, 3, 4)
    q, p = Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)
    terms = (q.log_prob(z) - p.log_prob(z)).sum(-1)                         # (n, 3)
    estimate, se = terms.mean(0), terms.std(0) / math.sqrt(n)
    closed = gaussian_kl(mu, logvar)
    assert ((estimate - closed).abs() < 4 * se).all(), (estimate, closed, se)
    assert (se < 0.05 * closed).all()                     # and the test is sharp enough


# ---- the ELBO ----------------------------------------------------------------------------------


def _torch_elbo(x, x_hat, mu, logvar, beta=1.0):
    recon = TF.binary_cross_entropy_with_logits(x_hat, (x + 1) / 2, reduction="none")
    recon = recon.flatten(1).sum(1).mean()
    kl = _torch_kl(mu, logvar).mean()
    return recon + beta * kl, recon, kl


@pytest.mark.parametrize("batch, image, latent, beta", [(1, (1, 4, 4), 2, 1.0),
                                                        (3, (1, 5, 3), 4, 0.0),
                                                        (5, (2, 3, 3), 3, 4.0)])
def test_elbo_loss_values_and_gradients_match_torch(batch, image, latent, beta):
    gen = torch.Generator().manual_seed(batch)
    x = torch.rand(batch, *image, generator=gen, dtype=torch.float64) * 2 - 1
    x_hat = 3 * torch.randn(batch, *image, generator=gen, dtype=torch.float64)
    mu, logvar = _gaussian(batch, latent, seed=batch + 10)
    assert_fn_parity(elbo_loss, _torch_elbo, x, x_hat, mu, logvar, kwargs={"beta": beta})


def test_bernoulli_terms():
    logits = torch.tensor([[[[-50.0, 0.0, 50.0]]]], dtype=torch.float64)
    assert bernoulli_mean(logits).flatten().tolist() == pytest.approx([-1.0, 0.0, 1.0])
    x = torch.tensor([[[[-1.0, 0.0, 1.0]]]], dtype=torch.float64)
    # -log(1 - s(-50)) - 0.5 log s(0) - 0.5 log(1 - s(0)) - log s(50) = log 2 (+ tiny)
    assert bernoulli_nll(x, logits).item() == pytest.approx(math.log(2), abs=1e-12)


# ---- the model -------------------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("size, depth", [(8, 1), (16, 2)])
def test_model_shapes(batch, size, depth):
    torch.manual_seed(0)
    vae = ConvVAE(ConvVAEConfig(image_size=size, latent_dim=5, width=4, depth=depth))
    x = torch.rand(batch, 1, size, size) * 2 - 1
    x_hat, mu, logvar = vae(x)
    assert x_hat.shape == x.shape and mu.shape == logvar.shape == (batch, 5)
    assert vae.decode(mu).shape == x.shape
    samples = vae.sample(batch, torch.Generator().manual_seed(1))
    assert samples.shape == x.shape and samples.abs().max() <= 1
    assert torch.equal(samples, vae.sample(batch, torch.Generator().manual_seed(1)))


def test_model_is_built_from_scratch_layers_only():
    torch.manual_seed(0)
    vae = ConvVAE(ConvVAEConfig(image_size=8, latent_dim=3, width=4, depth=2))
    x = torch.rand(2, 1, 8, 8) * 2 - 1
    with BuiltinCallRecorder() as recorder:
        loss = elbo_loss(x, *vae(x))[0]
        loss.backward()
        vae.sample(2)
    assert recorder.calls == []
    assert all(p.grad is not None for p in vae.parameters())


# ---- bad inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: gaussian_kl(torch.zeros(2, 3), torch.zeros(2, 4)), ValueError,
     "gaussian_kl: mu and logvar must have the same shape (B, D), got mu (2, 3) and logvar "
     "(2, 4)"),
    (lambda: gaussian_kl(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 3)), TypeError,
     "gaussian_kl: mu must be floating point, got torch.int64"),
    (lambda: reparameterize(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(3, 2)),
     ValueError, "reparameterize: eps must be a Tensor of mu's shape (2, 3), got (3, 2)"),
    (lambda: reparameterize(torch.zeros(()), torch.zeros(())), ValueError,
     "reparameterize: mu must have a latent dimension (B, D) with D >= 1, got shape ()"),
    (lambda: bernoulli_nll(torch.full((2, 1, 2, 2), 255.0), torch.zeros(2, 1, 2, 2)),
     ValueError, "bernoulli_nll: x must hold images in [-1, 1] (background -1, ink +1), got "
     "values in [255, 255]"),
    (lambda: elbo_loss(torch.zeros(2, 1, 2, 2), torch.zeros(2, 1, 2, 2), torch.zeros(3, 4),
                       torch.zeros(3, 4)), ValueError,
     "elbo_loss: x has batch size 2 but mu has (3,); expected mu, logvar (B, D) with B = 2"),
    (lambda: elbo_loss(torch.zeros(2, 4), torch.zeros(2, 4), torch.zeros(2, 1),
                       torch.zeros(2, 1), beta=-1.0), ValueError,
     "elbo_loss: beta must be a number >= 0, got -1.0"),
    (lambda: ConvVAEConfig(image_size=12, depth=3), ValueError,
     "ConvVAEConfig: image_size (12) must be divisible by 2**depth = 8"),
    (lambda: ConvVAEConfig(latent_dim=0), ValueError,
     "ConvVAEConfig: latent_dim must be a positive int, got 0"),
    (lambda: ConvVAE(ConvVAEConfig(image_size=8, width=2))(torch.zeros(2, 1, 16, 16)),
     ValueError, "ConvVAE: expected images x of shape (B, 1, 8, 8), got (2, 1, 16, 16)"),
    (lambda: ConvVAE(ConvVAEConfig(image_size=8, width=2)).decode(torch.zeros(2, 3)),
     ValueError, "ConvVAE.decode: expected z of shape (B, 16), got (2, 3)"),
    (lambda: ConvVAE(ConvVAEConfig(image_size=8, width=2)).sample(0), ValueError,
     "ConvVAE.sample: n must be an int >= 1, got 0"),
])
def test_bad_inputs_say_what_was_expected(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


# ---- the recipe ----------------------------------------------------------------------------------


def _tiny(out, *extra: str) -> list[str]:
    """`dlfs train vae --quick` on 8x8 digits with a width-4 network: about a second."""
    return ["train", "vae", "--quick", "--image-size", "8", "--width", "4", "--batch-size",
            "32", "--eval-every", "4", "--out", str(out), *extra]


def info_evals(out):
    """The evaluation rows the run's newest checkpoint keeps."""
    from dlfs.train import CheckpointManager

    _, payload, _ = CheckpointManager(out / "checkpoints").load_latest()
    return payload["extra"]["evals"]


def test_quick_run_through_the_command_line(tmp_path, capsys):
    from dlfs.cli import main

    out = tmp_path / "run"
    assert main(["train", "vae", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert (out / "samples.png").stat().st_size > 0
    info = json.loads((out / "run.json").read_text())
    assert info["kind"] == "vae" and info["model"]["latent_dim"] == 4
    assert info["recipe"]["max_steps"] == 30 and "quality" in info
    assert "quality of 360 samples: " in printed and "held-out -ELBO" in printed
    # an image model's log in the naming scheme: a sample grid at each evaluation
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(out / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    evals = [row[0] for row in info_evals(out)]
    assert [e.step for e in events.Images("samples/grid")] == evals
    assert [e.step for e in events.Scalars("loss/val")] == evals
    assert {"loss/train", "opt/lr", "opt/grad_norm", "perf/samples_per_s", "vae/kl",
            "vae/recon", "vae/val_kl", "vae/val_recon"} <= set(events.Tags()["scalars"])
    assert f"curves: {out / 'curves.png'}" in printed and (out / "curves.png").stat().st_size
    from dlfs.errors import DlfsError
    from dlfs.recipes.vae import generate

    images = generate(out, info, n=5, seed=1)
    assert images.shape == (5, 1, 16, 16) and images.abs().max() <= 1
    assert torch.equal(images, generate(out, info, n=5, seed=1))
    with pytest.raises(DlfsError, match=r"^--digit 3: this VAE run is not class-conditional"):
        generate(out, info, n=2, seed=0, digit=3)
    with pytest.raises(DlfsError, match=r"^--steps 50: a VAE samples in one decoder pass"):
        generate(out, info, n=2, seed=0, steps=50)


def test_resume_equals_the_uninterrupted_run(tmp_path, capsys):
    """8 steps, then --resume to 16, equals 16 straight: the weights bit for bit (the loop
    restores the RNG, the Adam moments and the loader position; the rate is constant). A
    resume with another network width is refused, naming it."""
    from dlfs.cli import main
    from dlfs.train import load_checkpoint

    straight, halves = tmp_path / "straight", tmp_path / "halves"
    assert main(_tiny(straight, "--max-steps", "16")) == 0
    assert main(_tiny(halves, "--max-steps", "8")) == 0
    assert main(_tiny(halves, "--max-steps", "16", "--resume")) == 0
    assert "resuming from" in capsys.readouterr().out
    a = load_checkpoint(straight / "checkpoints" / "step-00000016.pt")
    b = load_checkpoint(halves / "checkpoints" / "step-00000016.pt")
    for name, value in a["model"].items():
        assert torch.equal(value, b["model"][name]), name
    assert a["extra"]["evals"] == b["extra"]["evals"]
    argv = _tiny(halves, "--max-steps", "20", "--resume")
    argv[argv.index("--width") + 1] = "8"
    assert main(argv) == 2
    assert "--width 4 -> 8" in capsys.readouterr().err
