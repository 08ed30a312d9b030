"""Model files (``nnmath.saving``): the same functions as ``nnmath.models.saving``.

One safetensors file per model: weights (+ optimizer state) and the architecture, compile
config and preprocessing as JSON metadata; never pickle.
"""

from __future__ import annotations

from .models.saving import FORMAT, load_model, save_model

__all__ = ["FORMAT", "load_model", "save_model"]
