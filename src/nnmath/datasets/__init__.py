"""Data sets: real files (downloaded and checksummed), generators, and batching utilities.

Names are loaded on first use (PEP 562) so that ``import nnmath.datasets`` is instant and
h5py / Pillow / scikit-learn are imported only by the loaders that need them.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> submodule of nnmath.datasets that defines it
_NAMES = {
    # files on disk, download and checksums
    "data_dir": "registry",
    "list_datasets": "registry",
    "fetch": "registry",
    "verify": "registry",
    "get_dataset": "registry",
    "download_file": "download",
    "ChecksumError": "download",
    "DownloadError": "download",
    # real data sets
    "load_mnist": "mnist",
    "load_fashion_mnist": "mnist",
    "read_idx": "mnist",
    "write_idx": "mnist",
    "FASHION_MNIST_CLASSES": "mnist",
    "CAT_CLASSES": "catvnoncat",
    "load_cat_vs_noncat": "catvnoncat",
    "load_h5_images": "catvnoncat",
    "load_image_folder": "folder",
    "load_diabetes": "sklearn_sets",
    "load_digits": "sklearn_sets",
    # generated teaching data sets
    "make_planar_flower": "generators",
    "make_moons": "generators",
    "make_circles": "generators",
    "make_blobs": "generators",
    "make_regression": "generators",
    # data sets as recipes, lessons and `nnmath evaluate` use them
    "Prepared": "prepared",
    "load_prepared": "prepared",
    "prepared_names": "prepared",
    "cat_columns": "prepared",
    "digit_images": "prepared",
    # utilities
    "train_test_split": "utils",
    "one_hot": "utils",
    "minibatches": "utils",
    "standardize": "utils",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'nnmath.datasets' has no attribute {name!r}")
    return getattr(importlib.import_module(f"nnmath.datasets.{module}"), name)


def __dir__() -> list[str]:
    return __all__
