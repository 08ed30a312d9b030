"""The course's cat vs non-cat images, and any h5 image set laid out like it.

The course files hold three data sets each: ``train_set_x`` (m, 64, 64, 3) uint8,
``train_set_y`` (m,) int64 and ``list_classes`` (2,) bytes ``[b"non-cat", b"cat"]`` (the test
file uses the prefix ``test_``). h5py is imported only when a file is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .registry import dataset_files

__all__ = ["CAT_CLASSES", "load_cat_vs_noncat", "load_h5_images"]

CAT_CLASSES = ["non-cat", "cat"]
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _import_h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError(
            'load_h5_images: h5py is needed to read .h5 files; pip install "nnmath[data]"'
        ) from None
    return h5py


def _find_key(keys: list[str], suffix: str, where: str, what: str) -> str:
    found = [k for k in keys if k.endswith(suffix)]
    if len(found) != 1:
        problem = "no key" if not found else f"{len(found)} keys ({found})"
        raise KeyError(
            f"{where}: expected exactly one {what} data set named '*{suffix}', found {problem}; "
            f"keys in the file: {keys}; pass {'x_key' if 'x' in suffix else 'y_key'}=..."
        )
    return found[0]


def load_h5_images(
    path: str | os.PathLike[str],
    x_key: str | None = None,
    y_key: str | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Read images, labels and optional class names from an h5 file laid out like the course's.

    Without keys, the only data set ending in ``_set_x`` holds the images, the only one
    ending in ``_set_y`` the labels, and ``list_classes`` (when present) the class names.

    Args:
        path: an HDF5 file.
        x_key: name of the image data set (default: the one matching ``*_set_x``).
        y_key: name of the label data set (default: the one matching ``*_set_y``).

    Returns:
        ``(x, y, classes)``: images as stored, labels flattened to 1-D (``(m, 1)`` and
        ``(1, m)`` are accepted), class names as str or None when the file has none.

    Shape:
        x (m, ...) as stored, e.g. (209, 64, 64, 3) uint8; y (m,).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not an HDF5 file; labels whose count differs from the images'.
        KeyError: a key not in the file (the message lists the keys found).

    Example:
        >>> x, y, classes = load_h5_images("catvnoncat/train_catvnoncat.h5")  # doctest: +SKIP
        >>> x.shape, y.shape, classes
        ((209, 64, 64, 3), (209,), ['non-cat', 'cat'])
    """
    path = Path(path)
    where = f"load_h5_images({path.name})"
    if not path.is_file():
        raise FileNotFoundError(f"{where}: no such file: {path}")
    with open(path, "rb") as f:
        signature = f.read(8)
    if signature != _HDF5_SIGNATURE:
        raise ValueError(
            f"{where}: not an HDF5 file (its first bytes are {signature[:8]!r}, an HDF5 file "
            f"starts with {_HDF5_SIGNATURE!r}); expected a .h5 file like train_catvnoncat.h5"
        )
    h5py = _import_h5py()
    try:
        with h5py.File(path, "r") as h5:
            keys = sorted(k for k in h5.keys() if isinstance(h5[k], h5py.Dataset))
            xk = x_key or _find_key(keys, "_set_x", where, "image")
            yk = y_key or _find_key(keys, "_set_y", where, "label")
            for k in (xk, yk):
                if k not in keys:
                    raise KeyError(f"{where}: no data set {k!r} in the file; keys found: {keys}")
            x = h5[xk][()]
            y = h5[yk][()]
            classes = None
            if "list_classes" in keys:
                classes = [
                    c.decode() if isinstance(c, bytes) else str(c)
                    for c in np.asarray(h5["list_classes"][()]).ravel()
                ]
    except OSError as exc:  # a damaged / truncated HDF5 file
        raise ValueError(f"{where}: the HDF5 file cannot be read ({exc}); re-download it") \
            from exc
    y = np.asarray(y)
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if x.ndim == 0 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(
            f"{where}: expected images (m, ...) and labels (m,) with the same m, got "
            f"{xk} {x.shape} and {yk} {y.shape}"
        )
    return x, y, classes


def load_cat_vs_noncat(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    base_url: str | None = None,
    progress: bool = True,
    checksum: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], list[str]]:
    """Load the course's cat vs non-cat images (209 train, 50 test, 64x64 RGB).

    Files: ``<data_dir>/catvnoncat/{train,test}_catvnoncat.h5``, downloaded and
    sha256-checked when missing. The course's ``load_dataset()`` returns labels as (1, m);
    here they are (m,): use ``y.reshape(1, -1)`` for the classic column layout.

    Args:
        data_dir: data directory (default ``$NNMATH_DATA``, else the user cache dir).
        download: download missing files (False: fail with instructions instead).
        base_url: download from this mirror (``<base_url>/<file name>``).
        progress: progress bar while downloading.
        checksum: check the size and sha256 of files already on disk (False: use your own
            copy as it is, e.g. a re-saved one; its shapes are still checked).

    Returns:
        ``(x_train, y_train), (x_test, y_test), classes`` with classes ``["non-cat", "cat"]``.

    Shape:
        x_train (209, 64, 64, 3) uint8, y_train (209,) int64 (72 cats);
        x_test (50, 64, 64, 3) uint8, y_test (50,) int64 (33 cats).

    Raises:
        FileNotFoundError: files missing and not downloadable.
        ValueError: a file with the wrong size or sha256 (``ChecksumError``), a corrupt
            file or unexpected shapes.

    Example:
        >>> (x_train, y_train), (x_test, y_test), classes = load_cat_vs_noncat()  # doctest: +SKIP
        >>> x_train.shape, int(y_train.sum()), classes
        ((209, 64, 64, 3), 72, ['non-cat', 'cat'])
    """
    paths = dataset_files("catvnoncat", data_dir, download=download, base_url=base_url,
                          progress=progress, checksum=checksum)
    out = []
    classes = list(CAT_CLASSES)
    for split in ("train", "test"):
        path = paths[f"{split}_catvnoncat.h5"]
        x, y, found = load_h5_images(path, f"{split}_set_x", f"{split}_set_y")
        if x.shape[1:] != (64, 64, 3) or x.dtype != np.uint8:
            raise ValueError(
                f"load_cat_vs_noncat: expected {path} to hold (m, 64, 64, 3) uint8 images, got "
                f"{x.shape} {x.dtype}"
            )
        if found is not None and found != CAT_CLASSES:
            raise ValueError(
                f"load_cat_vs_noncat: expected classes {CAT_CLASSES} in {path}, got {found}"
            )
        out.append((x, y.astype(np.int64, copy=False)))
    return out[0], out[1], classes
