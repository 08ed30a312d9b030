"""Run a saved model on image files (``nnmath predict``) or on a test set (``nnmath evaluate``).

The model file says how its inputs were prepared (``preprocessing`` in its metadata): the
input size, grey-scale or colour, the scale (x / 255), whether digit pictures with a light
background are inverted (MNIST digits are white on black), the layout (classic models take
columns ``(n_x, m)``) and the class names. :func:`prepare_images` applies exactly that.

Example:
    >>> from nnmath.predict import predict_files
    >>> for path, label, p in predict_files("models/cat-logistic.safetensors", ["cat.jpg"]):
    ...     print(path, label, round(p, 2))                       # doctest: +SKIP
    cat.jpg cat 0.93
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LoadedModel", "evaluate_model", "load_any", "predict_files", "prepare_images"]


@dataclass
class LoadedModel:
    """A model file of either kind, with one ``probabilities`` entry point.

    ``model`` is a ``Sequential`` or a :class:`nnmath.recipes.ClassicModel`; both offer
    ``predict(x, batch_size)``, so nothing here depends on the kind.
    """

    kind: str  # "sequential" or the classic model's kind, for messages
    preprocessing: dict[str, Any]
    model: Any

    @property
    def class_names(self) -> list[str]:
        names = self.preprocessing.get("class_names")
        return list(names) if names else []

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities ``(m, K)`` for prepared inputs (K = 2 for sigmoid models)."""
        p = np.asarray(self.model.predict(x, batch_size=256), dtype=np.float64)
        return np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p


def _default_preprocessing(model: Any) -> dict[str, Any]:
    """For a model saved without preprocessing: infer it from the input shape.

    ``(H, W, C)`` inputs take H x W pictures (grey when C = 1) scaled by 1/255; a flat input
    of n = k*k features takes k x k grey pictures (as MNIST's 784 = 28 x 28).
    """
    shape = [int(s) for s in (model.input_shape or []) if s is not None]
    if len(shape) == 3:
        return {"input_shape": shape, "image_size": shape[:2], "scale": 1 / 255,
                "grayscale": shape[2] == 1}
    if len(shape) == 1 and round(shape[0] ** 0.5) ** 2 == shape[0]:
        k = round(shape[0] ** 0.5)
        return {"input_shape": shape, "image_size": [k, k], "scale": 1 / 255, "grayscale": True}
    return {"input_shape": shape}


def load_any(path: str | Path) -> LoadedModel:
    """Load an nnmath model file of any kind (``Sequential.save`` or a classic recipe).

    Both kinds are the same checksummed file (:func:`nnmath.models.saving.read_checked`);
    its ``format`` says which model to rebuild.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not an intact nnmath model file.
    """
    from nnmath.models.saving import read_checked
    from nnmath.recipes import CLASSIC_FORMAT, classic_model

    if not Path(path).is_file():
        raise FileNotFoundError(f"no such model file: {path}")
    config, tensors = read_checked(path, "predict")
    if config.get("format") == CLASSIC_FORMAT:
        return LoadedModel(config["kind"], config.get("preprocessing") or {},
                           classic_model(config["kind"], dict(tensors)))
    import nnmath as nm

    model = nm.load_model(str(path))
    prep = getattr(model, "preprocessing", None) or _default_preprocessing(model)
    return LoadedModel("sequential", prep, model)


def prepare_images(paths: list[str | Path], prep: dict[str, Any]) -> np.ndarray:
    """Load image files and apply the model's recorded preprocessing.

    Returns:
        The batch in the model's layout: ``(m, *input_shape)`` or columns ``(n_x, m)``.

    Raises:
        FileNotFoundError: a missing image.  ValueError: not an image, or the model does
        not take images (e.g. the planar model takes 2-D points).
    """
    from nnmath import images

    shape = list(prep.get("input_shape") or [])
    if not prep.get("image_size") and len(shape) != 3:
        raise ValueError(
            f"this model takes inputs of shape {shape or 'unknown'}, not images; use "
            "`nnmath evaluate` with its data set instead"
        )
    grey = bool(prep.get("grayscale"))
    hw = prep.get("image_size") or shape[:2]
    batch = []
    for p in paths:
        img = images.load_image(p, size=(int(hw[0]), int(hw[1])), mode="L" if grey else "RGB")
        x = img.astype(np.float32) * np.float32(prep.get("scale", 1 / 255))
        if grey and prep.get("invert_light_background") and x.mean() > 0.5 * x.max():
            x = x.max() - x  # dark digit on light paper -> light digit on black, as MNIST
        batch.append(x)
    x = np.stack(batch)  # (m, H, W, C)
    if prep.get("layout") == "columns":
        return x.reshape(len(batch), -1).T.astype(np.float64)
    return x.reshape(len(batch), *shape)


def predict_files(model_path: str | Path, image_paths: list[str | Path]
                  ) -> list[tuple[str, str, float]]:
    """``(image path, label, probability of that label)`` for every image.

    Raises:
        FileNotFoundError / ValueError: see :func:`load_any` and :func:`prepare_images`.
    """
    m = load_any(model_path)
    probs = m.probabilities(prepare_images(list(image_paths), m.preprocessing))
    names = m.class_names or [str(k) for k in range(probs.shape[1])]
    idx = probs.argmax(axis=1)
    return [(str(p), names[k], float(probs[i, k])) for i, (p, k) in
            enumerate(zip(image_paths, idx, strict=True))]


def _dataset(name: str, m: LoadedModel) -> tuple[np.ndarray, np.ndarray]:
    """Test inputs of data set ``name`` in the model's layout, and integer labels.

    Raises:
        KeyError: unknown data set.  ValueError: the model's inputs do not fit its samples.
    """
    from nnmath.datasets import load_prepared

    data = load_prepared(name)
    shape = [int(s) for s in m.preprocessing.get("input_shape") or []]
    if int(np.prod(shape or [0])) != int(np.prod(data.sample_shape)):
        raise ValueError(f"a model with inputs {shape} ({m.kind}) cannot run on {name} "
                         f"(samples of shape {list(data.sample_shape)})")
    if m.preprocessing.get("layout") == "columns":
        return data.columns("test")[0], data.y_test
    return data.samples("test", tuple(shape))[0], data.y_test


def evaluate_model(model_path: str | Path, data: str | None = None) -> dict[str, Any]:
    """Accuracy (and mean cross-entropy) of a saved model on a test set.

    Args:
        data: a data set name (``nnmath.datasets.prepared_names()``); default: the one the
            model was trained on (recorded in its file by ``nnmath train``).

    Returns:
        ``{"accuracy": ..., "loss": ..., "samples": ..., "data": ...}`` (accuracy in [0, 1]).

    Raises:
        KeyError: unknown data set.  ValueError: the model does not fit that data set, or
        no data set given and none recorded in the file.
    """
    m = load_any(model_path)
    if data is None:
        data = m.preprocessing.get("dataset")
        if not data:
            raise ValueError(f"{model_path} does not record its data set; name one with "
                             "--data (e.g. --data mnist)")
    x, y = _dataset(data, m)
    probs = m.probabilities(x)
    if probs.shape[1] <= int(y.max()):
        raise ValueError(f"the model predicts {probs.shape[1]} classes but {data} has labels "
                         f"up to {int(y.max())}")
    p_true = np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0)
    return {"accuracy": float(np.mean(probs.argmax(axis=1) == y)),
            "loss": float(-np.mean(np.log(p_true))), "samples": len(y), "data": data}

