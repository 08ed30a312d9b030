"""Write a trained model as an ONNX file: ``export_onnx(model, path)``.

The file:

* one input ``"input"``, float32, shape ``(batch, *sample_shape)`` with a dynamic batch axis,
  in nnmath's layout: images channels-last ``(batch, H, W, C)``, the values after the recorded
  preprocessing (e.g. pixels / 255). Transposes to ONNX's channels-first ops happen inside the
  graph. Classic (textbook) models, which take columns ``X (n_x, m)`` in nnmath, take one
  sample per ROW here, in their per-sample shape (cat pictures ``(batch, 64, 64, 3)``); the
  graph flattens each sample as ``cat_columns`` does and computes ``A^T``.
* one output ``"output"``, float32: what ``model.predict`` returns (``(batch, K)`` class
  probabilities for softmax models, ``(batch, 1)`` for sigmoid and classic models, i.e. the
  probability of ``class_names[1]``).
* opset 17 and IR version 8 (current ONNX Runtime releases reject the ``onnx`` package's
  newer default IR version).
* ``metadata_props``: ``preprocessing`` (JSON, as recorded in the model file, without the
  classic ``layout``), ``class_names`` (JSON list), ``input_layout``, ``nnmath_kind``.

Running it with ONNX Runtime::

    import onnxruntime as ort
    session = ort.InferenceSession("m.onnx", providers=["CPUExecutionProvider"])
    probs = session.run(None, {"input": x.astype("float32")})[0]

Raises ``ExportError`` (a ``ValueError``) naming the layer or model that cannot be exported.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .onnx_layers import CONVERTERS, ExportError, GraphBuilder, converter_for

__all__ = ["IR_VERSION", "OPSET", "ExportError", "export_onnx"]

OPSET = 17
IR_VERSION = 8
INPUT, OUTPUT = "input", "output"


def export_onnx(
    model: Any,
    path: str | os.PathLike,
    *,
    preprocessing: dict[str, Any] | None = None,
    class_names: list[str] | None = None,
) -> Path:
    """Write ``model`` to ``path`` as ONNX (see the module doc for the file's contract).

    Args:
        model: a built ``Sequential``, a model file path (engine or classic recipe model, as
            ``nnmath.predict.load_any`` reads it), or a ``nnmath.predict.LoadedModel``.
        path: the ``.onnx`` file to write (parent folders are created).
        preprocessing: the input preprocessing to record (default: the model's own).
        class_names: class names to record (default: ``preprocessing["class_names"]``).

    Returns:
        The path written.

    Raises:
        ExportError: an unbuilt model, or a layer/activation/model kind with no ONNX export
            (the message names it and lists what is exportable).
        ImportError: the ``onnx`` package is missing (``pip install 'nnmath[onnx]'``).
        FileNotFoundError, ValueError: a model path that is missing or not an nnmath model.

    Example:
        >>> nnmath.export_onnx(model, "mnist.onnx")          # doctest: +SKIP
        PosixPath('mnist.onnx')
    """
    _require_onnx()
    if isinstance(model, str | os.PathLike):
        from ..predict import load_any

        model = load_any(model)
    kind, model, recorded = _unwrap(model)
    prep = dict(preprocessing if preprocessing is not None else recorded or {})
    if kind in CLASSIC_LAYERS:
        graph_parts = _classic_graph(kind, model, prep)
    elif kind == "sequential":
        graph_parts = _sequential_graph(model)
    else:
        raise ExportError(f"export_onnx: model kind {kind!r} has no ONNX export; exportable: "
                          f"sequential, {', '.join(CLASSIC_LAYERS)}")
    names = class_names if class_names is not None else prep.get("class_names")
    onnx_model = _make_model(*graph_parts, kind=kind, preprocessing=prep, class_names=names)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import onnx

    onnx.save_model(onnx_model, str(path))
    return path


def _require_onnx() -> None:
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ImportError(
            "export_onnx: the onnx package is not installed; pip install 'nnmath[onnx]' "
            "(or pip install onnx)"
        ) from None


def _unwrap(model: Any) -> tuple[str, Any, dict[str, Any] | None]:
    """``(kind, Sequential or classic parameter dict, recorded preprocessing)`` for a
    Sequential, a classic model (``kind`` and ``params``) or a loaded model file (``kind``,
    ``preprocessing`` and the model in ``model`` or its parameters in ``params``)."""
    kind = getattr(model, "kind", None)
    prep = getattr(model, "preprocessing", None)
    if kind is None:
        return "sequential", model, prep
    inner = getattr(model, "model", None)
    if kind == "sequential":
        return kind, inner, prep or getattr(inner, "preprocessing", None)
    params = getattr(model, "params", None)
    return kind, params if params is not None else getattr(inner, "params", None), prep


# ----------------------------------------------------------------------------- engine models
def _sequential_graph(model: Any) -> tuple[GraphBuilder, Any, Any, str]:
    """Nodes for every layer of a built Sequential, in order."""
    if not hasattr(model, "layers") or not hasattr(model, "input_shape"):
        raise ExportError(
            f"export_onnx: expected a Sequential, a model file path or a LoadedModel, got "
            f"{type(model).__name__}"
        )
    if not getattr(model, "built", False) or model.input_shape is None:
        raise ExportError(
            f"export_onnx: model {model.name!r} is not built (its input shape is unknown); add "
            "Input(shape) as its first layer, call model.build((None, *sample_shape)) or fit it"
        )
    converters = [converter_for(layer) for layer in model.layers]
    unknown = [_describe(i, lay) for i, (lay, convert) in
               enumerate(zip(model.layers, converters, strict=True)) if convert is None]
    if unknown:
        raise ExportError(
            f"export_onnx: model {model.name!r}: {', '.join(unknown)} cannot be exported to "
            f"ONNX; exportable layers: nnmath's own {', '.join(CONVERTERS)}"
        )
    g = GraphBuilder()
    shape = tuple(model.input_shape)
    x_info = _value_info(INPUT, shape)
    x = INPUT
    g.name(INPUT)
    for layer, convert in zip(model.layers, converters, strict=True):
        x = convert(g, layer, x, shape)  # type: ignore[misc]  (None ruled out above)
        shape = tuple(layer.compute_output_shape(shape))
    return g, x_info, _value_info(OUTPUT, shape), x


def _describe(i: int, layer: Any) -> str:
    """``layer 2 'scale' (Scale from my_module)``: where a class not from nnmath comes from."""
    cls = type(layer)
    origin = "" if cls.__module__.startswith("nnmath.") else f" from {cls.__module__}"
    return f"layer {i} {layer.name!r} ({cls.__name__}{origin})"


# ----------------------------------------------------------------------------- classic models
def _deep_layers(params: dict[str, np.ndarray]) -> list[tuple[str, str, str]]:
    depth = len([k for k in params if k.startswith("W")])
    return [(f"W{i}", f"b{i}", "relu" if i < depth else "sigmoid") for i in range(1, depth + 1)]


# classic model kind -> its layers as (W key, b key, activation), as its forward pass computes
# (``recipes.classic``: LogisticModel, ShallowModel, DeepModel); a new kind adds one entry.
CLASSIC_LAYERS: dict[str, Callable[[dict[str, np.ndarray]], list[tuple[str, str, str]]]] = {
    "classic-logistic": lambda params: [("w", "b", "sigmoid")],
    "classic-shallow": lambda params: [("W1", "b1", "tanh"), ("W2", "b2", "sigmoid")],
    "classic-deep": _deep_layers,
}


def _classic_graph(kind: str, params: dict[str, np.ndarray], prep: dict[str, Any]
                   ) -> tuple[GraphBuilder, Any, Any, str]:
    """Row-per-sample form of the course's ``A[l] = g(W[l] A[l-1] + b[l])``:
    ``A[l]^T = g(A[l-1]^T W[l]^T + b[l]^T)`` (Gemm with transB=1; logistic's ``w`` is
    ``(n_x, 1)`` already, so ``z^T = X^T w + b``)."""
    specs = CLASSIC_LAYERS[kind](params or {})
    missing = [k for w, b, _ in specs for k in (w, b) if k not in params]
    if missing:
        raise ExportError(f"export_onnx: {kind} model without parameters {missing}")
    first = np.asarray(params[specs[0][0]])
    n_x = first.shape[0] if kind == "classic-logistic" else first.shape[1]
    sample = [int(s) for s in prep.get("input_shape") or [n_x]]
    if int(np.prod(sample)) != n_x:
        raise ExportError(f"export_onnx: {kind} model: preprocessing input_shape {sample} has "
                          f"{int(np.prod(sample))} values but the first layer takes {n_x}")
    g = GraphBuilder()
    g.name(INPUT)
    a = INPUT if len(sample) == 1 else g.op("Flatten", [INPUT], "flatten", axis=1)
    for i, (wk, bk, act) in enumerate(specs, start=1):
        w = g.constant(wk, params[wk])
        b = g.constant(bk, np.asarray(params[bk]).reshape(-1))
        z = g.op("Gemm", [a, w, b], f"layer{i}/gemm", transB=0 if wk == "w" else 1)
        a = g.activation(act, z, f"layer{i}", f"{kind} layer {i}")
    n_out = int(np.asarray(params[specs[-1][1]]).size)
    return g, _value_info(INPUT, (None, *sample)), _value_info(OUTPUT, (None, n_out)), a


# ----------------------------------------------------------------------------- the file
def _value_info(name: str, shape: tuple[int | None, ...]) -> Any:
    from onnx import TensorProto, helper

    dims = ["batch" if i == 0 or d is None else int(d) for i, d in enumerate(shape)]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def _make_model(g: GraphBuilder, x_info: Any, y_info: Any, last: str, *, kind: str,
                preprocessing: dict[str, Any], class_names: list[str] | None) -> Any:
    import onnx
    from onnx import helper

    import nnmath

    g.nodes.append(helper.make_node("Identity", [last], [OUTPUT], name=OUTPUT))
    graph = helper.make_graph(g.nodes, f"nnmath_{kind}", [x_info], [y_info],
                              initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="nnmath",
                              producer_version=nnmath.__version__)
    dims = [d.dim_param or str(d.dim_value) for d in x_info.type.tensor_type.shape.dim]
    shape = "(" + ", ".join(dims) + ")"
    layout = ("NHWC (batch, height, width, channels)" if len(dims) == 4 else "one sample per row")
    prep = {k: v for k, v in preprocessing.items() if k != "layout"}
    meta = {
        "nnmath_kind": kind,
        "input_layout": f"{layout}: {INPUT!r} {shape} float32, after the preprocessing",
        "preprocessing": json.dumps(prep),
        "class_names": json.dumps(list(class_names) if class_names else []),
    }
    helper.set_model_props(model, meta)
    model.doc_string = (f"nnmath {kind} model; input {INPUT!r} {shape} float32 ({layout}), "
                        f"output {OUTPUT!r}; see metadata 'preprocessing' and 'class_names'")
    onnx.checker.check_model(model, full_check=True)
    return model
