"""Image files <-> arrays: formats, channels, grey-scale, resize, normalize, flatten, grids."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nnmath.images import (
    flatten,
    load_image,
    make_grid,
    normalize,
    resize,
    save_image,
    split_channels,
    to_grayscale,
)


@pytest.fixture
def rgba(rng):
    return rng.integers(0, 256, (54, 96, 4), dtype=np.uint8)


def test_rgba_png_is_h_w_4_and_round_trips(tmp_path, rgba):
    path = save_image(tmp_path / "photo.png", rgba)
    x = load_image(path)
    assert x.shape == (54, 96, 4) and x.dtype == np.uint8  # (H, W, C): rows first
    np.testing.assert_array_equal(x, rgba)
    assert load_image(path, mode="RGB").shape == (54, 96, 3)
    np.testing.assert_array_equal(load_image(path, mode="RGB"), rgba[..., :3])


def test_a_960x540_rgba_photo_is_a_540_960_4_matrix_of_grey_channels(tmp_path):
    """The lesson's sentence, literally: (540, 960, 4) uint8; each channel a (540, 960) image."""
    rows, cols = np.mgrid[0:540, 0:960]
    photo = np.stack([cols % 256, rows % 256, (rows + cols) % 256, np.full_like(rows, 200)],
                     axis=-1).astype(np.uint8)
    Image.fromarray(photo, mode="RGBA").save(tmp_path / "photo.png")  # written by Pillow alone
    assert Image.open(tmp_path / "photo.png").size == (960, 540)  # Pillow: (width, height)
    x = load_image(tmp_path / "photo.png")
    assert x.shape == (540, 960, 4) and x.dtype == np.uint8
    r, g, b, a = split_channels(x)
    assert r.shape == (540, 960)
    assert r[10, 300] == 300 % 256 and g[10, 300] == 10 and b[10, 300] == 310 % 256
    assert (a == 200).all()
    batch = np.stack([x, x])  # a data set of such images: (samples, height, width, channels)
    assert batch.shape == (2, 540, 960, 4)


def test_grey_palette_and_jpeg(tmp_path, rng, rgba):
    grey = rng.integers(0, 256, (10, 12), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "g.png")
    g = load_image(tmp_path / "g.png")
    assert g.shape == (10, 12, 1)
    np.testing.assert_array_equal(g[..., 0], grey)
    pal = Image.fromarray(rgba[..., :3]).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    pal.save(tmp_path / "p.png")
    p = load_image(tmp_path / "p.png")
    assert p.shape == (54, 96, 3)
    assert len(np.unique(p.reshape(-1, 3), axis=0)) <= 8
    pal.info["transparency"] = 0
    pal.save(tmp_path / "pt.png", transparency=0)
    assert load_image(tmp_path / "pt.png").shape == (54, 96, 4)
    smooth = np.broadcast_to(np.linspace(0, 255, 96, dtype=np.uint8)[None, :, None], (54, 96, 3))
    save_image(tmp_path / "s.jpg", np.ascontiguousarray(smooth))
    j = load_image(tmp_path / "s.jpg")
    assert j.shape == (54, 96, 3) and np.abs(j.astype(int) - smooth).max() <= 8  # lossy
    assert load_image(tmp_path / "s.jpg", size=(20, 30)).shape == (20, 30, 3)
    assert load_image(tmp_path / "s.jpg", size=16, mode="L").shape == (16, 16, 1)


def test_16_bit_and_float_grey_are_scaled_not_clipped(tmp_path, rng):
    deep = rng.integers(0, 65536, (5, 7), dtype=np.uint16)
    Image.fromarray(deep).save(tmp_path / "g16.png")
    assert Image.open(tmp_path / "g16.png").mode.startswith("I")
    g = load_image(tmp_path / "g16.png")
    assert g.shape == (5, 7, 1) and g.dtype == np.uint8
    np.testing.assert_array_equal(g[..., 0], np.rint(deep / 257.0))  # 65535 -> 255
    np.testing.assert_array_equal(load_image(tmp_path / "g16.png", mode="RGB")[..., 1],
                                  g[..., 0])
    unit = rng.random((3, 4)).astype(np.float32)  # a float TIFF with values in [0, 1]
    Image.fromarray(unit, mode="F").save(tmp_path / "f.tif")
    np.testing.assert_array_equal(load_image(tmp_path / "f.tif")[..., 0],
                                  np.rint(unit.astype(np.float64) * 255))


