"""Primitive ops: one class per op, ``forward`` directly above ``backward``.

Each module holds one family (elementwise, reduce, shape, matmul, conv, pool). Ops are pure
NumPy: arrays in, arrays out; they never modify their inputs and never touch ``.grad``.
Inside ``backward``, ``g`` is the upstream gradient ``dL/dy``.
"""
