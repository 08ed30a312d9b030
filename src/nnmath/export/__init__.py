"""Export trained models to other runtimes.

``export_onnx(model, path)`` writes an ONNX file (opset 17, IR version 8, float32, dynamic
batch axis) that ONNX Runtime, onnxruntime-web, and the C++/mobile runtimes can run. It handles
engine ``Sequential`` models and the classic recipe models (logistic, shallow, deep).
See :mod:`nnmath.export.onnx_model` for the layout and the metadata written.

The ``onnx`` package is imported only when a model is exported.
"""

from __future__ import annotations

from .onnx_model import ExportError, export_onnx

__all__ = ["ExportError", "export_onnx"]
