"""nnmath.preprocess: MNIST's digit preprocessing and photo resizing, on pictures drawn here."""

from __future__ import annotations

import numpy as np
import pytest

from drawn import draw_digit
from nnmath.preprocess import (
    BLANK_CONTRAST,
    DIGIT_BOX,
    composite,
    digit_input,
    photo_input,
    to_rgba,
)


def _arr(img) -> np.ndarray:
    return np.asarray(img)


def _centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    r, c = np.indices(x.shape)
    return float((r * x).sum() / x.sum()), float((c * x).sum() / x.sum())


@pytest.mark.parametrize("digit", [1, 4, 7, 8])
def test_every_variant_gives_the_same_mnist_style_input(digit):
    base = digit_input(_arr(draw_digit(digit, "DejaVuSans.ttf", "thin", "dark-on-white")))
    assert not base.blank and base.pixels.shape == (28, 28) and base.pixels.dtype == np.float32
    assert base.pixels.max() == pytest.approx(1.0) and base.pixels.min() == 0.0
    # MNIST's layout: light ink on black, the ink box's longest side 20 px, mass centred
    rows = np.flatnonzero(base.pixels.max(axis=1) > 0.05)
    cols = np.flatnonzero(base.pixels.max(axis=0) > 0.05)
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (DIGIT_BOX, DIGIT_BOX + 1)
    com = _centre_of_mass(base.pixels)
    assert abs(com[0] - 13.5) <= 0.6 and abs(com[1] - 13.5) <= 0.6
    assert base.pixels[0].max() == 0 and base.pixels[:, 0].max() == 0  # border is background
    for variant in ("light-on-dark", "transparent", "off-centre"):
        other = digit_input(_arr(draw_digit(digit, "DejaVuSans.ttf", "thin", variant)))
        assert np.abs(other.pixels - base.pixels).mean() < 0.03, variant


def test_transparent_pixels_are_laid_on_a_contrasting_background():
    rgba = np.zeros((10, 10, 4), np.uint8)            # fully transparent black ...
    rgba[3:7, 4:6] = [0, 0, 0, 255]                   # ... with an opaque black bar
    grey = composite(to_rgba(rgba))
    assert grey[0, 0] == pytest.approx(1.0) and grey[4, 4] == pytest.approx(0.0)
    rgba[3:7, 4:6] = [255, 255, 255, 255]             # a white bar: onto black instead
    grey = composite(to_rgba(rgba))
    assert grey[0, 0] == pytest.approx(0.0) and grey[4, 4] == pytest.approx(1.0)
    half = rgba.copy()
    half[..., 3] = 128                                # half-transparent everywhere
    assert composite(to_rgba(half), background=1.0)[4, 4] == pytest.approx(1.0)
    assert composite(to_rgba(half), background=0.0)[0, 0] == pytest.approx(0.0)


@pytest.mark.parametrize("level", [0, 128, 255])
def test_blank_pictures_are_blank(level, rng):
    flat = np.full((200, 150), level, np.uint8)
    assert digit_input(flat).blank and digit_input(flat).pixels.max() == 0
    noise = rng.integers(0, int(255 * BLANK_CONTRAST * 0.8), (200, 150))
    paper = np.clip(level - noise if level > 127 else level + noise, 0, 255).astype(np.uint8)
    assert digit_input(paper).blank
    paper[50:150, 70:80] = 255 - level if level != 128 else 0  # a real stroke: not blank
    assert not digit_input(paper).blank


@pytest.mark.parametrize("side", [1, 3, 8])
def test_a_speck_of_ink_is_not_blown_up_into_a_digit(side):
    pic = np.full((280, 280), 255, np.uint8)
    pic[100:100 + side, 150:150 + side] = 0  # under 3 % of 280 px: a speck, not a digit
    x = digit_input(pic)
    assert x.blank and x.pixels.max() == 0
    assert x.why == f"only a speck of ink ({side} x {side} pixels), too small to be a digit"
    pic[100:100 + 9, 150] = 0  # a 9-pixel stroke (over 3 % of 280) is ink to read
    assert not digit_input(pic).blank
    small = np.zeros((28, 28), np.uint8)  # at MNIST's own size a 2-pixel dash still counts
    small[10, 10:12] = 255
    assert not digit_input(small).blank
    small[10, 11] = 0  # one pixel: a speck at any size
    assert digit_input(small).blank


