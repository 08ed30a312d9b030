"""Search spaces: lists of values (a grid) or distributions, and how they are stored.

A space maps a parameter name to a list of values (``[0.1, 0.01]``: grid search tries every
combination) or to a distribution (random and TPE search draw from it):

* ``loguniform(lo, hi)``: ``log x`` uniform on ``[log lo, log hi]`` (learning rates);
* ``uniform(lo, hi)``: ``x`` uniform on ``[lo, hi]``;
* ``intrange(lo, hi, step=1)``: an integer in ``lo, lo + step, ..., hi``;
* ``choice(values)``: one of the values.

How a grid is stored so that it can GROW: Optuna refuses a changed list of categorical
choices under the same parameter name, so a grid never uses categorical distributions.
A number is stored as a one-point ``FloatDistribution(v, v)`` / ``IntDistribution(v, v)``
(readable in the database); anything else (a string, a bool, None) as the position of the
value in an append-only list kept in the study's user attribute ``values:<name>``. The
trial's real parameters and its ``grid_key`` (canonical JSON of them) are user attributes
too, so a rerun with more values finds what is done by key and runs only the rest.

Example:
    >>> from nnmath import tuning
    >>> space = {"learning_rate": tuning.loguniform(1e-4, 1e-1), "units": [64, 128]}
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Choice",
    "IntRange",
    "LogUniform",
    "Uniform",
    "choice",
    "expand_grid",
    "grid_key",
    "intrange",
    "loguniform",
    "normalize_space",
    "uniform",
]


@dataclass(frozen=True)
class LogUniform:
    """``x = exp(u)``, ``u`` uniform on ``[log low, log high]``; ``0 < low < high``."""

    low: float
    high: float


@dataclass(frozen=True)
class Uniform:
    """``x`` uniform on ``[low, high]``."""

    low: float
    high: float


@dataclass(frozen=True)
class IntRange:
    """An integer among ``low, low + step, ..., high``."""

    low: int
    high: int
    step: int = 1

    def values(self) -> list[int]:
        return list(range(self.low, self.high + 1, self.step))


@dataclass(frozen=True)
class Choice:
    """One of ``values`` (numbers, strings, bools or None)."""

    values: tuple[Any, ...]


def _check_range(kind: str, lo: float, hi: float) -> None:
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"tuning.{kind}: expected finite lo < hi, got lo={lo}, hi={hi}")


def loguniform(lo: float, hi: float) -> LogUniform:
    """A log-uniform distribution on ``[lo, hi]`` (``0 < lo < hi``), e.g. ``loguniform(1e-5, 1)``.

    Raises:
        ValueError: ``lo <= 0`` or ``lo >= hi``.
    """
    lo, hi = float(lo), float(hi)
    _check_range("loguniform", lo, hi)
    if lo <= 0:
        raise ValueError(f"tuning.loguniform: expected lo > 0 (a log scale), got lo={lo}")
    return LogUniform(lo, hi)


def uniform(lo: float, hi: float) -> Uniform:
    """A uniform distribution on ``[lo, hi]``.  Raises ValueError when ``lo >= hi``."""
    lo, hi = float(lo), float(hi)
    _check_range("uniform", lo, hi)
    return Uniform(lo, hi)


def intrange(lo: int, hi: int, step: int = 1) -> IntRange:
    """Integers ``lo, lo + step, ..., hi`` (``hi - lo`` a multiple of ``step``).

    Raises:
        ValueError: ``lo > hi``, ``step < 1``, or ``hi - lo`` not a multiple of ``step``.
    """
    lo, hi, step = int(lo), int(hi), int(step)
    if lo > hi or step < 1 or (hi - lo) % step:
        raise ValueError(f"tuning.intrange: expected lo <= hi, step >= 1 and (hi - lo) a "
                         f"multiple of step, got lo={lo}, hi={hi}, step={step}")
    return IntRange(lo, hi, step)


def choice(values: Any) -> Choice:
    """One of ``values``.  Raises ValueError for an empty list or an unsupported value type."""
    values = tuple(_plain(v, "choice") for v in values)
    if not values:
        raise ValueError("tuning.choice: expected at least one value, got none")
    return Choice(values)


Distribution = LogUniform | Uniform | IntRange | Choice


def _plain(v: Any, where: str) -> Any:
    """``v`` as a plain JSON value (NumPy scalars become Python numbers)."""
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise ValueError(f"tuning.{where}: expected numbers, strings, bools or None as values, got "
                     f"{v!r} ({type(v).__name__})")


def normalize_space(space: dict[str, Any], search: str) -> dict[str, Any]:
    """Check ``space`` and give every entry one form: a list (grid) or a distribution.

    For ``search="grid"`` every entry becomes a list (``choice`` and ``intrange`` expand);
    for random/TPE a list becomes a ``Choice``.

    Raises:
        ValueError: an empty space or list, a continuous distribution in a grid, bad values.
    """
    if not isinstance(space, dict) or not space:
        raise ValueError("sweep: expected a space such as {'learning_rate': [0.1, 0.01]}, got "
                         f"{space!r}")
    out: dict[str, Any] = {}
    for name, entry in space.items():
        if isinstance(entry, (list, tuple)):
            if not entry:
                raise ValueError(f"sweep: parameter {name!r} has an empty list of values")
            values = [_plain(v, "sweep") for v in entry]
            out[name] = values if search == "grid" else Choice(tuple(values))
        elif isinstance(entry, (Choice, IntRange)):
            grid = list(entry.values) if isinstance(entry, Choice) else entry.values()
            out[name] = grid if search == "grid" else entry
        elif isinstance(entry, (LogUniform, Uniform)):
            if search == "grid":
                raise ValueError(
                    f"sweep: parameter {name!r} is a continuous distribution ({entry}); a grid "
                    "needs a list of values: give a list, or use search='random' or 'tpe'")
            out[name] = entry
        else:
            out[name] = [_plain(entry, "sweep")] if search == "grid" else Choice((entry,))
    return out


def expand_grid(space: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the lists, in order (the last parameter varies fastest)."""
    names = list(space)
    return [dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(space[n] for n in names))]


