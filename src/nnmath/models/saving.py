"""Model files: ONE safetensors file holding the weights (and optimizer state) with the
architecture, compile config, optional preprocessing and training state as JSON metadata.

Nothing is ever unpickled: safetensors stores raw arrays and a JSON header, so loading a file
cannot execute code. A SHA-256 digest of the config and every array is stored too, so a
truncated, corrupted or tampered file fails with a clear error instead of loading garbage.
Files are written to a temporary name and renamed, so a crash never leaves half a file.

Layout of the tensors: ``weights/<layer index>/<weight name>`` and
``optimizer/<param index>/<slot>`` (+ ``optimizer/iterations``). Metadata keys:
``nnmath`` (the JSON config) and ``sha256``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "load_model", "read_checked", "save_model", "write_checked"]

FORMAT = "nnmath.sequential/1"


def _digest(config_json: str, tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(config_json.encode())
    for key in sorted(tensors):
        arr = tensors[key]
        h.update(f"{key}|{arr.dtype.str}|{arr.shape}".encode())
        h.update(np.ascontiguousarray(arr).data)
    return h.hexdigest()


def _safetensors(where: str) -> Any:
    """The safetensors module (an optional dependency: the ``io`` extra)."""
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            f"{where}: model files need the safetensors package, which is not installed; "
            "pip install 'nnmath[io]' (or pip install safetensors)"
        ) from None
    return safetensors


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _compile_config(model: Any) -> dict[str, Any] | None:
    if model.loss is None or model.optimizer is None:
        return None
    return {
        "optimizer": {"class_name": model.optimizer.name, "config": model.optimizer.get_config()},
        "loss": {"class_name": model.loss.name, "config": model.loss.get_config()},
        "metrics": list(model.metric_names),
    }


def save_model(
    model: Any,
    path: str | os.PathLike,
    include_optimizer: bool = True,
    preprocessing: dict[str, Any] | None = None,
    training_state: dict[str, Any] | None = None,
) -> None:
    """Write ``model`` to ``path`` atomically (see the module doc for the layout).

    Args:
        model: a built ``Sequential``.
        path: the file to write (conventionally ``*.safetensors``).
        include_optimizer: also store the optimizer's state (to resume training).
        preprocessing: JSON-serializable description of the inputs the model expects.
        training_state: epoch, random-generator states and history (checkpoints).

    Raises:
        ValueError: the model is not built, or ``preprocessing`` is not JSON-serializable.
    """
    save_file = _safetensors("save").numpy.save_file
    model.require_built("save")
    tensors: dict[str, np.ndarray] = {}
    for i, layer in enumerate(model.layers):
        for name, w in zip(layer.weight_names, layer.weights, strict=False):
            tensors[f"weights/{i}/{name}"] = np.ascontiguousarray(w.data)
    if include_optimizer and model.optimizer is not None and model.optimizer.built:
        for key, arr in model.optimizer.state_dict().items():
            tensors[f"optimizer/{key}"] = np.ascontiguousarray(arr).reshape(arr.shape or (1,))
    if preprocessing is not None:
        model.preprocessing = dict(preprocessing)
    config = {
        "format": FORMAT,
        "model": model.get_config(),
        "compile": _compile_config(model),
        "preprocessing": model.preprocessing,
        "training": training_state,
    }
    try:
        config_json = json.dumps(config)
    except TypeError as exc:
        raise ValueError(
            f"save: the preprocessing/config must be JSON-serializable: {exc}"
        ) from None
    write_checked(path, tensors, config_json, save_file)


def write_checked(path: str | os.PathLike, tensors: dict[str, np.ndarray], config_json: str,
                  save_file: Any = None) -> None:
    """The one model-file writer: ``tensors`` + JSON ``config_json`` + their SHA-256, atomically.

    Used by :func:`save_model` and by the classic recipes' files (``nnmath.recipes``); read
    back with :func:`read_checked`. The file is written to a temporary name, flushed and
    renamed, so a crash never leaves half a file.
    """
    if save_file is None:
        save_file = _safetensors("save").numpy.save_file
    metadata = {"nnmath": config_json, "sha256": _digest(config_json, tensors)}
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        save_file(tensors, str(tmp), metadata=metadata)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # the writer creates 0600 files; use normal rights
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _read(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The verified config and tensors of a ``Sequential`` model file.

    Raises:
        FileNotFoundError: no such file.  ValueError: not a valid/intact nnmath model file.
    """
    config, tensors = read_checked(path, "load_model")
    if config.get("format") != FORMAT:
        raise ValueError(
            f"load_model: {path}: unsupported format {config.get('format')!r}, expected "
            f"{FORMAT!r}"
        )
    return config, tensors


