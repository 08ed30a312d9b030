"""Cat vs non-cat against the published numbers, and h5 image sets with every error case."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from nnmath.datasets import load_cat_vs_noncat, load_h5_images


def test_cat_vs_noncat_published_shapes_and_counts(data_dir):
    (x, y), (xt, yt), classes = load_cat_vs_noncat(data_dir)
    assert x.shape == (209, 64, 64, 3) and x.dtype == np.uint8
    assert y.shape == (209,) and y.dtype == np.int64
    assert xt.shape == (50, 64, 64, 3) and yt.shape == (50,) and yt.dtype == np.int64
    assert classes == ["non-cat", "cat"]
    assert np.bincount(y).tolist() == [137, 72]
    assert np.bincount(yt).tolist() == [17, 33]
    assert round(float(x.mean()), 3) == 103.007 and round(float(xt.mean()), 3) == 107.372


def _write_h5(path, **arrays):
    with h5py.File(path, "w") as f:
        for k, v in arrays.items():
            f.create_dataset(k, data=v)
    return path


def test_h5_keys_found_automatically_and_labels_flattened(tmp_path, rng):
    x = rng.integers(0, 256, (5, 4, 4, 3), dtype=np.uint8)
    for y in (np.arange(5), np.arange(5).reshape(5, 1), np.arange(5).reshape(1, 5)):
        path = _write_h5(tmp_path / "a.h5", dev_set_x=x, dev_set_y=y,
                         list_classes=np.array([b"a", b"b"]))
        x2, y2, classes = load_h5_images(path)
        np.testing.assert_array_equal(x2, x)
        np.testing.assert_array_equal(y2, np.arange(5))
        assert classes == ["a", "b"]
    path = _write_h5(tmp_path / "b.h5", pics=x, labels=np.zeros(5))
    x3, y3, classes = load_h5_images(path, x_key="pics", y_key="labels")
    assert x3.shape == (5, 4, 4, 3) and y3.shape == (5,) and classes is None


def test_h5_errors(tmp_path, rng):
    x = rng.integers(0, 256, (5, 4, 4, 3), dtype=np.uint8)
    path = _write_h5(tmp_path / "k.h5", images=x, train_set_y=np.zeros(5))
    with pytest.raises(KeyError, match=r"'\*_set_x'.*no key.*keys in the file: \['images', "
                                       r"'train_set_y'\].*x_key"):
        load_h5_images(path)
    with pytest.raises(KeyError, match=r"no data set 'pics'.*keys found: \['images'"):
        load_h5_images(path, x_key="pics")
    two = _write_h5(tmp_path / "two.h5", a_set_x=x, b_set_x=x, a_set_y=np.zeros(5))
    with pytest.raises(KeyError, match=r"2 keys \(\['a_set_x', 'b_set_x'\]\)"):
        load_h5_images(two)
    mismatch = _write_h5(tmp_path / "m.h5", a_set_x=x, a_set_y=np.zeros(4))
    with pytest.raises(ValueError, match=r"same m, got a_set_x \(5, 4, 4, 3\) and a_set_y \(4,\)"):
        load_h5_images(mismatch)
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5 at all")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        load_h5_images(text)
    good = _write_h5(tmp_path / "t.h5", a_set_x=x, a_set_y=np.zeros(5)).read_bytes()
    (tmp_path / "cut.h5").write_bytes(good[: len(good) // 3])
    with pytest.raises(ValueError, match=r"load_h5_images\(cut.h5\): the HDF5 file cannot be"):
        load_h5_images(tmp_path / "cut.h5")
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_h5_images(tmp_path / "missing.h5")


def _fake_cat_files(folder, x_shape, y_shape, classes=None):
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        arrays = {f"{split}_set_x": rng.integers(0, 256, x_shape, dtype=np.uint8),
                  f"{split}_set_y": rng.integers(0, 2, y_shape)}
        if classes is not None:
            arrays["list_classes"] = np.array(classes)
        _write_h5(folder / f"{split}_catvnoncat.h5", **arrays)


def test_cat_loader_checks_files_then_shapes(tmp_path):
    # a substituted file is reported by its checksum, never used
    _fake_cat_files(tmp_path / "catvnoncat", (3, 64, 64, 3), (3, 1))
    with pytest.raises(ValueError, match=r"train_catvnoncat.h5 is not the registered original "
                                         r"\(wrong size: \d+ bytes, expected 2572022\)"):
        load_cat_vs_noncat(tmp_path, download=False)
    # checksum=False: a re-saved copy (labels (m, 1), no list_classes) is used as it is
    (x, y), (xt, yt), classes = load_cat_vs_noncat(tmp_path, download=False, checksum=False)
    assert x.shape == xt.shape == (3, 64, 64, 3) and y.shape == yt.shape == (3,)
    assert y.dtype == yt.dtype == np.int64
    assert classes == ["non-cat", "cat"]
    # ... but its shapes and class names are still checked
    _fake_cat_files(tmp_path / "catvnoncat", (3, 32, 32, 3), (3,))
    with pytest.raises(ValueError, match=r"\(m, 64, 64, 3\) uint8 images, got \(3, 32, 32, 3\)"):
        load_cat_vs_noncat(tmp_path, download=False, checksum=False)
    _fake_cat_files(tmp_path / "catvnoncat", (3, 64, 64, 3), (3,), [b"dog", b"cat"])
    with pytest.raises(ValueError, match=r"expected classes \['non-cat', 'cat'\].*got \['dog'"):
        load_cat_vs_noncat(tmp_path, download=False, checksum=False)