def grid_key(params: dict[str, Any]) -> str:
    """The canonical JSON of ``params`` (sorted keys): the identity of a grid point."""
    return json.dumps({k: _plain(v, "sweep") for k, v in params.items()}, sort_keys=True)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def optuna_distribution(dist: Distribution) -> Any:
    """The Optuna distribution a random/TPE search samples ``dist`` from."""
    from optuna import distributions as od

    if isinstance(dist, LogUniform):
        return od.FloatDistribution(dist.low, dist.high, log=True)
    if isinstance(dist, Uniform):
        return od.FloatDistribution(dist.low, dist.high)
    if isinstance(dist, IntRange):
        return od.IntDistribution(dist.low, dist.high, step=dist.step)
    return od.CategoricalDistribution(list(dist.values))


def describe(entry: Any) -> Any:
    """A JSON description of a space entry (stored with the study)."""
    if isinstance(entry, list):
        return entry
    if isinstance(entry, Choice):
        return {"choice": list(entry.values)}
    kind = type(entry).__name__.lower()
    return {kind: [entry.low, entry.high] + ([entry.step] if isinstance(entry, IntRange) else [])}


def parse_values(name: str, texts: list[str], search: str) -> Any:
    """Command-line values of one parameter: a list (``0.1 0.01``) or, for random/TPE, a
    range ``LO:HI`` (log-uniform for rates, integers when both ends are integers).

    Raises:
        ValueError: a range in a grid search, or a malformed range.
    """
    def one(text: str) -> Any:
        for cast in (int, float):
            try:
                return cast(text)
            except ValueError:
                pass
        return {"true": True, "false": False, "none": None}.get(text.lower(), text)

    if len(texts) == 1 and ":" in texts[0] and "://" not in texts[0]:
        if search == "grid":
            raise ValueError(f"--{name.replace('_', '-')} {texts[0]}: a range needs --search "
                             "random or tpe; a grid takes a list of values")
        lo, _, hi = texts[0].partition(":")
        a, b = one(lo), one(hi)
        if not (is_number(a) and is_number(b)):
            raise ValueError(f"--{name.replace('_', '-')}: expected a range LO:HI of numbers, "
                             f"got {texts[0]!r}")
        if isinstance(a, int) and isinstance(b, int):
            return intrange(a, b)
        return loguniform(a, b) if "learning_rate" in name or (a > 0 and b / a >= 100) \
            else uniform(a, b)
    return [one(t) for t in texts]
