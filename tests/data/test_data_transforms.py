"""Transforms: Resize against F.interpolate, padding against F.pad / np.pad, crops, flips."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.data.image_ops import bilinear_resize, pad, resize, resized_shape
from dlfs.data.transforms import (
    CenterCrop,
    Compose,
    Lambda,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    Resize,
    ToTensor,
)


def interp(x, h, w):
    return F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=False)


@pytest.mark.parametrize("shape,out", [((1, 1, 1, 1), (3, 2)), ((2, 3, 5, 7), (11, 4)),
                                       ((1, 1, 8, 8), (28, 28)), ((1, 2, 9, 13), (9, 13)),
                                       ((3, 1, 17, 6), (1, 1)), ((1, 3, 32, 32), (7, 45))])
def test_bilinear_matches_interpolate(shape, out):
    gen = torch.Generator().manual_seed(sum(shape))
    x = torch.randn(shape, dtype=torch.float64, generator=gen)
    torch.testing.assert_close(bilinear_resize(x, *out), interp(x, *out), atol=1e-12, rtol=1e-12)
    x32 = x.float()
    torch.testing.assert_close(bilinear_resize(x32, *out), interp(x32, *out), atol=1e-5, rtol=1e-5)
    chw = x[0]  # a single (C, H, W) image goes through Resize
    torch.testing.assert_close(Resize(out)(chw), interp(chw[None], *out)[0], atol=1e-12, rtol=0)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(1, 20), w=st.integers(1, 20), oh=st.integers(1, 30), ow=st.integers(1, 30),
       batch=st.integers(1, 2), seed=st.integers(0, 1000))
def test_bilinear_random_sizes_match_interpolate(h, w, oh, ow, batch, seed):
    x = torch.randn(batch, 2, h, w, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(bilinear_resize(x, oh, ow), interp(x, oh, ow), atol=1e-12, rtol=1e-12)


def test_resize_shapes_and_uint8_arrays():
    assert resized_shape(8, 16, 4) == (4, 8) and resized_shape(30, 20, 10) == (15, 10)
    img = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    up = resize(img, (28, 28))
    assert up.shape == (28, 28, 3) and up.dtype == np.uint8
    chw = torch.from_numpy(img).permute(2, 0, 1).double()[None]
    ref = interp(chw, 28, 28)[0].permute(1, 2, 0).round().numpy()
    diff = np.abs(up.astype(int) - ref.astype(int))
    assert diff.max() <= 1 and (diff == 0).mean() > 0.9  # off by one only where x.5 rounds
    gray = resize(img[:, :, 0], 4)
    assert gray.shape == (4, 4)
    t = resize(torch.from_numpy(img).permute(2, 0, 1).contiguous(), 16)
    assert t.dtype == torch.uint8 and t.shape == (3, 16, 16)


@pytest.mark.parametrize("mode,torch_mode", [("constant", "constant"), ("edge", "replicate"),
                                             ("reflect", "reflect")])
def test_pad_matches_torch(mode, torch_mode):
    x = torch.randn(2, 3, 6, 5, dtype=torch.float64)
    for padding, ltrb in [(2, (2, 2, 2, 2)), ((1, 3), (1, 3, 1, 3)), ((0, 1, 4, 2), (0, 1, 4, 2))]:
        ref = F.pad(x, (ltrb[0], ltrb[2], ltrb[1], ltrb[3]), mode=torch_mode)
        assert torch.equal(pad(x, padding, padding_mode=mode), ref)


@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_arrays_match_numpy(mode):
    img = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    np_mode = {"edge": "edge", "reflect": "reflect", "symmetric": "symmetric"}.get(mode, "constant")
    kwargs = {"constant_values": 7} if mode == "constant" else {}
    ref = np.pad(img, ((2, 3), (1, 4), (0, 0)), mode=np_mode, **kwargs)
    np.testing.assert_array_equal(pad(img, (1, 2, 4, 3), fill=7, padding_mode=mode), ref)


def test_to_tensor_and_normalize():
    img = np.random.default_rng(1).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    t = ToTensor()(img)
    assert t.shape == (3, 5, 7) and t.dtype == torch.float32
    torch.testing.assert_close(t, torch.from_numpy(img).permute(2, 0, 1).float() / 255)
    assert ToTensor()(img[:, :, 0]).shape == (1, 5, 7)
    assert ToTensor()(np.ones((2, 2, 1))).dtype == torch.float64  # non-uint8: no scaling
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    out = Normalize(mean, std)(t)
    for c in range(3):
        torch.testing.assert_close(out[c], (t[c] - mean[c]) / std[c])
    batch = t[None].repeat(2, 1, 1, 1)
    torch.testing.assert_close(Normalize(mean, std)(batch)[1], out)
    with pytest.raises(TypeError, match="ToTensor first"):
        Normalize(mean, std)(img)
    with pytest.raises(ValueError, match="non-zero"):
        Normalize(mean, (1, 0, 1))


def test_center_crop():
    x = torch.arange(7 * 6.0).view(1, 7, 6)
    assert torch.equal(CenterCrop((3, 2))(x), x[:, 2:5, 2:4])
    assert torch.equal(CenterCrop(4)(x), x[:, round(1.5):round(1.5) + 4, 1:5])
    small = CenterCrop(4)(torch.ones(1, 2, 2))  # padded with zeros around the middle
    assert small.shape == (1, 4, 4) and small.sum() == 4 and small[0, 1:3, 1:3].all()
    arr = np.arange(49, dtype=np.uint8).reshape(7, 7)
    np.testing.assert_array_equal(CenterCrop(3)(arr), arr[2:5, 2:5])


def test_random_crop_is_a_window_and_seeded():
    x = torch.randn(3, 10, 9)
    rc = RandomCrop((4, 5), generator=torch.Generator().manual_seed(0))
    top, left, h, w = RandomCrop((4, 5), generator=torch.Generator().manual_seed(0)).get_params(x)
    assert torch.equal(rc(x), x[:, top:top + 4, left:left + 5])
    g = torch.Generator().manual_seed(0)
    assert (top, left) == (int(torch.randint(0, 7, (1,), generator=g)),
                           int(torch.randint(0, 5, (1,), generator=g)))
    padded = RandomCrop(10, padding=2, generator=torch.Generator().manual_seed(1))
    outs = {tuple(padded(torch.ones(1, 10, 10)).sum(dim=(0, 1)).tolist()) for _ in range(20)}
    assert len(outs) > 1  # the window moves over the zero border
    assert RandomCrop(4, pad_if_needed=True)(np.ones((2, 3), dtype=np.uint8)).shape == (4, 4)
    with pytest.raises(ValueError, match="larger than the image"):
        RandomCrop(12)(x)


def test_random_flip_probability_and_generator():
    x = torch.arange(6.0).view(1, 2, 3)
    flip = RandomHorizontalFlip(p=0.5, generator=torch.Generator().manual_seed(3))
    outs = [flip(x) for _ in range(200)]
    flipped = sum(torch.equal(o, x.flip(-1)) for o in outs)
    assert 60 < flipped < 140 and all(torch.equal(o, x) or torch.equal(o, x.flip(-1)) for o in outs)
    assert torch.equal(RandomHorizontalFlip(1.0)(x), x.flip(-1))
    arr = np.arange(6).reshape(2, 3, 1)
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(arr), arr[:, ::-1])


def test_compose_pipeline_on_uint8_image():
    img = np.random.default_rng(2).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    pipeline = Compose([RandomCrop(32, padding=4, generator=torch.Generator().manual_seed(0)),
                        RandomHorizontalFlip(generator=torch.Generator().manual_seed(0)),
                        Resize(16), ToTensor(), Normalize((0.5,) * 3, (0.5,) * 3),
                        Lambda(lambda t: t.clamp(-1, 1))])
    out = pipeline(img)
    assert out.shape == (3, 16, 16) and out.min() >= -1 and out.max() <= 1
    assert "RandomCrop" in repr(pipeline)
