"""Data shared between lessons in one run (loaded once, cached in the context)."""

from __future__ import annotations

from typing import Any

import numpy as np


def cat_data(ctx: Any) -> dict[str, Any]:
    """Cat vs non-cat in the course layout: X (12288, m) / 255 float64, Y (1, m), raw images."""
    if "cat" not in ctx.cache:
        from nnmath.datasets import load_cat_vs_noncat
        from nnmath.recipes import cat_columns

        (xtr, ytr), (xte, yte), classes = load_cat_vs_noncat()
        (train_x, train_y), (test_x, test_y) = cat_columns(xtr, ytr), cat_columns(xte, yte)
        ctx.cache["cat"] = {"train_x": train_x, "test_x": test_x, "train_y": train_y,
                            "test_y": test_y, "train_images": xtr, "test_images": xte,
                            "classes": classes}
    return ctx.cache["cat"]


def mnist_data(ctx: Any) -> dict[str, Any]:
    """MNIST as float32 in [0, 1]: images (N, 28, 28, 1) and labels (N,) int."""
    if "mnist" not in ctx.cache:
        from nnmath.datasets import load_mnist
        from nnmath.recipes import digit_images

        (xtr, ytr), (xte, yte) = load_mnist()
        ctx.cache["mnist"] = {"train_x": digit_images(xtr), "train_y": ytr.astype(np.int64),
                              "test_x": digit_images(xte), "test_y": yte.astype(np.int64)}
    return ctx.cache["mnist"]
