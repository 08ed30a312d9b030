"""Your own photos as a data set: one sub-folder per class of image files.

::

    photos/
      cat/     a.jpg b.png ...
      dog/     c.jpg ...

``load_image_folder("photos", 64)`` -> ``x (N, 64, 64, 3) uint8``, ``y (N,) int64`` and
``class_names ["cat", "dog"]`` (sorted folder names; label k is ``class_names[k]``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["IMAGE_EXTENSIONS", "PictureFolder", "load_image_folder", "load_picture_folder"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm",
                    ".pgm")


def load_image_folder(
    path: str | os.PathLike[str],
    size: int | tuple[int, int],
    mode: str = "RGB",
    classes: list[str] | None = None,
    extensions: tuple[str, ...] = IMAGE_EXTENSIONS,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Load every image under ``path/<class name>/`` resized to one size, with its class label.

    Args:
        path: a folder with one sub-folder per class.
        size: ``(height, width)`` every image is resized to (an int means a square).
        mode: Pillow mode all images are converted to ("RGB", "L" for grey, "RGBA").
        classes: class folder names in label order (default: all sub-folders, sorted).
        extensions: file name endings counted as images (case-insensitive); other files
            (e.g. ``.DS_Store``, ``notes.txt``) are ignored.

    Returns:
        ``(x, y, class_names)``; images in class order, then file-name order.

    Shape:
        x (N, H, W, C) uint8 with C = 3 for "RGB", 1 for "L", 4 for "RGBA"; y (N,) int64.

    Raises:
        FileNotFoundError: no such folder, or a class folder in ``classes`` that is missing.
        ValueError: no class folders or no images; a file that is not a readable image
            (named in the message).

    Example:
        >>> x, y, names = load_image_folder("photos", 64)        # doctest: +SKIP
        >>> x.shape, names
        ((120, 64, 64, 3), ['cat', 'dog'])
    """
    from ..images import load_image

    root = Path(path)
    where = f"load_image_folder({root})"
    if not root.is_dir():
        raise FileNotFoundError(f"{where}: no such folder")
    if classes is None:
        classes = sorted(p.name for p in root.iterdir() if p.is_dir()
                         and not p.name.startswith("."))
    if not classes:
        raise ValueError(f"{where}: expected one sub-folder per class (e.g. {root}/cat/*.jpg), "
                         "found no sub-folders")
    exts = tuple(e.lower() for e in extensions)
    files, labels = [], []
    for k, name in enumerate(classes):
        folder = root / name
        if not folder.is_dir():
            raise FileNotFoundError(f"{where}: class folder {name!r} not found in {root}")
        found = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() in exts and not p.name.startswith("."))
        files.extend(found)
        labels.extend([k] * len(found))
    if not files:
        raise ValueError(f"{where}: no image files ({', '.join(exts)}) in the class folders "
                         f"{classes}")
    first = load_image(files[0], size=size, mode=mode)
    x = np.empty((len(files), *first.shape), dtype=np.uint8)  # (N, H, W, C)
    x[0] = first
    for i, f in enumerate(files[1:], start=1):  # Pillow decodes one file at a time
        x[i] = load_image(f, size=size, mode=mode)
    return x, np.asarray(labels, dtype=np.int64), list(classes)


@dataclass
class PictureFolder:
    """Pictures of a class folder prepared for a model: ``x (N, H, W, C)`` float32 in [0, 1],
    ``y (N,)`` int64, ``class_names``, and the files that could not be read (``skipped``:
    ``(path, reason)``)."""

    x: np.ndarray
    y: np.ndarray
    class_names: list[str]
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def load_picture_folder(
    path: str | os.PathLike[str],
    size: int | tuple[int, int],
    aspect: str = "crop",
    grayscale: bool = False,
    extensions: tuple[str, ...] = IMAGE_EXTENSIONS,
) -> PictureFolder:
    """Your own pictures, one sub-folder per class, prepared exactly as ``nnmath predict``
    prepares a picture for a photo model (:func:`nnmath.preprocess.photo_input`: alpha onto
    white, resized to ``size`` with the ``aspect`` policy), so training and prediction agree.

    Pictures of mixed sizes and shapes are fine. Files that are not readable pictures are
    skipped and listed in ``skipped`` (the caller reports the count).

    Raises:
        FileNotFoundError: no such folder.
        ValueError: fewer than two class folders, a class folder without pictures, or no
            readable picture at all (each message names the folder and the fix).

    Example:
        >>> d = load_picture_folder("photos", 32)                 # doctest: +SKIP
        >>> d.x.shape, d.class_names, len(d.skipped)               # doctest: +SKIP
        ((120, 32, 32, 3), ['cat', 'dog'], 1)
    """
    from ..images import load_image
    from ..preprocess import photo_input

    root = Path(path)
    where = f"load_picture_folder({root})"
    if not root.is_dir():
        what = "a file, not a folder" if root.exists() else "no such folder"
        raise FileNotFoundError(f"{where}: {what}; expected a folder with one sub-folder of "
                                "pictures per class (e.g. photos/cat/*.jpg, photos/dog/*.jpg)")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if classes else "none"
        raise ValueError(f"{where}: expected at least two class sub-folders (one per class, "
                         f"e.g. {root}/cat/ and {root}/dog/), found {found}")
    exts = tuple(e.lower() for e in extensions)
    files = {name: sorted(p for p in (root / name).iterdir() if p.is_file()
                          and p.suffix.lower() in exts and not p.name.startswith("."))
             for name in classes}
    empty = [name for name, fs in files.items() if not fs]
    if empty:
        raise ValueError(f"{where}: class folder(s) {', '.join(empty)} hold no pictures "
                         f"({', '.join(exts[:4])}, ...); add pictures or remove the folder(s)")
    hw = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
    xs, ys, skipped = [], [], []
    for k, name in enumerate(classes):
        for f in files[name]:  # Pillow decodes one file at a time
            try:
                xs.append(photo_input(load_image(f), hw, aspect, grayscale).pixels)
            except (OSError, ValueError) as exc:
                skipped.append((f, str(exc)))
                continue
            ys.append(k)
    counts = np.bincount(np.asarray(ys, dtype=np.int64), minlength=len(classes))
    unread = [name for name, c in zip(classes, counts, strict=True) if c == 0]
    if unread:
        raise ValueError(f"{where}: no readable picture in class folder(s) {', '.join(unread)} "
                         f"({len(skipped)} file(s) could not be read, e.g. {skipped[0][1]})")
    return PictureFolder(np.stack(xs).astype(np.float32), np.asarray(ys, dtype=np.int64),
                         classes, skipped)
