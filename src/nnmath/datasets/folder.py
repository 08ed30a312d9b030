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
from pathlib import Path

import numpy as np

__all__ = ["IMAGE_EXTENSIONS", "load_image_folder"]

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
