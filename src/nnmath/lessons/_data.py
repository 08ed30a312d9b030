"""Data shared between lessons in one run (loaded once, cached in the context).

The loading and scaling live in :mod:`nnmath.datasets.prepared` (shared with the recipes and
``nnmath evaluate``); this module only caches them per run.
"""

from __future__ import annotations

from typing import Any


def cat_data(ctx: Any) -> dict[str, Any]:
    """Cat vs non-cat in the course layout: X (12288, m) / 255 float64, Y (1, m), raw images."""
    if "cat" not in ctx.cache:
        from nnmath.datasets import load_prepared

        d = load_prepared("catvnoncat")
        (train_x, train_y), (test_x, test_y) = d.columns("train"), d.columns("test")
        ctx.cache["cat"] = {"train_x": train_x, "test_x": test_x, "train_y": train_y,
                            "test_y": test_y, "train_images": d.x_train,
                            "test_images": d.x_test, "classes": d.class_names}
    return ctx.cache["cat"]


def mnist_data(ctx: Any) -> dict[str, Any]:
    """MNIST as float32 in [0, 1]: images (N, 28, 28, 1) and labels (N,) int."""
    if "mnist" not in ctx.cache:
        from nnmath.datasets import load_prepared

        d = load_prepared("mnist")
        (train_x, train_y), (test_x, test_y) = d.samples("train"), d.samples("test")
        ctx.cache["mnist"] = {"train_x": train_x, "train_y": train_y,
                              "test_x": test_x, "test_y": test_y}
    return ctx.cache["mnist"]