def test_a_hairline_stroke_keeps_full_contrast_when_scaled_down():
    pic = np.full((600, 600), 255, np.uint8)
    i = np.arange(50, 550)
    pic[i, i] = 0  # a 1-pixel diagonal "/", 500 x 500 px: 25 times smaller at 20 px
    x = digit_input(pic).pixels
    assert x.max() == pytest.approx(1.0)  # not a faint grey line the model never saw
    assert (x > 0.5).sum() >= DIGIT_BOX - 2  # a whole stroke, corner to corner


def test_a_faint_grey_pencil_digit_still_gets_full_contrast():
    pic = np.full((100, 100), 200, np.uint8)
    pic[20:80, 45:52] = 150                           # grey on light grey paper
    x = digit_input(pic).pixels
    assert x.max() == pytest.approx(1.0) and x[0].max() == 0


@pytest.mark.parametrize("aspect", ["stretch", "crop", "pad"])
def test_a_flat_photo_is_blank_and_a_real_one_is_not(aspect, rng):
    sky = np.empty((60, 90, 3), np.uint8)
    sky[:] = (90, 160, 230)
    noisy = np.clip(sky + rng.integers(-20, 21, sky.shape), 0, 255).astype(np.uint8)  # jpeg-ish
    clear = np.zeros((60, 90, 4), np.uint8)  # fully transparent: white once composited
    for flat in (sky, noisy, clear):
        assert photo_input(flat, (16, 16), aspect).blank
    bird = noisy.copy()
    bird[20:30, 40:55] = (30, 30, 30)  # something in the sky
    assert not photo_input(bird, (16, 16), aspect).blank


def test_photo_policies_keep_or_change_the_aspect():
    pic = np.zeros((100, 200, 3), np.uint8)           # left half red, right half blue
    pic[:, :100, 0] = 255
    pic[:, 100:, 2] = 255
    pic[:, 90:110] = [0, 255, 0]                      # a green band in the middle
    stretch = photo_input(pic, (20, 20), "stretch").pixels
    crop = photo_input(pic, (20, 20), "crop").pixels
    pad = photo_input(pic, (20, 20), "pad").pixels
    for x in (stretch, crop, pad):
        assert x.shape == (20, 20, 3) and x.dtype == np.float32 and 0 <= x.min() <= x.max() <= 1
    # crop keeps the centre 100 x 100: the green band takes 20 % of the width, not 10 %
    green = lambda x: (x[10, :, 1] > 0.5).sum()  # noqa: E731
    assert green(crop) == pytest.approx(2 * green(stretch), abs=1)
    # pad keeps all of it, the band at 10 % of the width, and fills top and bottom
    assert green(pad) == pytest.approx(green(stretch), abs=1)
    assert pad[10, 1, 0] > 0.9 and pad[10, -2, 2] > 0.9
    grey = photo_input(pic, (8, 8), "crop", grayscale=True).pixels
    assert grey.shape == (8, 8, 1)
    with pytest.raises(ValueError, match="expected aspect one of stretch, crop, pad, got 'zoom'"):
        photo_input(pic, (8, 8), "zoom")


def test_photo_transparency_becomes_white():
    rgba = np.zeros((30, 30, 4), np.uint8)
    x = photo_input(rgba, (10, 10)).pixels
    assert np.allclose(x, 1.0, atol=1e-3)


def test_bad_picture_shapes_are_named():
    with pytest.raises(ValueError, match=r"expected a picture \(H, W\) or \(H, W, C\) with C in "
                                         r"1..4, got shape \(4, 4, 5\)"):
        digit_input(np.zeros((4, 4, 5), np.uint8))
