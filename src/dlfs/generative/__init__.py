"""Generative models' mathematics, one home for it: each module holds the equations of one
family as plain functions over tensors, with variables named after the symbols.

- :mod:`dlfs.generative.vae` — reparameterisation, the Gaussian KL in closed form, the ELBO.
- :mod:`dlfs.generative.diffusion` — DDPM schedules, ``q_sample``, ``L_simple``, the ancestral
  and DDIM samplers, classifier-free guidance.
- :mod:`dlfs.generative.gan` — the (non-)saturating GAN losses, the WGAN critic loss, the
  gradient penalty.
- :mod:`dlfs.generative.data` — the digit images every recipe trains on (scikit-learn's digits,
  or MNIST IDX files), in ``[-1, 1]``.
- :mod:`dlfs.generative.quality` — sample quality: the digits-FD, class coverage, accuracy on a
  requested digit.
- :mod:`dlfs.generative.grid` — sample grids as PNG files.

The networks live in :mod:`dlfs.models` (``vae``, ``unet``, ``dcgan``); the command-line
recipes in :mod:`dlfs.recipes` (``vae``, ``ddpm``, ``gan``).
"""
