"""``Sequential.summary``: the Keras-style table of layers, output shapes and parameters."""

from __future__ import annotations

from typing import Any

__all__ = ["summary_text"]

_WIDTHS = (34, 28, 12)


def summary_text(model: Any) -> str:
    """The table for a built model: one row per layer ``name (Type) | output shape | params``,
    then the totals. Parameters: Dense ``D_in*D_out + D_out``; Conv2D ``KH*KW*C_in*C_out +
    C_out``; layers without weights 0.

    Example:
        >>> print(summary_text(model))      # doctest: +SKIP
        Model: "sequential"
        Layer (type)                      Output Shape                Param #
        ...
    """
    rows = [("Layer (type)", "Output Shape", "Param #")]
    shape = model.input_shape
    for layer in model.layers:
        shape = layer.compute_output_shape(shape)
        name = f"{layer.name} ({type(layer).__name__})"
        rows.append((name, str(tuple(shape)), f"{layer.count_params():,}"))
    line = "=" * sum(_WIDTHS)
    table = ["".join(c.ljust(w) for c, w in zip(r, _WIDTHS, strict=True)) for r in rows]
    total = model.count_params()
    return "\n".join(
        [
            f'Model: "{model.name}"',
            table[0],
            line,
            *table[1:],
            line,
            f"Total params: {total:,}",
            f"Trainable params: {total:,}",
            "Non-trainable params: 0",
        ]
    )