def test_load_image_errors(tmp_path, rgba):
    with pytest.raises(FileNotFoundError, match=r"load_image\(nope.png\): no such file"):
        load_image(tmp_path / "nope.png")
    (tmp_path / "notes.png").write_text("this is text, not pixels")
    with pytest.raises(ValueError, match="not an image file"):
        load_image(tmp_path / "notes.png")
    data = save_image(tmp_path / "full.png", rgba).read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"load_image\(cut.png\): truncated or corrupt image"):
        load_image(tmp_path / "cut.png")
    jpg = save_image(tmp_path / "full.jpg", rgba[..., :3]).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(jpg[: len(jpg) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt image"):
        load_image(tmp_path / "cut.jpg")
    with pytest.raises(ValueError, match=r"size an int or \(height, width\)"):
        load_image(tmp_path / "full.png", size=(0, 3))
    with pytest.raises(FileNotFoundError, match=r"a folder, not an image file"):
        load_image(tmp_path)
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match=r"load_image\(empty.jpg\): not an image file"):
        load_image(tmp_path / "empty.jpg")


def test_split_channels_are_grey_images(rgba):
    r, g, b, a = split_channels(rgba)
    assert r.shape == (54, 96)
    np.testing.assert_array_equal(np.stack([r, g, b, a], axis=-1), rgba)
    assert len(split_channels(np.zeros((2, 5, 5, 3)))) == 3
    with pytest.raises(ValueError, match=r"expected an image \(H, W, C\).*got shape \(5, 5\)"):
        split_channels(np.zeros((5, 5)))


def test_to_grayscale_bt601(rng, rgba):
    x = rng.integers(0, 256, (7, 9, 3), dtype=np.uint8)
    y = to_grayscale(x)
    expected = (0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])
    assert y.shape == (7, 9, 1) and y.dtype == np.uint8
    assert np.abs(y[..., 0].astype(float) - expected).max() <= 0.5 + 1e-4
    pil = np.asarray(Image.fromarray(x).convert("L")).astype(int)  # Pillow's own BT.601 luma
    assert np.abs(y[..., 0].astype(int) - pil).max() <= 1
    f = to_grayscale(x.astype(np.float64) / 255)
    np.testing.assert_allclose(f[..., 0], expected / 255, rtol=1e-12)
    assert to_grayscale(rgba).shape == (54, 96, 1)  # alpha ignored
    np.testing.assert_array_equal(to_grayscale(x, keepdims=False), y[..., 0])
    assert to_grayscale(y, keepdims=False).shape == (7, 9)
    np.testing.assert_array_equal(to_grayscale(rgba), to_grayscale(rgba[..., :3]))
    with pytest.raises(ValueError, match=r"1, 3 \(RGB\) or 4 \(RGBA\) channels"):
        to_grayscale(np.zeros((2, 2, 2)))


def test_resize(rng):
    x = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    assert resize(x, (20, 30)).shape == (20, 30, 3)
    const = np.full((8, 8, 1), 200, np.uint8)
    np.testing.assert_array_equal(resize(const, (3, 5)), np.full((3, 5, 1), 200))
    f = rng.standard_normal((8, 8, 2)) * 1000  # float: not clipped to 0..255
    small = resize(f, (4, 4), resample="box")
    np.testing.assert_allclose(small, f.reshape(4, 2, 4, 2, 2).mean(axis=(1, 3)), rtol=1e-4,
                               atol=1e-2)
    big = resize(x, 16, resample="nearest")
    assert big.shape == (16, 16, 3) and big.dtype == np.uint8
    batch = resize(np.stack([x, x]), (10, 10))
    assert batch.shape == (2, 10, 10, 3)
    with pytest.raises(ValueError, match="resample in"):
        resize(x, 4, resample="cubic")
    two = rng.integers(0, 256, (6, 6, 2), dtype=np.uint8)  # 2 channels: resized plane by plane
    half = resize(two, 3, resample="box")
    assert half.dtype == np.uint8
    np.testing.assert_array_equal(half, np.rint(two.reshape(3, 2, 3, 2, 2).mean(axis=(1, 3))))


