"""MNIST and Fashion-MNIST from their original IDX files, and a reader for any IDX file.

IDX format (big-endian)::

    bytes 0-1   0x00 0x00
    byte  2     dtype code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
                0x0E float64
    byte  3     number of dimensions d
    then        d sizes, each a big-endian uint32
    then        prod(sizes) values of the dtype, big-endian, C order

Decoding the 47 MB of MNIST training images from gzip takes a few tenths of a second, so
the decoded arrays are cached as ``.npy`` files in the user cache dir (``<cache>/decoded``;
the data dir may be read-only), keyed by the source file's path, size and mtime, and loaded
with ``allow_pickle=False``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np

from .registry import cache_dir as _default_cache_dir
from .registry import dataset_files

__all__ = [
    "FASHION_MNIST_CLASSES",
    "IDX_DTYPES",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
    "write_idx",
]

# IDX dtype code -> big-endian NumPy dtype
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]

_GZIP_MAGIC = b"\x1f\x8b"
_DEFLATE_MAX_RATIO = 1032  # the largest expansion factor of a deflate stream


def _read_exact(f, buf: memoryview) -> int:
    """Fill ``buf`` from ``f``; return the number of bytes read (< len(buf) at end of file)."""
    n = 0
    while n < len(buf):
        k = f.readinto(buf[n:])
        if not k:
            break
        n += k
    return n


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an IDX file (gzipped or not) into a NumPy array of its own shape and dtype.

    The payload is decompressed straight into the result array (no intermediate copy);
    multi-byte values are converted in place to the machine's byte order.

    Args:
        path: an IDX file, optionally gzip-compressed (detected from its first bytes).

    Returns:
        Array of shape ``(d_1, ..., d_n)`` and dtype uint8, int8, int16, int32, float32 or
        float64, as the header says; writable, native byte order.

    Raises:
        FileNotFoundError: no such file.
        ValueError: corrupt gzip, wrong magic number, unknown dtype code, truncated header or
            data, or a payload longer than the header's dimensions.

    Example:
        >>> x = read_idx("mnist/t10k-images-idx3-ubyte.gz")     # doctest: +SKIP
        >>> x.shape, x.dtype
        ((10000, 28, 28), dtype('uint8'))
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_idx: no such file: {path}")
    with open(path, "rb") as raw:
        gz = raw.read(2) == _GZIP_MAGIC
    where = f"read_idx({path.name})"
    try:
        with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
            head = f.read(4)
            if len(head) < 4:
                raise ValueError(f"{where}: truncated header: got {len(head)} of 4 bytes")
            if head[:2] != b"\0\0" or head[2] not in IDX_DTYPES or head[3] == 0:
                raise ValueError(
                    f"{where}: wrong magic number 0x{head.hex().upper()}: expected "
                    "0x0000TTDD with dtype code TT in {08,09,0B,0C,0D,0E} and DD >= 1 "
                    "dimensions; this is not an IDX file"
                )
            dtype, ndim = IDX_DTYPES[head[2]], head[3]
            dims_raw = f.read(4 * ndim)
            if len(dims_raw) < 4 * ndim:
                raise ValueError(
                    f"{where}: truncated header: {ndim} dimension sizes need {4 * ndim} bytes, "
                    f"got {len(dims_raw)}"
                )
            shape = struct.unpack(f">{ndim}I", dims_raw)
            count = int(np.prod(shape, dtype=np.int64))
            # never allocate more than the file can hold (deflate expands at most ~1032x)
            limit = path.stat().st_size * (_DEFLATE_MAX_RATIO if gz else 1)
            if count * dtype.itemsize > limit:
                raise ValueError(
                    f"{where}: truncated data: dims {shape} of {dtype.name} need "
                    f"{count * dtype.itemsize} bytes, more than the {path.stat().st_size}-byte "
                    "file can hold"
                )
            out = np.empty(count, dtype=dtype)
            got = _read_exact(f, memoryview(out).cast("B"))
            if got < out.nbytes:
                raise ValueError(
                    f"{where}: truncated data: dims {shape} of {dtype.name} need {out.nbytes} "
                    f"bytes, the file holds {got}"
                )
            extra = f.read(1)
            if extra:
                raise ValueError(
                    f"{where}: dims {shape} do not match the payload: the file has more than "
                    f"the {out.nbytes} data bytes those dims need"
                )
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(f"{where}: corrupt gzip data ({exc}); re-download the file") from exc
    if out.dtype.byteorder == ">":  # little-endian machine: swap bytes in place
        out = out.byteswap(inplace=True).view(out.dtype.newbyteorder("="))
    return out.reshape(shape)


def write_idx(path: str | os.PathLike[str], array: np.ndarray, *, compress: bool = False) -> Path:
    """Write an array as an IDX file (gzipped when ``compress``), the inverse of :func:`read_idx`.

    Args:
        path: destination file.
        array: array of dtype uint8, int8, int16, int32, float32 or float64, >= 1 dimension.
        compress: gzip the file.

    Returns:
        ``path`` as a Path.

    Raises:
        ValueError: a dtype IDX cannot store, or a 0-d array.

    Example:
        >>> write_idx("/tmp/a.idx", np.arange(6, dtype=np.int16).reshape(2, 3))  # doctest: +SKIP
    """
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0 or array.ndim > 255:
        raise ValueError(
            f"write_idx: expected a 1-255 dimensional array of dtype uint8, int8, int16, int32, "
            f"float32 or float64, got shape {array.shape} dtype {array.dtype}"
        )
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    path = Path(path)
    with (gzip.open(path, "wb") if compress else open(path, "wb")) as f:
        f.write(header)
        f.write(payload)
    return path


# --------------------------------------------------------------------------- decoded cache
def _cache_file(src: Path, folder: Path) -> Path:
    st = src.stat()
    key = hashlib.sha1(
        f"{src.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode(), usedforsecurity=False
    ).hexdigest()[:16]
    return folder / f"{src.name}-{key}.npy"


def _read_idx_cached(src: Path, folder: Path | None) -> np.ndarray:
    """``read_idx(src)``, through a .npy cache in ``folder`` (None: no cache)."""
    if folder is None:
        return read_idx(src)
    target = _cache_file(src, folder)
    if target.is_file():
        try:
            return np.load(target, allow_pickle=False)
        except (OSError, ValueError):
            pass  # damaged cache file: decode again and overwrite it
    arr = read_idx(src)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, arr, allow_pickle=False)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        for old in folder.glob(f"{src.name}-*.npy"):  # caches of older versions of the file
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # read-only or full cache dir: the cache is an optimization only
    return arr


def _load_idx_set(
    name: str,
    data_dir: str | os.PathLike[str] | None,
    download: bool,
    base_url: str | None,
    cache: bool,
    cache_dir: str | os.PathLike[str] | None,
    progress: bool,
    checksum: bool,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    paths = dataset_files(name, data_dir, download=download, base_url=base_url,
                          progress=progress, checksum=checksum)
    folder = None
    if cache:
        folder = (Path(cache_dir) if cache_dir is not None else _default_cache_dir()) / name
    out = []
    for split, n in (("train", 60000), ("t10k", 10000)):
        images_path = paths[f"{split}-images-idx3-ubyte.gz"]
        labels_path = paths[f"{split}-labels-idx1-ubyte.gz"]
        x = _read_idx_cached(images_path, folder)
        y = _read_idx_cached(labels_path, folder)
        if x.shape != (n, 28, 28) or x.dtype != np.uint8:
            raise ValueError(
                f"load_{name.replace('-', '_')}: expected {images_path} to hold ({n}, 28, 28) "
                f"uint8 images, got {x.shape} {x.dtype}; the file is not the original"
            )
        if y.shape != (n,) or y.dtype != np.uint8 or (y.size and y.max() > 9):
            raise ValueError(
                f"load_{name.replace('-', '_')}: expected {labels_path} to hold ({n},) uint8 "
                f"labels 0..9, got {y.shape} {y.dtype}; the file is not the original"
            )
        out.append((x, y))
    return out[0], out[1]


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    base_url: str | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    checksum: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load MNIST (LeCun et al.) from the four original IDX .gz files.

    Files: ``<data_dir>/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``, downloaded
    and sha256-checked when missing (see :mod:`nnmath.datasets.registry`).

    Args:
        data_dir: data directory (default ``$NNMATH_DATA``, else the user cache dir).
        download: download missing files (False: fail with instructions instead).
        base_url: download from this mirror (``<base_url>/<file name>``).
        cache: keep the decoded arrays as .npy in the cache dir (repeated loads ~0.1 s).
        cache_dir: where to cache (default ``<user cache dir>/decoded``).
        progress: progress bar while downloading.
        checksum: check the size and sha256 of files already on disk (False: use your own
            copy as it is; its shapes are still checked).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Shape:
        x_train (60000, 28, 28) uint8 0..255, y_train (60000,) uint8 0..9;
        x_test (10000, 28, 28), y_test (10000,).

    Raises:
        FileNotFoundError: files missing and not downloadable.
        ValueError: a file with the wrong size or sha256 (``ChecksumError``), corrupt data or
            an unexpected shape.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_mnist()       # doctest: +SKIP
        >>> x_train.shape, np.bincount(y_train)[:3]
        ((60000, 28, 28), array([5923, 6742, 5958]))
    """
    return _load_idx_set("mnist", data_dir, download, base_url, cache, cache_dir, progress,
                         checksum)


def load_fashion_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    base_url: str | None = None,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    checksum: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST (Zalando) from its four IDX .gz files; same layout as MNIST.

    Files: ``<data_dir>/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``.
    Class names: :data:`FASHION_MNIST_CLASSES` (0 "T-shirt/top" ... 9 "Ankle boot").

    Args:
        data_dir, download, base_url, cache, cache_dir, progress, checksum: as in
            :func:`load_mnist`.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Shape:
        x_train (60000, 28, 28) uint8, y_train (60000,) uint8; x_test (10000, 28, 28),
        y_test (10000,).

    Raises:
        FileNotFoundError: files missing and not downloadable.
        ValueError: wrong size, corrupt data or unexpected shape.

    Example:
        >>> (x_train, y_train), _ = load_fashion_mnist()                 # doctest: +SKIP
        >>> FASHION_MNIST_CLASSES[y_train[0]]
        'Ankle boot'
    """
    return _load_idx_set("fashion-mnist", data_dir, download, base_url, cache, cache_dir,
                         progress, checksum)
