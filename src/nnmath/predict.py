"""Run a saved model on image files (``nnmath predict``) or on a test set (``nnmath evaluate``).

The model file says how its inputs were prepared (``preprocessing`` in its metadata): the
input size, grey-scale or colour, the scale (x / 255), the picture policy, the layout
(classic models take columns ``(n_x, m)``) and the class names. :func:`prepare_picture`
applies exactly that, like a careful human would look at the picture:

- digit models (``"picture": "digits"``) get MNIST's own preprocessing
  (:func:`nnmath.preprocess.digit_input`: transparency composited, light-on-dark decided from
  the border, cropped to the ink, longest side 20 px, centred by centre of mass in 28 x 28);
- photo models resize with the recorded ``aspect`` policy (``stretch``, ``crop``, ``pad``;
  :func:`nnmath.preprocess.photo_input`).

Every result says how sure the model is; below ``NOT_SURE_BELOW`` = 0.5 (top probability)
and for blank pictures it says "not sure" and names the top two classes. The figure is the
model's own softmax probability, not a check that the picture belongs to the model's world:
a picture of something else (a photo shown to a digit model) can still score high. A picture
that cannot be read gets its own error result; the others are still predicted
(:func:`predict_pictures`).

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

__all__ = ["NOT_SURE_BELOW", "LoadedModel", "Prediction", "evaluate_model", "expand_paths",
           "load_any", "picture_policy", "predict_files", "predict_pictures", "prepare_images",
           "prepare_picture"]


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

    if Path(path).is_dir():
        found = sorted(p.name for p in Path(path).glob("*.safetensors"))
        raise ValueError(f"{path} is a folder, not a model file; expected a .safetensors file "
                         + (f"such as {Path(path) / found[0]} (in it: {', '.join(found)})"
                            if found else "(none in that folder)"))
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


#: a result whose top probability is below this is reported as "not sure" (with the top two)
NOT_SURE_BELOW = 0.5


def picture_policy(prep: dict[str, Any]) -> str:
    """``"digits"`` (MNIST's preprocessing) or ``"photo"`` (resize with an aspect policy).

    Read from ``prep["picture"]``; files written before it was recorded: 28 x 28 grey models
    that invert light backgrounds are digit models.
    """
    if prep.get("picture") in ("digits", "photo"):
        return str(prep["picture"])
    hw = [int(v) for v in prep.get("image_size") or []]
    return "digits" if (prep.get("grayscale") and prep.get("invert_light_background")
                        and hw == [28, 28]) else "photo"


def _image_shape(prep: dict[str, Any]) -> tuple[list[int], list[int]]:
    shape = [int(s) for s in prep.get("input_shape") or []]
    if not prep.get("image_size") and len(shape) != 3:
        raise ValueError(
            f"this model takes inputs of shape {shape or 'unknown'}, not images; use "
            "`nnmath evaluate` with its data set instead"
        )
    return shape, [int(v) for v in (prep.get("image_size") or shape[:2])]


def prepare_picture(picture: np.ndarray, prep: dict[str, Any]) -> Any:
    """One decoded picture (H, W, C) uint8 as the model sees it (a ``preprocess.Prepared``:
    ``pixels`` (h, w, c) float32 in [0, 1] and ``blank``), following the recorded policy.

    Raises:
        ValueError: the model does not take images.
    """
    from nnmath import preprocess

    _, hw = _image_shape(prep)
    grey = bool(prep.get("grayscale"))
    if picture_policy(prep) == "digits":
        out = preprocess.digit_input(picture)
        out.pixels = out.pixels[..., None]  # (28, 28, 1)
        return out
    out = preprocess.photo_input(picture, (hw[0], hw[1]), prep.get("aspect", "stretch"), grey)
    if grey and prep.get("invert_light_background") and \
            preprocess.border_level(out.pixels[..., 0]) > 0.5:
        out.pixels = 1 - out.pixels  # a light background -> dark, as the training pictures
    return out


def _to_model_layout(batch: list[np.ndarray], prep: dict[str, Any]) -> np.ndarray:
    """Stacked (m, h, w, c) pixels in [0, 1] -> the model's layout (scale as recorded)."""
    shape, _ = _image_shape(prep)
    x = np.stack(batch).astype(np.float32) * np.float32(255 * prep.get("scale", 1 / 255))
    if prep.get("layout") == "columns":
        return x.reshape(len(batch), -1).T.astype(np.float64)
    return x.reshape(len(batch), *shape)


def prepare_images(paths: list[str | Path], prep: dict[str, Any]) -> np.ndarray:
    """Load image files and apply the model's recorded preprocessing.

    Returns:
        The batch in the model's layout: ``(m, *input_shape)`` or columns ``(n_x, m)``.

    Raises:
        FileNotFoundError: a missing image.  ValueError: not an image, or the model does
        not take images (e.g. the planar model takes 2-D points).
    """
    from nnmath import images

    _image_shape(prep)  # fail before reading any file
    return _to_model_layout([prepare_picture(images.load_image(p), prep).pixels
                             for p in paths], prep)


@dataclass
class Prediction:
    """What the model says about one picture file.

    ``label``/``probability``: the top class; ``second``: the runner-up ``(label, p)``;
    ``sure``: ``probability >= NOT_SURE_BELOW`` and not blank; ``error``: why the file could
    not be read (then there is no label).
    """

    path: str
    label: str | None = None
    probability: float = 0.0
    second: tuple[str, float] | None = None
    blank: bool = False
    error: str | None = None
    why: str = "a blank picture: nothing stands out from its background"

    @property
    def sure(self) -> bool:
        return self.error is None and not self.blank and self.probability >= NOT_SURE_BELOW

    def line(self) -> str:
        """The result as ``nnmath predict`` prints it."""
        if self.error is not None:
            return f"{self.path}: error: {self.error}"
        if self.blank:
            return f"{self.path}: not sure ({self.why})"
        if not self.sure:
            two = f"{self.label} {100 * self.probability:.2f} %"
            if self.second:
                two += f" or {self.second[0]} {100 * self.second[1]:.2f} %"
            return f"{self.path}: not sure ({two})"
        return f"{self.path}: {self.label} ({100 * self.probability:.2f} % sure)"


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Picture paths with every folder replaced by the image files in it (sorted)."""
    from nnmath.datasets.folder import IMAGE_EXTENSIONS

    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                           and f.suffix.lower() in IMAGE_EXTENSIONS)
            out.extend(found or [p])  # an empty folder stays, to be reported
        else:
            out.append(p)
    return out


def _read(path: Path, prep: dict[str, Any]) -> Any:
    from nnmath import images

    if path.is_dir():
        raise ValueError(f"folder {path} has no image files (.png, .jpg, ...)")
    return prepare_picture(images.load_image(path), prep)


def predict_pictures(model: str | Path | LoadedModel, paths: list[str | Path],
                     show: str | Path | None = None) -> list[Prediction]:
    """Run a model on picture files; a file that cannot be read gets its own error result.

    Args:
        model: a model file (or a loaded one).
        paths: picture files; a folder stands for the image files in it.
        show: a folder to save the exact model input of every picture in, as
            ``<name>-input.png`` (created if missing).

    Returns:
        One :class:`Prediction` per picture, in order.

    Raises:
        FileNotFoundError / ValueError: the model file (see :func:`load_any`), or a model
        that does not take images.
    """
    from nnmath import images

    m = model if isinstance(model, LoadedModel) else load_any(model)
    _image_shape(m.preprocessing)
    files = expand_paths(paths)
    results = [Prediction(str(p)) for p in files]
    good, inputs = [], []
    for r, path in zip(results, files, strict=True):
        try:
            prepared = _read(path, m.preprocessing)
        except (OSError, ValueError) as exc:
            text = str(exc)
            r.error = text.split(": ", 1)[1] if text.startswith("load_image(") else text
            continue
        r.blank, r.why = prepared.blank, prepared.why
        good.append(r)
        inputs.append(prepared.pixels)
        if show is not None:
            Path(show).mkdir(parents=True, exist_ok=True)
            images.save_image(Path(show) / f"{path.stem}-input.png", prepared.pixels)
    if good:
        probs = m.probabilities(_to_model_layout(inputs, m.preprocessing))
        names = m.class_names or [str(k) for k in range(probs.shape[1])]
        order = np.argsort(-probs, axis=1)
        for i, r in enumerate(good):
            k = order[i, 0]
            r.label, r.probability = names[k], float(probs[i, k])
            if probs.shape[1] > 1:
                r.second = (names[order[i, 1]], float(probs[i, order[i, 1]]))
    return results


def predict_files(model_path: str | Path, image_paths: list[str | Path]
                  ) -> list[tuple[str, str, float]]:
    """``(image path, label, probability of that label)`` for every image.

    Raises:
        FileNotFoundError / ValueError: see :func:`load_any` and :func:`prepare_images`; the
        first picture that cannot be read (:func:`predict_pictures` reports each instead).
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
        own = m.preprocessing.get("dataset")
        raise ValueError(f"a model with inputs {shape} ({m.kind}) cannot run on {name} "
                         f"(samples of shape {list(data.sample_shape)}); it expects "
                         f"{expects(m.preprocessing)}"
                         + (f", as in {own}: run it without --data (it defaults to {own})"
                            if own else ""))
    if m.preprocessing.get("layout") == "columns":
        return data.columns("test")[0], data.y_test
    return data.samples("test", tuple(shape))[0], data.y_test


def expects(prep: dict[str, Any]) -> str:
    """What a model takes, in words: e.g. ``28x28 grey pictures (784 inputs)``."""
    shape = [int(s) for s in prep.get("input_shape") or []]
    n = int(np.prod(shape)) if shape else 0
    hw = prep.get("image_size") or (shape[:2] if len(shape) == 3 else None)
    if hw:
        colour = "grey" if prep.get("grayscale") else "colour (RGB)"
        return f"{hw[0]}x{hw[1]} {colour} pictures ({n} inputs)"
    return f"inputs of shape {shape} ({n} numbers per sample)"


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
        folder = m.preprocessing.get("data_folder")
        if not data and folder:
            from nnmath.datasets import prepared_names

            raise ValueError(f"{model_path} was trained on your own pictures ({folder}); "
                             f"evaluate takes a data set ({', '.join(prepared_names())}): "
                             f"for your pictures, `nnmath train images` printed the "
                             f"validation accuracy, and `nnmath predict {model_path} DIR` "
                             "reads new ones")
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