def test_normalize():
    x = np.array([[[0, 51, 255]]], np.uint8)
    np.testing.assert_allclose(normalize(x), x / 255, rtol=1e-7)
    assert normalize(x).dtype == np.float32
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, (6, 4, 4, 3)).astype(np.uint8)
    z = normalize(imgs, "standardize")
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 1, 2)), 1, atol=1e-4)
    mean, std = imgs.mean(axis=(0, 1, 2)), imgs.std(axis=(0, 1, 2))
    np.testing.assert_allclose(normalize(imgs[:2], "standardize", mean, std),
                               (imgs[:2] - mean) / std, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="'scale' or 'standardize'"):
        normalize(x, "minmax")
    with pytest.raises(ValueError, match=r"expected mean a scalar or one value per channel "
                                         r"\(3\), got shape \(2,\)"):
        normalize(imgs, "standardize", mean=np.zeros(2))
    with pytest.raises(ValueError, match="numeric pixels"):
        normalize(np.array(["a"]))


def test_flatten_matches_the_classic_reshape(rng):
    x = rng.integers(0, 256, (5, 4, 3, 2), dtype=np.uint8)
    cols = flatten(x)
    assert cols.shape == (24, 5)
    np.testing.assert_array_equal(cols, x.reshape(x.shape[0], -1).T)
    np.testing.assert_array_equal(cols[:, 2], x[2].ravel())  # column i is image i
    np.testing.assert_array_equal(flatten(x, "rows"), x.reshape(5, -1))
    assert flatten(x[0]).shape == (24, 1)
    assert flatten(x[0], "rows").shape == (1, 24)
    assert flatten(x[..., 0], batch=True).shape == (12, 5)  # grey batch (N, H, W)
    with pytest.raises(ValueError, match="layout 'columns' or 'rows'"):
        flatten(x, "cols")


def test_save_image_errors_and_floats(tmp_path):
    save_image(tmp_path / "f.png", np.full((2, 3, 1), 0.5))
    np.testing.assert_array_equal(load_image(tmp_path / "f.png"), np.full((2, 3, 1), 128))
    with pytest.raises(ValueError, match=r"float pixels in \[0, 1\]"):
        save_image(tmp_path / "g.png", np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 2\)"):
        save_image(tmp_path / "h.png", np.zeros((2, 3, 2), np.uint8))
    with pytest.raises(ValueError, match="JPEG has no alpha"):
        save_image(tmp_path / "h.jpg", np.zeros((2, 3, 4), np.uint8))
    with pytest.raises(ValueError, match="unknown image format"):
        save_image(tmp_path / "h.xyz", np.zeros((2, 3), np.uint8))
    with pytest.raises(ValueError, match=r"save_image\(n.png\): expected finite pixels, got 1 "):
        save_image(tmp_path / "n.png", np.array([[0.5, np.nan]]))
    with pytest.raises(FileNotFoundError, match=r"folder .*nodir does not exist"):
        save_image(tmp_path / "nodir" / "a.png", np.zeros((2, 3), np.uint8))


def test_make_grid(rng):
    x = rng.integers(1, 256, (5, 3, 4, 3), dtype=np.uint8)
    g = make_grid(x, ncols=3, padding=1)
    assert g.shape == (2 * 4 + 1, 3 * 5 + 1, 3)
    for i in range(5):
        r, c = divmod(i, 3)
        np.testing.assert_array_equal(g[1 + r * 4: 1 + r * 4 + 3, 1 + c * 5: 1 + c * 5 + 4], x[i])
    assert (g[0] == 0).all() and (g[:, 0] == 0).all() and (g[-1] == 0).all()
    assert (g[5:8, 11:15] == 0).all()  # the empty sixth cell
    grey = make_grid(x[..., 0], padding=0, pad_value=9)
    assert grey.shape == (6, 12)  # ceil(sqrt(5)) = 3 columns, 2 rows
    np.testing.assert_array_equal(grey[3:, 4:8], x[4, ..., 0])
    assert (grey[3:, 8:] == 9).all()
    with pytest.raises(ValueError, match="non-empty batch"):
        make_grid(np.zeros((0, 2, 2, 1)))
    with pytest.raises(ValueError, match=r"ints ncols >= 1 and padding >= 0, got ncols=1.5"):
        make_grid(x, ncols=1.5)
