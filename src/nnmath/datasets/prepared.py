"""The data sets that recipes, lessons and ``nnmath evaluate`` use, loaded and scaled ONCE here.

Each entry of :data:`PREPARED` is one data set as the models see it: train and test samples
``(m, *sample_shape)``, integer labels ``(m,)``, class names and the pixel scale. Two views:

- :meth:`Prepared.samples` for the engine: ``x * (1/255)`` as float32, shape ``(m, *shape)``
  (``shape`` e.g. ``(28, 28, 1)`` for the convnet or ``(784,)`` for the MLP).
- :meth:`Prepared.columns` for the classic course code: ``X = flatten(x)^T / 255`` float64,
  shape ``(n_x, m)``, and ``Y`` as a float64 row ``(1, m)`` (exactly the course's arrays).

Adding a data set for a recipe = one loader function + one ``PREPARED`` entry.

Example:
    >>> from nnmath.datasets import load_prepared
    >>> cat = load_prepared("catvnoncat")              # doctest: +SKIP
    >>> X, Y = cat.columns("train"); X.shape, Y.shape   # doctest: +SKIP
    ((12288, 209), (1, 209))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["PREPARED", "Prepared", "cat_columns", "class_names", "digit_images", "load_prepared",
           "prepared_names"]


def cat_columns(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pictures in the course layout: ``X = flatten(x)^T / 255`` and ``Y`` as a row.

    Shape:
        x ``(m, 64, 64, 3)`` uint8, y ``(m,)`` -> X ``(12288, m)`` float64 in [0, 1],
        Y ``(1, m)`` float64.
    """
    return x.reshape(x.shape[0], -1).T / 255.0, y.reshape(1, -1).astype(np.float64)


def digit_images(x: np.ndarray) -> np.ndarray:
    """Digit pictures for the engine: ``x / 255`` as float32 with a channel axis.

    Shape:
        x ``(N, 28, 28)`` uint8 -> ``(N, 28, 28, 1)`` float32 in [0, 1].
    """
    return x.reshape(-1, 28, 28, 1).astype(np.float32) / np.float32(255.0)


@dataclass(frozen=True)
class Prepared:
    """One data set: raw train/test samples ``(m, *shape)``, int labels, class names, scale.

    ``pixels`` is True for 0..255 pictures (both views divide by 255); generated points
    (planar) are used as they are.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    pixels: bool = True

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(int(s) for s in self.x_train.shape[1:])

    def limit(self, n: int | None) -> Prepared:
        """The first ``n`` training samples only (the test set is kept whole)."""
        if n is None:
            return self
        return replace(self, x_train=self.x_train[:n], y_train=self.y_train[:n])

    def _split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        if split not in ("train", "test"):
            raise ValueError(f"{self.name}: expected split 'train' or 'test', got {split!r}")
        return (self.x_train, self.y_train) if split == "train" else (self.x_test, self.y_test)

    def columns(self, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
        """The course layout: ``X (n_x, m)`` float64 (``/ 255`` for pictures), ``Y (1, m)``."""
        x, y = self._split(split)
        if self.pixels:
            return cat_columns(x, y)
        return x.reshape(x.shape[0], -1).T, y.reshape(1, -1).astype(np.float64)

    def samples(self, split: str = "train", shape: tuple[int, ...] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
        """The engine layout: ``x (m, *shape)`` float32 (``/ 255`` for pictures), int64 labels.

        Raises:
            ValueError: ``shape`` does not hold one sample (its size differs).
        """
        x, y = self._split(split)
        shape = self.sample_shape if shape is None else tuple(int(s) for s in shape)
        if int(np.prod(shape)) != int(np.prod(self.sample_shape)):
            raise ValueError(
                f"{self.name}: a sample has shape {list(self.sample_shape)}; it cannot be "
                f"reshaped to {list(shape)}"
            )
        out = x.astype(np.float32)
        if self.pixels:
            out = out / np.float32(255.0)
        return out.reshape(len(x), *shape), y.astype(np.int64)


def _cat_classes() -> list[str]:
    from .catvnoncat import CAT_CLASSES

    return list(CAT_CLASSES)


def _digit_classes() -> list[str]:
    return [str(i) for i in range(10)]


def _fashion_classes() -> list[str]:
    from .mnist import FASHION_MNIST_CLASSES

    return list(FASHION_MNIST_CLASSES)


def _cat() -> Prepared:
    from .catvnoncat import load_cat_vs_noncat

    (xtr, ytr), (xte, yte), _ = load_cat_vs_noncat()
    return Prepared("catvnoncat", xtr, ytr.astype(np.int64), xte, yte.astype(np.int64),
                    _cat_classes())


def _digits(loader_name: str, name: str, classes: Callable[[], list[str]]
            ) -> Callable[[], Prepared]:
    def load() -> Prepared:
        from . import mnist

        (xtr, ytr), (xte, yte) = getattr(mnist, loader_name)()
        return Prepared(name, xtr[..., None], ytr.astype(np.int64), xte[..., None],
                        yte.astype(np.int64), classes())

    return load


def _planar() -> Prepared:
    from .generators import make_planar_flower

    X, Y = make_planar_flower(seed=1)  # the course's flower; train and test are the same
    y = Y.reshape(-1).astype(np.int64)
    return Prepared("planar", X.T, y, X.T, y, _planar_classes(), pixels=False)


def _planar_classes() -> list[str]:
    return ["red", "blue"]


#: data set name -> (loader, class names); the names ``nnmath evaluate --data`` accepts
PREPARED: dict[str, tuple[Callable[[], Prepared], Callable[[], list[str]]]] = {
    "catvnoncat": (_cat, _cat_classes),
    "mnist": (_digits("load_mnist", "mnist", _digit_classes), _digit_classes),
    "fashion-mnist": (_digits("load_fashion_mnist", "fashion-mnist", _fashion_classes),
                      _fashion_classes),
    "planar": (_planar, _planar_classes),
}


def _entry(name: str) -> tuple[Callable[[], Prepared], Callable[[], list[str]]]:
    if name not in PREPARED:
        raise KeyError(f"unknown data set {name!r}; expected one of {', '.join(PREPARED)}")
    return PREPARED[name]


def class_names(name: str) -> list[str]:
    """The class names of data set ``name`` (without loading it)."""
    return _entry(name)[1]()


def prepared_names() -> list[str]:
    """The data set names :func:`load_prepared` knows."""
    return list(PREPARED)


def load_prepared(name: str) -> Prepared:
    """Load data set ``name`` (downloading it if needed) as a :class:`Prepared`.

    Raises:
        KeyError: unknown name (the message lists the known ones).
        FileNotFoundError: the files are missing and cannot be downloaded.
    """
    return _entry(name)[0]()
