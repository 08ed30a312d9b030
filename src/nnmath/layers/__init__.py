"""Layers: the ``Layer`` base and one module per family (core, conv, pooling).

Keras's vocabulary and layouts: Dense kernel ``(D_in, D_out)`` with ``y = x @ W + b``;
Conv2D kernel ``(KH, KW, C_in, C_out)`` on NHWC images. ``LAYERS`` maps class names to
classes for model files; every ``Layer`` subclass registers itself when it is defined, so a
new layer is its class (in a module imported here) and nothing else.
"""

from __future__ import annotations

from typing import Any

from .base import LAYERS, Layer
from .conv import Conv2D
from .core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Input,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .pooling import AvgPool2D, MaxPool2D

__all__ = [
    "LAYERS",
    "Activation",
    "AvgPool2D",
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "Layer",
    "MaxPool2D",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "deserialize",
    "serialize",
]


def serialize(layer: Layer) -> dict[str, Any]:
    """``{"class_name": ..., "config": {...}}`` for a model file."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(spec: dict[str, Any]) -> Layer:
    """The layer described by :func:`serialize`'s output.

    Raises:
        ValueError: unknown class name or bad config.
    """
    name = spec.get("class_name") if isinstance(spec, dict) else None
    cls = LAYERS.get(name)  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(
            f"layers.deserialize: unknown layer {name!r}; expected one of {sorted(LAYERS)}"
        )
    try:
        return cls.from_config(dict(spec.get("config", {})))
    except TypeError as exc:
        raise ValueError(f"layers.deserialize: bad config for {name}: {exc}") from None
