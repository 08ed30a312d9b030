"""One ONNX converter per engine layer class, and the graph builder they write into.

A converter ``convert(g, layer, x, shape) -> name`` appends the nodes computing ``layer`` on
the tensor named ``x`` (whose shape is ``shape``, batch axis ``None``) and returns the name of
the result. ``CONVERTERS`` maps layer CLASS NAMES to converters, so a new layer type adds one
function and one entry; :func:`converter_for` looks a layer up, and only for nnmath's own class
of that name (a user's class named ``Dense`` or ``Flatten`` may compute anything). Converters
read layers only through their public side: ``get_config()``, ``weight_names`` / ``weights``.

Layout: nnmath images are channels-last ``(N, H, W, C)``; ONNX's Conv and pooling ops take
channels-first ``(N, C, H, W)``. Every conv/pool converter therefore wraps its op in
``Transpose(NHWC -> NCHW)`` ... ``Transpose(NCHW -> NHWC)``, so that between layers the
tensors stay in nnmath's layout and ``Flatten`` after a convolution flattens in nnmath's
``(H, W, C)`` order. (ONNX Runtime's optimizer cancels the back-to-back transposes.)
Conv kernels go from nnmath's ``(KH, KW, C_in, C_out)`` to ONNX's ``(C_out, C_in, KH, KW)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["ACTIVATION_OPS", "CONVERTERS", "ExportError", "GraphBuilder", "converter_for"]

Shape = tuple[int | None, ...]
Converter = Callable[["GraphBuilder", Any, str, Shape], str]

NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]

# nnmath activation name -> (ONNX op type, attributes); "linear" adds no node.
ACTIVATION_OPS: dict[str, tuple[str, dict[str, Any]] | None] = {
    "linear": None,
    "relu": ("Relu", {}),
    "sigmoid": ("Sigmoid", {}),
    "tanh": ("Tanh", {}),
    "softmax": ("Softmax", {"axis": -1}),
}


class ExportError(ValueError):
    """A model or layer that cannot be written as ONNX (the message names it)."""


class GraphBuilder:
    """Collects ONNX nodes and initializers (float32 weights) under unique names."""

    def __init__(self) -> None:
        import onnx  # noqa: F401  (fail here, early, when onnx is missing)

        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()

    def name(self, base: str) -> str:
        """A tensor/node name not used yet, derived from ``base``."""
        name, k = base, 0
        while name in self._used:
            k += 1
            name = f"{base}_{k}"
        self._used.add(name)
        return name

    def constant(self, base: str, value: np.ndarray) -> str:
        """Store ``value`` as an initializer (float arrays as float32); its name."""
        from onnx import numpy_helper

        arr = np.asarray(value)
        if arr.dtype.kind == "f":
            arr = arr.astype(np.float32)
        name = self.name(base)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op_type: str, inputs: list[str], base: str, **attrs: Any) -> str:
        """Append one node ``op_type(inputs)`` with ``attrs``; the name of its output."""
        from onnx import helper

        out = self.name(base)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def activation(self, name: str | None, x: str, base: str, where: str) -> str:
        """Apply the nnmath activation ``name`` (None: linear) to ``x``."""
        key = "linear" if name is None else str(name).lower()
        if key not in ACTIVATION_OPS:
            raise ExportError(
                f"{where}: activation {name!r} has no ONNX export; exportable activations: "
                f"{sorted(ACTIVATION_OPS)}"
            )
        spec = ACTIVATION_OPS[key]
        if spec is None:
            return x
        op_type, attrs = spec
        return self.op(op_type, [x], f"{base}/{key}", **attrs)


# ----------------------------------------------------------------------------- helpers
def _where(layer: Any) -> str:
    return f"layer {layer.name!r} ({type(layer).__name__})"


def _weights(layer: Any) -> dict[str, np.ndarray]:
    return {n: np.asarray(w.data) for n, w in zip(layer.weight_names, layer.weights, strict=True)}


def _pair(value: Any) -> tuple[int, int]:
    return (int(value), int(value)) if np.isscalar(value) else (int(value[0]), int(value[1]))


def _pads(padding: Any, hw: tuple[int, int], k: tuple[int, int], s: tuple[int, int],
          where: str) -> list[int]:
    """ONNX ``pads`` ``[top, left, bottom, right]`` for nnmath's padding spec, resolved by
    :func:`nnmath.geometry.resolve_padding` (the one owner of Keras's "same" rule), which
    returns ``(top, bottom, left, right)``."""
    from ..geometry import resolve_padding

    try:
        top, bottom, left, right = resolve_padding(padding, hw, k, s, where)
    except ValueError as exc:
        raise ExportError(str(exc)) from None
    return [top, left, bottom, right]


def _image_hw(shape: Shape, where: str) -> tuple[int, int]:
    if len(shape) != 4 or shape[1] is None or shape[2] is None:
        raise ExportError(f"{where}: expected a known (N, H, W, C) input shape, got {shape}")
    return int(shape[1]), int(shape[2])


# ----------------------------------------------------------------------------- converters
def dense(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
    """``y = act(x @ W + b)``: Gemm (or MatMul without a bias), then the activation."""
    w, cfg = _weights(layer), layer.get_config()
    kernel = g.constant(f"{layer.name}/kernel", w["kernel"])  # (D_in, D_out)
    if "bias" in w:
        y = g.op("Gemm", [x, kernel, g.constant(f"{layer.name}/bias", w["bias"])],
                 f"{layer.name}/gemm")
    else:
        y = g.op("MatMul", [x, kernel], f"{layer.name}/matmul")
    return g.activation(cfg.get("activation"), y, layer.name, _where(layer))


def conv2d(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
    """Conv on NCHW between two transposes; kernel ``(KH, KW, C_in, C_out) -> (C_out, C_in,
    KH, KW)``; explicit pads (the input's H and W are fixed)."""
    w, cfg, where = _weights(layer), layer.get_config(), _where(layer)
    k, s = _pair(cfg["kernel_size"]), _pair(cfg.get("strides", 1))
    dilation = _pair(cfg.get("dilation_rate", 1))
    if dilation != (1, 1):
        raise ExportError(f"{where}: dilation_rate {dilation} has no ONNX export here")
    pads = _pads(cfg.get("padding", "valid"), _image_hw(shape, where), k, s, where)
    kernel = g.constant(f"{layer.name}/kernel", w["kernel"].transpose(3, 2, 0, 1))
    inputs = [g.op("Transpose", [x], f"{layer.name}/to_nchw", perm=NHWC_TO_NCHW), kernel]
    if "bias" in w:
        inputs.append(g.constant(f"{layer.name}/bias", w["bias"]))
    y = g.op("Conv", inputs, f"{layer.name}/conv", kernel_shape=list(k), strides=list(s),
             pads=pads, dilations=[1, 1])
    y = g.op("Transpose", [y], f"{layer.name}/to_nhwc", perm=NCHW_TO_NHWC)
    return g.activation(cfg.get("activation"), y, layer.name, where)  # softmax: over C (last)


def _pool(op_type: str) -> Callable[[GraphBuilder, Any, str, Shape], str]:
    def convert(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
        cfg, where = layer.get_config(), _where(layer)
        k = _pair(cfg.get("pool_size", 2))
        s = _pair(cfg.get("strides") or k)
        pads = _pads(cfg.get("padding", "valid"), _image_hw(shape, where), k, s, where)
        extra = {"count_include_pad": 0} if op_type == "AveragePool" else {}
        t = g.op("Transpose", [x], f"{layer.name}/to_nchw", perm=NHWC_TO_NCHW)
        y = g.op(op_type, [t], f"{layer.name}/pool", kernel_shape=list(k), strides=list(s),
                 pads=pads, **extra)
        return g.op("Transpose", [y], f"{layer.name}/to_nhwc", perm=NCHW_TO_NHWC)

    convert.__doc__ = f"{op_type} on NCHW between two transposes (padding excluded from means)."
    return convert


def flatten(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
    """ONNX Flatten(axis=1): row-major, so an NHWC tensor flattens in nnmath's (H, W, C) order."""
    return g.op("Flatten", [x], f"{layer.name}/flatten", axis=1)


def identity(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
    """Input (declares the shape) and Dropout (the identity at inference): no node."""
    return x


def activation(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
    """``y = f(x)`` for an Activation layer's named function."""
    return g.activation(layer.get_config().get("activation"), x, layer.name, _where(layer))


def _fixed(name: str) -> Callable[[GraphBuilder, Any, str, Shape], str]:
    def convert(g: GraphBuilder, layer: Any, x: str, shape: Shape) -> str:
        return g.activation(name, x, layer.name, _where(layer))

    convert.__doc__ = f"The {name} activation layer."
    return convert


CONVERTERS: dict[str, Converter] = {
    "Input": identity,
    "Dense": dense,
    "Flatten": flatten,
    "Dropout": identity,
    "Activation": activation,
    "ReLU": _fixed("relu"),
    "Sigmoid": _fixed("sigmoid"),
    "Tanh": _fixed("tanh"),
    "Softmax": _fixed("softmax"),
    "Conv2D": conv2d,
    "MaxPool2D": _pool("MaxPool"),
    "AvgPool2D": _pool("AveragePool"),
}


def converter_for(layer: Any) -> Converter | None:
    """The converter for ``layer``, or None when its class is not nnmath's own class of that
    name (``layers.LAYERS`` keeps the first class of each name: nnmath's)."""
    from ..layers import LAYERS

    cls = type(layer)
    return CONVERTERS.get(cls.__name__) if LAYERS.get(cls.__name__) is cls else None
