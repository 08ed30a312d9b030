"""Numerical gradient checks (placeholder: completed by the engine work)."""

from __future__ import annotations


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):  # pragma: no cover - replaced
    raise NotImplementedError("gradcheck is being written")
