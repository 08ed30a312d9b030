"""IDX reading (every dtype, every error) and MNIST against its published shapes and counts."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from nnmath.datasets import load_fashion_mnist, load_mnist, read_idx, write_idx
from nnmath.datasets.mnist import _read_idx_cached

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _idx_bytes(code: int, shape: tuple[int, ...], payload: bytes) -> bytes:
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + payload


# --------------------------------------------------------------------------- read_idx
@pytest.mark.parametrize(
    "code, fmt, dtype",
    [(0x08, "B", np.uint8), (0x09, "b", np.int8), (0x0B, "h", np.int16),
     (0x0C, "i", np.int32), (0x0D, "f", np.float32), (0x0E, "d", np.float64)],
)
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_every_dtype_big_endian(tmp_path, rng, code, fmt, dtype, gz):
    shape = (2, 3, 4)
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if info is not None:
        values = rng.integers(info.min, info.max, size=24, endpoint=True)
    else:
        values = rng.standard_normal(24) * 1e3
    # the payload is packed by struct (big-endian), independently of NumPy
    data = _idx_bytes(code, shape, struct.pack(f">{24}{fmt}", *values.tolist()))
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    path.write_bytes(gzip.compress(data) if gz else data)
    out = read_idx(path)
    assert out.shape == shape and out.dtype == np.dtype(dtype)
    assert out.dtype.isnative and out.flags.writeable
    np.testing.assert_array_equal(out.ravel(), values.astype(dtype))


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_write_idx_round_trip(tmp_path, rng, dtype):
    a = (rng.standard_normal((3, 1, 5)) * 50).astype(dtype)
    for compress in (False, True):
        path = write_idx(tmp_path / f"a{compress}.idx", a, compress=compress)
        np.testing.assert_array_equal(read_idx(path), a)
    with pytest.raises(ValueError, match=r"dtype uint8.*got shape \(2,\) dtype int64"):
        write_idx(tmp_path / "b.idx", np.arange(2, dtype=np.int64))


def test_read_idx_mnist_test_images_equal_direct_decoding(data_dir):
    path = Path(data_dir) / "mnist" / "t10k-images-idx3-ubyte.gz"
    raw = gzip.decompress(path.read_bytes())
    assert struct.unpack(">IIII", raw[:16]) == (0x803, 10000, 28, 28)
    expected = np.frombuffer(raw, np.uint8, offset=16).reshape(10000, 28, 28)
    np.testing.assert_array_equal(read_idx(path), expected)


@pytest.mark.parametrize(
    "data, match",
    [
        (b"\0\0", "truncated header: got 2 of 4 bytes"),
        (b"\0\0\x08\x03" + b"\0\0\0\x02", "truncated header: 3 dimension sizes need 12"),
        (_idx_bytes(0x08, (2, 3), b"\x01" * 5), r"truncated data: dims \(2, 3\) of uint8 need 6 "
                                                 "bytes, the file holds 5"),
        (_idx_bytes(0x0B, (2,), b"\x01" * 3), "truncated data: dims \\(2,\\) of int16 need 4"),
        (_idx_bytes(0x08, (2, 3), b"\x01" * 7), r"dims \(2, 3\) do not match the payload"),
        (b"\x08\x03\0\0" + b"\0" * 20, "wrong magic number 0x08030000"),
        (b"\0\0\x07\x01\0\0\0\x01\x00", "wrong magic number 0x00000701"),  # unknown dtype
        (b"\0\0\x08\x00", "wrong magic number 0x00000800"),  # zero dimensions
        (b"PK\x03\x04 a zip file, not idx", "not an IDX file"),
        (_idx_bytes(0x0E, (60000, 60000, 60000), b"\0" * 64), "more than the .*-byte file"),
    ],
)
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_errors(tmp_path, data, match, gz):
    path = tmp_path / "bad.idx"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert "read_idx(bad.idx)" in str(info.value)


def test_read_idx_corrupt_and_truncated_gzip(tmp_path, rng):
    data = gzip.compress(_idx_bytes(0x08, (50, 40), rng.integers(0, 256, 2000, np.uint8)
                                     .tobytes()))
    cut = tmp_path / "cut.idx.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(cut)
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # inside the deflate stream
    bad = tmp_path / "bad.idx.gz"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(bad)
    crc = bytearray(data)
    crc[-8] ^= 0xFF  # the stored CRC32: data decodes but does not check out
    bad.write_bytes(bytes(crc))
    with pytest.raises(ValueError, match="corrupt gzip data"):
        read_idx(bad)
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_idx(tmp_path / "nope.gz")


def test_decoded_cache_follows_the_source_file(tmp_path):
    src = tmp_path / "a.idx"
    write_idx(src, np.arange(6, dtype=np.uint8).reshape(2, 3))
    cache = tmp_path / "cache"
    first = _read_idx_cached(src, cache)
    files = list(cache.glob("a.idx-*.npy"))
    assert len(files) == 1
    np.testing.assert_array_equal(np.load(files[0]), first)
    np.testing.assert_array_equal(_read_idx_cached(src, cache), first)
    write_idx(src, np.full((3, 2), 7, dtype=np.uint8))  # new content, size, mtime
    os.utime(src, ns=(1, 1))
    second = _read_idx_cached(src, cache)
    assert second.shape == (3, 2) and (second == 7).all()
    assert len(list(cache.glob("a.idx-*.npy"))) == 1  # the stale entry was removed
    next(cache.glob("a.idx-*.npy")).write_bytes(b"garbage")  # a damaged cache is rebuilt
    np.testing.assert_array_equal(_read_idx_cached(src, cache), second)


# --------------------------------------------------------------------------- MNIST
def test_load_mnist_published_shapes_and_counts(data_dir, tmp_path):
    (x, y), (xt, yt) = load_mnist(data_dir, cache_dir=tmp_path)
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.uint8
    assert xt.shape == (10000, 28, 28) and xt.dtype == np.uint8
    assert yt.shape == (10000,) and yt.dtype == np.uint8
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(yt).tolist() == MNIST_TEST_COUNTS
    assert round(float(x.mean()), 3) == 33.318 and round(float(xt.mean()), 3) == 33.791
    assert x.max() == 255 and x.min() == 0
    assert len(list((tmp_path / "mnist").glob("*.npy"))) == 4
    (x2, y2), (xt2, yt2) = load_mnist(data_dir, cache_dir=tmp_path)  # from the .npy cache
    for a, b in ((x, x2), (y, y2), (xt, xt2), (yt, yt2)):
        assert b.dtype == a.dtype and b.flags.writeable
        np.testing.assert_array_equal(a, b)
    (x3, _), _ = load_mnist(data_dir, cache=False)
    np.testing.assert_array_equal(x, x3)


def test_load_mnist_rejects_a_wrong_file_with_the_right_size(data_dir, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for p in (Path(data_dir) / "mnist").iterdir():
        (folder / p.name).symlink_to(p)
    # swap: train labels where the test labels belong has another size -> size check
    os.remove(folder / "t10k-labels-idx1-ubyte.gz")
    size = (Path(data_dir) / "mnist" / "t10k-labels-idx1-ubyte.gz").stat().st_size
    # a valid IDX of the right byte size but the wrong shape (uncompressed, 1-D int8)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        _idx_bytes(0x09, (size - 8,), b"\x01" * (size - 8)))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz is not the registered "
                                         r"original \(bad sha256"):
        load_mnist(tmp_path, cache=False, download=False)
    # with checksum=False the file is read, and its shape is what gives it away
    with pytest.raises(ValueError, match=r"expected .*t10k-labels.* to hold \(10000,\) uint8 "
                                         r"labels 0..9, got \(4534,\) int8"):
        load_mnist(tmp_path, cache=False, download=False, checksum=False)


def test_load_fashion_mnist_downloads_checks_and_decodes(tmp_path, monkeypatch):
    """The whole Fashion-MNIST path (download, sha256, decode, shapes, cache) on stand-in files.

    The real files are not on this machine, so four IDX files of the real shapes are built
    (image i is filled with i % 251, label i % 10) and registered with their own sizes and
    sha256 in place of the published ones; they are served from a file:// mirror.
    """
    from dataclasses import replace

    from nnmath.datasets import FASHION_MNIST_CLASSES, registry

    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for split, n in (("train", 60000), ("t10k", 10000)):
        i = np.arange(n)
        images = np.broadcast_to((i % 251).astype(np.uint8)[:, None, None], (n, 28, 28))
        write_idx(mirror / f"{split}-images-idx3-ubyte.gz", images, compress=True)
        write_idx(mirror / f"{split}-labels-idx1-ubyte.gz", (i % 10).astype(np.uint8),
                  compress=True)
    real = registry.DATASETS["fashion-mnist"]
    files = tuple(replace(f, size=(mirror / f.name).stat().st_size,
                          sha256=registry.sha256sum(mirror / f.name)) for f in real.files)
    monkeypatch.setitem(registry.DATASETS, "fashion-mnist", replace(real, files=files))
    (x, y), (xt, yt) = load_fashion_mnist(tmp_path / "data", base_url=mirror.as_uri(),
                                          cache_dir=tmp_path / "cache", progress=False)
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and yt.shape == (10000,) and y.dtype == np.uint8
    np.testing.assert_array_equal(x[:, 5, 7], np.arange(60000) % 251)
    np.testing.assert_array_equal(yt, np.arange(10000) % 10)
    assert FASHION_MNIST_CLASSES[y[9]] == "Ankle boot" and len(FASHION_MNIST_CLASSES) == 10
    assert sorted(p.name for p in (tmp_path / "data" / "fashion-mnist").iterdir()) == sorted(
        f.name for f in files)
    assert len(list((tmp_path / "cache" / "fashion-mnist").glob("*.npy"))) == 4


def test_load_fashion_mnist_missing_offline(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"(?s)fashion-mnist: 4 file\(s\) missing.*"
                                                "train-images-idx3-ubyte.gz"):
        load_fashion_mnist(tmp_path, download=False)
