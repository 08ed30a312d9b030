"""nnmath.kernels: fixed kernels, applying them (against a loop reference), sizes, fields."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import functional as F
from nnmath import kernels


def _reference(x: np.ndarray, k: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Plain loop over output positions: y[i, j] = sum K * window."""
    xp = np.pad(x, padding)
    kh, kw = k.shape
    ho = (xp.shape[0] - kh) // stride + 1
    wo = (xp.shape[1] - kw) // stride + 1
    y = np.zeros((ho, wo))
    for i in range(ho):
        for j in range(wo):
            y[i, j] = np.sum(xp[i * stride:i * stride + kh, j * stride:j * stride + kw] * k)
    return y


@pytest.mark.parametrize("name", kernels.list_kernels())
@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_apply_kernel_matches_loop_reference(name, stride, padding, rng):
    x = rng.standard_normal((11, 9))
    got = kernels.apply_kernel(x, name, stride=stride, padding=padding)
    np.testing.assert_allclose(got, _reference(x, kernels.get_kernel(name), stride, padding),
                               rtol=1e-12, atol=1e-12)


def test_apply_kernels_stacks_channels_and_matches_engine_conv2d(rng):
    x = rng.standard_normal((10, 12))
    names = ["sobel-x", "sobel-y", "blur", "sharpen"]
    y = kernels.apply_kernels(x, names, padding=1)
    assert y.shape == (10, 12, 4)
    W = np.stack([kernels.get_kernel(n) for n in names], -1)[:, :, None, :]
    engine = F.conv2d(x[None, :, :, None], W, padding=1).numpy()[0]
    np.testing.assert_allclose(y, engine, atol=1e-12)


def test_sobel_responds_to_the_right_edges():
    vertical = np.zeros((6, 6))
    vertical[:, 3:] = 1.0
    assert np.abs(kernels.apply_kernel(vertical, "sobel-x")).max() == 4.0
    assert np.abs(kernels.apply_kernel(vertical, "sobel-y")).max() == 0.0
    np.testing.assert_array_equal(kernels.get_kernel("sobel-y"), kernels.get_kernel("sobel-x").T)


def test_lecture_vertical_edge_example():
    x = np.zeros((6, 6))
    x[:, :3] = 10
    edge = np.array([[1.0, 0, -1]] * 3)
    np.testing.assert_array_equal(kernels.apply_kernel(x, edge), np.tile([0, 30, 30, 0], (4, 1)))


def test_smoothing_kernels_preserve_constants_and_edge_kernels_kill_them():
    ones = np.full((5, 5), 7.0)
    for name in ("blur", "gaussian", "sharpen", "identity"):
        np.testing.assert_allclose(kernels.apply_kernel(ones, name), 7.0)
    for name in ("sobel-x", "sobel-y", "laplacian", "outline", "prewitt-x"):
        np.testing.assert_allclose(kernels.apply_kernel(ones, name), 0.0, atol=1e-12)


@pytest.mark.parametrize(("n", "f", "s", "p"), [(6, 3, 1, 0), (7, 3, 2, 1), (28, 5, 1, 2),
                                                (13, 4, 3, 0), (5, 5, 1, 0)])
def test_output_size_formula_matches_conv2d(n, f, s, p):
    y = F.conv2d(np.zeros((1, n, n, 1)), np.zeros((f, f, 1, 1)), strides=s, padding=p)
    assert kernels.output_size(n, f, s, p) == y.shape[1]


def test_receptive_field():
    assert kernels.receptive_field([(3, 1)] * 4) == [3, 5, 7, 9]
    assert kernels.receptive_field([(3, 1), (2, 2), (3, 1)]) == [3, 4, 8]


def test_errors_are_clear():
    with pytest.raises(KeyError, match=r"unknown kernel 'nope'.*sobel-x"):
        kernels.get_kernel("nope")
    with pytest.raises(ValueError, match=r"grey-scale image \(H, W\), got shape \(4, 4, 3\)"):
        kernels.apply_kernel(np.zeros((4, 4, 3)), "blur")
    with pytest.raises(ValueError, match="larger than the padded image"):
        kernels.apply_kernel(np.zeros((2, 2)), "blur")
    assert kernels.get_kernel("Sobel_X").shape == (3, 3)


def test_edge_detectors_and_display_mapping(rng):
    assert [n for n in kernels.list_kernels() if kernels.is_edge_detector(n)] == [
        "laplacian", "outline", "prewitt-x", "prewitt-y", "sobel-x", "sobel-y"]
    assert not kernels.is_edge_detector(np.array([[0.1, 0.2], [0.0, 0.0]]))
    y = rng.standard_normal((20, 20))
    mag = kernels.for_display(y, magnitude=True)
    p99 = np.percentile(np.abs(y), 99)
    np.testing.assert_allclose(mag, np.minimum(np.abs(y) / p99, 1.0))
    np.testing.assert_array_equal(kernels.for_display(y, magnitude=False), np.clip(y, 0, 1))


def test_load_grey_is_luma_in_unit_range(tmp_path):
    from nnmath import images

    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    grey = kernels.load_grey(images.save_image(tmp_path / "p.png", px))
    assert grey.shape == (1, 4) and grey.dtype == np.float64
    np.testing.assert_allclose(grey[0], [0.299, 0.587, 0.114, 1.0], atol=2 / 255)
