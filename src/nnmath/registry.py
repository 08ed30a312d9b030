"""String identifiers ("adam", "mse", "glorot_uniform", ...) resolved through registries: the
dicts that layers, optimizers and losses fill in as their classes are defined, and the
explicit tables of init and metrics."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["resolve"]

T = TypeVar("T")


def resolve(where: str, kind: str, identifier: Any, table: dict[str, T], hint: str = "") -> T:
    """``table[identifier.lower()]`` for a string ``identifier``.

    Raises:
        ValueError: unknown name or not a string: ``"<where>: unknown <kind> <identifier>;
            expected one of [<the names>]<hint>"``.

    Example:
        >>> resolve("losses.get", "loss", "MSE", {"mse": 1})
        1
    """
    value = table.get(identifier.lower()) if isinstance(identifier, str) else None
    if value is None:
        raise ValueError(
            f"{where}: unknown {kind} {identifier!r}; expected one of {sorted(table)}{hint}"
        )
    return value
