"""Lessons of the generative area (``src/dlfs/lessons/ch18_generative/``).

Generative models: the VAE, DDPM diffusion with DDIM and classifier-free guidance, GANs and WGAN-GP.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="vae-elbo",
        title_en="The ELBO and the reparameterisation trick",
        title_zh="ELBO 与重参数化技巧",
        path="ch18_generative/vae_elbo.py",
        at=("topics:generative",),
        checks=("tests/generative/test_vae.py",),
    ),
    Lesson(
        id="ddpm-forward-process",
        title_en="DDPM · the forward process and L_simple",
        title_zh="DDPM：前向加噪过程与 L_simple",
        path="ch18_generative/ddpm_forward.py",
        at=("topics:generative",),
        checks=("tests/generative/test_diffusion.py",),
    ),
    Lesson(
        id="ddpm-sampling",
        title_en="DDPM sampling: ancestral steps and DDIM",
        title_zh="DDPM 采样：祖先采样与 DDIM",
        path="ch18_generative/ddpm_sampling.py",
        at=("topics:generative",),
        checks=("tests/generative/test_diffusion.py",),
    ),
    Lesson(
        id="classifier-free-guidance",
        title_en="Classifier-free guidance",
        title_zh="无分类器引导",
        path="ch18_generative/classifier_free_guidance.py",
        at=("topics:generative",),
        checks=("tests/generative/test_diffusion.py",),
    ),
    Lesson(
        id="gan-losses",
        title_en="The GAN game and its losses",
        title_zh="GAN 的博弈及其损失函数",
        path="ch18_generative/gan_losses.py",
        at=("topics:generative",),
        checks=("tests/generative/test_gan.py",),
    ),
    Lesson(
        id="wgan-gp",
        title_en="Mode collapse and WGAN-GP",
        title_zh="模式坍塌与 WGAN-GP",
        path="ch18_generative/wgan_gp.py",
        at=("topics:generative",),
        checks=("tests/generative/test_gan.py",),
    ),
)
