"""DPO loss against a hand computation and the sign of its gradients; the scaling-law fit
recovers known parameters."""

from __future__ import annotations

import math

import pytest
import torch

from dlfs.llm import dpo_loss, fit_power_law, log_sigmoid, sequence_logprobs


def test_dpo_hand_computation():
    pc = torch.tensor([-4.0, -10.0, -2.5], dtype=torch.float64)
    pr = torch.tensor([-6.0, -9.0, -2.5], dtype=torch.float64)
    rc = torch.tensor([-5.0, -10.0, -3.0], dtype=torch.float64)
    rr = torch.tensor([-5.0, -10.0, -2.0], dtype=torch.float64)
    beta = 0.2
    margins = [beta * ((-4 + 5) - (-6 + 5)), beta * ((-10 + 10) - (-9 + 10)),
               beta * ((-2.5 + 3) - (-2.5 + 2))]                      # 0.4, -0.2, 0.2
    hand = sum(math.log(1 + math.exp(-m)) for m in margins) / 3
    out = dpo_loss(pc, pr, rc, rr, beta=beta)
    assert out.loss.item() == pytest.approx(hand, rel=1e-12)
    torch.testing.assert_close(out.chosen_rewards, beta * (pc - rc))
    torch.testing.assert_close(out.rejected_rewards, beta * (pr - rr))


def test_dpo_gradient_signs_and_equal_policy():
    pc = torch.randn(5, dtype=torch.float64, requires_grad=True)
    pr = torch.randn(5, dtype=torch.float64, requires_grad=True)
    rc, rr = torch.randn(5, dtype=torch.float64), torch.randn(5, dtype=torch.float64)
    dpo_loss(pc, pr, rc, rr, beta=0.5).loss.backward()
    assert (pc.grad < 0).all()            # raising the chosen log-prob lowers the loss
    assert (pr.grad > 0).all()            # raising the rejected log-prob raises it
    same = dpo_loss(rc, rr, rc, rr)       # policy == reference: -log sigmoid(0) = log 2
    assert same.loss.item() == pytest.approx(math.log(2))


def test_log_sigmoid_stable():
    z = torch.tensor([-800.0, -5.0, 0.0, 5.0, 800.0], dtype=torch.float64)
    ref = torch.nn.functional.logsigmoid(z)
    torch.testing.assert_close(log_sigmoid(z), ref)


def test_sequence_logprobs_masks_prompt():
    logits = torch.randn(2, 4, 6, dtype=torch.float64)
    labels = torch.randint(0, 6, (2, 4))
    mask = torch.tensor([[0, 1, 1, 1], [0, 0, 1, 0]], dtype=torch.bool)
    logp = torch.log_softmax(logits, -1)
    hand = [sum(logp[b, t, labels[b, t]].item() for t in range(4) if mask[b, t]) for b in range(2)]
    torch.testing.assert_close(sequence_logprobs(logits, labels, mask),
                               torch.tensor(hand, dtype=torch.float64))


@pytest.mark.parametrize("a,alpha,c", [(400.0, 0.3, 1.7), (12.0, 0.08, 0.5), (3e3, 0.7, 2.2)])
def test_scaling_fit_recovers_parameters(a, alpha, c):
    N = torch.logspace(4, 8, 9, dtype=torch.float64)
    fit = fit_power_law(N, a * N ** (-alpha) + c)
    assert fit.alpha == pytest.approx(alpha, rel=1e-5)
    assert fit.a == pytest.approx(a, rel=1e-4)
    assert fit.c == pytest.approx(c, rel=1e-5, abs=1e-8)
    torch.testing.assert_close(fit(N), a * N ** (-alpha) + c)


def test_scaling_fit_with_noise():
    g = torch.Generator().manual_seed(0)
    N = torch.logspace(3, 7, 12, dtype=torch.float64)
    L = 60 * N ** (-0.35) + 1.2
    fit = fit_power_law(N, L * (1 + 0.003 * torch.randn(12, generator=g, dtype=torch.float64)))
    assert fit.alpha == pytest.approx(0.35, abs=0.05)
    assert fit.c == pytest.approx(1.2, abs=0.05)


def test_scaling_fit_errors():
    with pytest.raises(ValueError, match=">= 3"):
        fit_power_law([1, 2], [3, 4])
    with pytest.raises(ValueError, match="positive"):
        fit_power_law([0, 1, 2], [3, 2, 1])
