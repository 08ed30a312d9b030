"""Data shared between lessons in one run (loaded once, cached in the context)."""

from __future__ import annotations

from typing import Any

import numpy as np


def cat_data(ctx: Any) -> dict[str, Any]:
    """Cat vs non-cat in the course layout: X (12288, m) / 255 float64, Y (1, m), raw images."""
    if "cat" not in ctx.cache:
        from nnmath.datasets import load_cat_vs_noncat

        (xtr, ytr), (xte, yte), classes = load_cat_vs_noncat()
        ctx.cache["cat"] = {
            "train_x": xtr.reshape(xtr.shape[0], -1).T / 255.0,
            "test_x": xte.reshape(xte.shape[0], -1).T / 255.0,
            "train_y": ytr.reshape(1, -1).astype(np.float64),
            "test_y": yte.reshape(1, -1).astype(np.float64),
            "train_images": xtr,
            "test_images": xte,
            "classes": classes,
        }
    return ctx.cache["cat"]


def mnist_data(ctx: Any) -> dict[str, Any]:
    """MNIST as float32 in [0, 1]: images (N, 28, 28, 1) and labels (N,) int."""
    if "mnist" not in ctx.cache:
        from nnmath.datasets import load_mnist

        (xtr, ytr), (xte, yte) = load_mnist()
        ctx.cache["mnist"] = {
            "train_x": (xtr.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0),
            "train_y": ytr.astype(np.int64),
            "test_x": (xte.reshape(-1, 28, 28, 1).astype(np.float32) / 255.0),
            "test_y": yte.astype(np.int64),
        }
    return ctx.cache["mnist"]