def read_checked(path: str | os.PathLike, caller: str = "load_model"
                 ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON config and tensors of any file :func:`write_checked` wrote, checksum verified.

    The config's ``format`` says what the file holds (``nnmath.sequential/1`` or a classic
    recipe's ``nnmath.classic/1``); the caller checks it.

    Raises:
        FileNotFoundError: no such file.  ValueError: not a readable, intact nnmath model file.
    """
    safe_open = _safetensors(caller).safe_open
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{caller}: no model file at {path}; check the path")
    where = f"{caller}: {path}"
    try:
        with safe_open(str(path), framework="np") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types for bad headers/sizes
        raise ValueError(
            f"{where} is not an nnmath model file: not a readable safetensors file "
            f"(truncated or corrupted: {exc}); "
            "save the model again or re-download the file"
        ) from None
    if "nnmath" not in metadata or "sha256" not in metadata:
        raise ValueError(
            f"{where} is a safetensors file but not an nnmath model (no 'nnmath' "
            "metadata); save models with model.save(path)"
        )
    if _digest(metadata["nnmath"], tensors) != metadata["sha256"]:
        raise ValueError(
            f"{where}: checksum mismatch: the file was modified after it was saved "
            "(tampered or corrupted); do not trust it, save the model again"
        )
    return json.loads(metadata["nnmath"]), tensors


def _weights(model: Any, tensors: dict[str, np.ndarray], where: str) -> list[np.ndarray]:
    """The stored weights in ``model.trainable_weights`` order, checked name by name."""
    arrays = []
    for i, layer in enumerate(model.layers):
        for name, w in zip(layer.weight_names, layer.weights, strict=False):
            arr = tensors.get(f"weights/{i}/{name}")
            if arr is None or arr.shape != w.shape:
                got = None if arr is None else arr.shape
                raise ValueError(
                    f"{where}: expected weight {layer.name}/{name} of shape {w.shape}, got {got}"
                )
            arrays.append(arr)
    return arrays


def _optimizer_state(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    state = {k[len("optimizer/") :]: v for k, v in tensors.items() if k.startswith("optimizer/")}
    if "iterations" in state:
        state["iterations"] = state["iterations"].reshape(())
    return state


def load_model(path: str | os.PathLike, compile: bool = True) -> Any:
    """Rebuild the ``Sequential`` saved at ``path`` (weights, compile config, optimizer state).

    ``model.preprocessing`` holds the saved preprocessing description (or None) and
    ``model.epoch`` the number of completed epochs for checkpoints.

    Raises:
        FileNotFoundError: no such file.
        ValueError: truncated, corrupted or tampered file, or an unknown layer/format.

    Example:
        >>> model.save("mnist.safetensors"); again = nnmath.load_model("mnist.safetensors")
        >>> np.array_equal(model.predict(x), again.predict(x))
        True
    """
    from ..layers import deserialize
    from .sequential import Sequential

    config, tensors = _read(path)
    where = f"load_model: {path}"
    mcfg = config["model"]
    model = Sequential(
        [deserialize(spec) for spec in mcfg["layers"]], name=mcfg["name"], seed=mcfg.get("seed")
    )
    if mcfg.get("input_shape") is not None and not model.built:
        model.build(tuple(mcfg["input_shape"]))
    if model.built:
        model.set_weights(_weights(model, tensors, where), where)
    model.preprocessing = config.get("preprocessing")
    training = config.get("training") or {}
    model.epoch = int(training.get("epoch", 0))
    ccfg = config.get("compile")
    if compile and ccfg:
        from .. import losses, optimizers

        model.compile(
            optimizer=optimizers.get(
                ccfg["optimizer"]["class_name"], **ccfg["optimizer"]["config"]
            ),
            loss=losses.get(ccfg["loss"]["class_name"], **ccfg["loss"]["config"]),
            metrics=ccfg["metrics"],
        )
        state = _optimizer_state(tensors)
        if state:
            model.optimizer.load_state_dict(state, model.trainable_weights)
    return model


def resume(model: Any, path: str | os.PathLike, initial_epoch: int) -> int:
    """Load a checkpoint written by ``fit(checkpoint=path)`` into ``model`` (through
    ``model.set_training_state``); the epoch to start at.

    Returns ``initial_epoch`` unchanged when ``path`` does not exist yet.

    Raises:
        ValueError: the checkpoint holds a different architecture (or is damaged).
    """
    if not Path(path).exists():
        return initial_epoch
    config, tensors = _read(path)
    where = f"fit: checkpoint {path}"
    if config["model"]["layers"] != model.get_config()["layers"]:
        raise ValueError(
            f"{where} holds a different model architecture; delete it or choose "
            "another checkpoint path"
        )
    training = config.get("training") or {}
    state: dict[str, Any] = {
        "weights": _weights(model, tensors, where),
        "rngs": {"shuffle": training.get("shuffle_rng"), "dropout": training.get("dropout_rng")},
        "epoch": int(training.get("epoch", 0)),
        "history": training.get("history") or {},
    }
    model.set_training_state(state)
    opt_state = _optimizer_state(tensors)
    if opt_state:
        model.optimizer.load_state_dict(opt_state, model.trainable_weights)
    return max(initial_epoch, model.epoch)
