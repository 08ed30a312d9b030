"""Image files <-> NumPy arrays: "a digital image is a multi-dimensional matrix".

An image is a channels-last array ``(H, W, C)``: a 960x540 RGBA photo is ``(540, 960, 4)``
uint8, each channel a grey-scale ``(540, 960)`` matrix, and a data set of images is
``(N, H, W, C)``. Grey-scale images keep a channel axis: ``(H, W, 1)``.

Pillow is imported only inside the functions that read, write or resize files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = [
    "GRAY_WEIGHTS",
    "flatten",
    "load_image",
    "make_grid",
    "normalize",
    "resize",
    "save_image",
    "split_channels",
    "to_grayscale",
]

# ITU-R BT.601 luma weights for R, G, B (the ones Pillow's "L" conversion uses)
GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114])

_RESAMPLE = {"nearest": 0, "bilinear": 2, "bicubic": 3, "lanczos": 1, "box": 4, "hamming": 5}


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('nnmath.images needs Pillow; pip install "nnmath[data]"') from None
    return Image


def _hw(size: int | tuple[int, int], where: str) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in size)):
        raise ValueError(f"{where}: expected size an int or (height, width) of ints >= 1, "
                         f"got {size!r}")
    return int(size[0]), int(size[1])


def _grey_to_8bit(a: np.ndarray, mode: str) -> np.ndarray:
    """High bit-depth grey to uint8: ``round(v * 255 / top)``, clipped to 0..255.

    ``top`` is 65535 for 16-bit modes ("I;16*", and "I" holding values above 255), 1 for
    float ("F") images whose values lie in [0, 1], else 255 (values kept, clipped).
    """
    a = a.astype(np.float64)
    top = 255.0
    if mode.startswith("I;16") or (mode == "I" and a.size and a.max() > 255):
        top = 65535.0
    elif mode == "F" and a.size and a.min() >= 0 and a.max() <= 1:
        top = 1.0
    return np.clip(np.rint(a * (255.0 / top)), 0, 255).astype(np.uint8)


def _convert(img, keep: str | None):
    """Pillow image in a mode that maps to a uint8 (H, W[, C]) array: L, LA, RGB, RGBA.

    16-bit and float grey images are scaled to 0..255 first (Pillow's own conversion would
    clip them, turning a 16-bit picture almost white).
    """
    if img.mode.startswith("I") or img.mode == "F":
        img = _pil().fromarray(_grey_to_8bit(np.asarray(img), img.mode))
    if keep is not None:
        img = img.convert(keep)
    elif img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode == "PA":
        img = img.convert("RGBA")
    elif img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGB" if img.mode in ("CMYK", "YCbCr", "LAB", "HSV") else "L")
    return img


def load_image(
    path: str | os.PathLike[str],
    size: int | tuple[int, int] | None = None,
    mode: str | None = None,
    resample: str = "bilinear",
) -> np.ndarray:
    """Read an image file (JPEG, PNG with alpha, grey-scale, palette, ...) as (H, W, C) uint8.

    Args:
        path: the image file.
        size: resize to ``(height, width)`` (an int means a square), or None to keep.
        mode: Pillow mode to convert to ("RGB", "RGBA", "L", ...); None keeps grey as
            (H, W, 1), grey+alpha as (H, W, 2), RGB, RGBA; palette images become RGB
            (RGBA when they have transparency).
        resample: "nearest", "bilinear", "bicubic", "lanczos", "box" or "hamming".

    Returns:
        uint8 array (H, W, C), C in {1, 2, 3, 4}.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not an image file, or a truncated / corrupt image.

    Example:
        >>> load_image("photo.png").shape             # a 960x540 RGBA PNG  # doctest: +SKIP
        (540, 960, 4)
    """
    Image = _pil()
    path = Path(path)
    where = f"load_image({path.name})"
    if not path.is_file():
        what = "a folder, not an image file" if path.is_dir() else "no such file"
        raise FileNotFoundError(f"{where}: {what}: {path}")
    try:
        with Image.open(path) as img:
            img.load()
            img = _convert(img, mode)
            if size is not None:
                h, w = _hw(size, where)
                img = img.resize((w, h), _RESAMPLE[_resample_key(resample, where)])
            arr = np.asarray(img)
    except Image.UnidentifiedImageError as exc:
        raise ValueError(f"{where}: not an image file Pillow can read ({path})") from exc
    except (OSError, SyntaxError, EOFError) as exc:
        raise ValueError(f"{where}: truncated or corrupt image ({exc})") from exc
    if arr.dtype != np.uint8:  # a mode= the caller chose that is not 8-bit, e.g. "I" or "F"
        raise ValueError(f"{where}: mode={mode!r} gives {arr.dtype} pixels; expected an 8-bit "
                         "mode such as 'L', 'RGB' or 'RGBA'")
    return arr[..., None] if arr.ndim == 2 else arr


def _resample_key(resample: str, where: str) -> str:
    if resample not in _RESAMPLE:
        raise ValueError(f"{where}: expected resample in {sorted(_RESAMPLE)}, got {resample!r}")
    return resample


def _check_image(x: np.ndarray, where: str, batch_ok: bool = True) -> np.ndarray:
    x = np.asarray(x)
    ok = x.ndim == 3 or (batch_ok and x.ndim == 4)
    if not ok:
        raise ValueError(
            f"{where}: expected an image (H, W, C){' or a batch (N, H, W, C)' if batch_ok else ''}"
            f", got shape {x.shape}; add a channel axis with x[..., None] for grey (H, W)"
        )
    return x


def split_channels(x: np.ndarray) -> list[np.ndarray]:
    """Split a channels-last image into its channels: ``[x[..., 0], x[..., 1], ...]`` (views).

    Args:
        x: image (H, W, C) or batch (N, H, W, C).

    Returns:
        C arrays of shape (H, W) (or (N, H, W)), each a grey-scale image.

    Example:
        >>> r, g, b = split_channels(np.zeros((540, 960, 3), np.uint8)); r.shape
        (540, 960)
    """
    x = _check_image(x, "split_channels")
    return [x[..., c] for c in range(x.shape[-1])]


def to_grayscale(x: np.ndarray, keepdims: bool = True) -> np.ndarray:
    """Luma of an RGB(A) image: ``Y = 0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601; alpha ignored).

    Args:
        x: (H, W, C) or (N, H, W, C) with C = 3 or 4 (C = 1 is returned unchanged).
        keepdims: keep the channel axis (..., H, W, 1); False gives (..., H, W), the grey
            matrix that e.g. ``nnmath.kernels.apply_kernels`` takes.

    Returns:
        (..., H, W, 1) or (..., H, W): uint8 (rounded) for uint8 input, float otherwise.

    Raises:
        ValueError: C not in {1, 3, 4}.

    Example:
        >>> to_grayscale(np.array([[[255, 0, 0]]], np.uint8))
        array([[[76]]], dtype=uint8)
    """
    x = _check_image(x, "to_grayscale")
    c = x.shape[-1]
    if c == 1:
        return x if keepdims else x[..., 0]
    if c not in (3, 4):
        raise ValueError(f"to_grayscale: expected 1, 3 (RGB) or 4 (RGBA) channels, got shape "
                         f"{x.shape}")
    y = x[..., :3] @ GRAY_WEIGHTS.astype(np.float32 if x.dtype != np.float64 else np.float64)
    if keepdims:
        y = y[..., None]
    if x.dtype == np.uint8:
        return np.clip(np.rint(y), 0, 255).astype(np.uint8)
    return y


def resize(
    x: np.ndarray, size: int | tuple[int, int], resample: str = "bilinear"
) -> np.ndarray:
    """Resize an image or a batch to ``(height, width)`` with Pillow's filters.

    uint8 images are resized as such; float images channel by channel in float32 (Pillow mode
    "F"), so values are not clipped to 0..255.

    Args:
        x: (H, W, C) or (N, H, W, C), uint8 or float.
        size: ``(height, width)`` or an int for a square.
        resample: "nearest", "bilinear", "bicubic", "lanczos", "box" or "hamming".

    Returns:
        (h, w, C) or (N, h, w, C): uint8 for uint8 input, float32 otherwise.

    Example:
        >>> resize(np.zeros((540, 960, 3), np.uint8), (64, 64)).shape
        (64, 64, 3)
    """
    Image = _pil()
    x = _check_image(x, "resize")
    h, w = _hw(size, "resize")
    method = _RESAMPLE[_resample_key(resample, "resize")]
    if x.ndim == 4:  # Pillow works one picture at a time
        return np.stack([resize(img, (h, w), resample) for img in x]) if len(x) else \
            np.empty((0, h, w, x.shape[-1]), x.dtype)
    if x.dtype == np.uint8 and x.shape[-1] in (1, 3, 4):
        img = Image.fromarray(x[..., 0] if x.shape[-1] == 1 else x)
        out = np.asarray(img.resize((w, h), method))
        return out[..., None] if out.ndim == 2 else out
    planes = [
        np.asarray(Image.fromarray(np.ascontiguousarray(x[..., c], np.float32), mode="F")
                   .resize((w, h), method))
        for c in range(x.shape[-1])
    ]
    out = np.stack(planes, axis=-1)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8) if x.dtype == np.uint8 else out


def normalize(
    x: np.ndarray,
    method: str = "scale",
    mean: np.ndarray | float | None = None,
    std: np.ndarray | float | None = None,
    eps: float = 1e-8,
) -> np.ndarray:
    """Scale pixel values to floats: ``x / 255`` or per-channel ``(x - mean) / (std + eps)``.

    Args:
        x: uint8 or float array, channels last.
        method: "scale" (x / 255, values in [0, 1]) or "standardize".
        mean, std: statistics to reuse (e.g. the training set's); by default computed per
            channel over every axis but the last.
        eps: added to std in "standardize".

    Returns:
        float32 array of x's shape.

    Raises:
        ValueError: unknown method, non-numeric pixels, or mean / std that are neither a
            scalar nor one value per channel.

    Example:
        >>> normalize(np.array([0, 51, 255], np.uint8))
        array([0. , 0.2, 1. ], dtype=float32)
    """
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
        raise ValueError(f"normalize: expected numeric pixels (uint8 or float), got dtype "
                         f"{x.dtype}")
    if method not in ("scale", "standardize"):
        raise ValueError(f"normalize: expected method 'scale' or 'standardize', got {method!r}")
    xf = x.astype(np.float32)
    if method == "scale":
        xf /= np.float32(255.0)
        return xf
    axes = tuple(range(xf.ndim - 1)) if xf.ndim > 1 else None
    stats = []
    for name, given, compute in (("mean", mean, np.mean), ("std", std, np.std)):
        v = compute(xf, axis=axes) if given is None else np.asarray(given, np.float32)
        if v.ndim > 1 or (v.size != 1 and (xf.ndim == 0 or v.size != xf.shape[-1])):
            raise ValueError(f"normalize: expected {name} a scalar or one value per channel "
                             f"({xf.shape[-1] if xf.ndim else 1}), got shape {v.shape}")
        stats.append(v)
    return (xf - stats[0]) / (stats[1] + np.float32(eps))


def flatten(x: np.ndarray, layout: str = "columns", batch: bool | None = None) -> np.ndarray:
    """Unroll images into vectors: columns ``(H*W*C, m)`` (classic lessons) or rows ``(m, H*W*C)``.

    The classic course does ``X.reshape(X.shape[0], -1).T``: each image, unrolled in C order
    (row by row, channels innermost), becomes one column.

    Args:
        x: one image (H, W, C) or a batch (N, H, W, C) (or any (N, ...) with ``batch=True``).
        layout: "columns" -> (H*W*C, m); "rows" -> (m, H*W*C).
        batch: whether axis 0 counts samples; default: True for 4-D input, False for 3-D.

    Returns:
        2-D array (a view when possible).

    Example:
        >>> flatten(np.zeros((209, 64, 64, 3))).shape
        (12288, 209)
        >>> flatten(np.zeros((64, 64, 3))).shape
        (12288, 1)
    """
    x = np.asarray(x)
    if batch is None:
        batch = x.ndim == 4
    if x.ndim == 0 or (batch and x.ndim < 2):
        raise ValueError(f"flatten: expected an image or a batch of images, got shape {x.shape}")
    rows = x.reshape(x.shape[0], -1) if batch else x.reshape(1, -1)
    if layout == "rows":
        return rows
    if layout == "columns":
        return rows.T
    raise ValueError(f"flatten: expected layout 'columns' or 'rows', got {layout!r}")


def _to_uint8(x: np.ndarray, where: str) -> np.ndarray:
    if x.dtype == np.uint8:
        return x
    if np.issubdtype(x.dtype, np.floating):
        bad = int(x.size - np.count_nonzero(np.isfinite(x)))
        if bad:
            raise ValueError(f"{where}: expected finite pixels, got {bad} NaN or infinite "
                             "values; replace them first (np.nan_to_num)")
        if x.size and (x.min() < 0 or x.max() > 1):
            raise ValueError(
                f"{where}: expected float pixels in [0, 1] (or uint8 0..255), got values in "
                f"[{x.min():.3g}, {x.max():.3g}]; rescale first"
            )
        return np.rint(x * 255).astype(np.uint8)
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        if x.size and (x.min() < 0 or x.max() > 255):
            raise ValueError(f"{where}: expected integer pixels in 0..255, got values in "
                             f"[{x.min()}, {x.max()}]")
        return x.astype(np.uint8)
    raise ValueError(f"{where}: expected uint8 or float pixels, got dtype {x.dtype}")


def save_image(path: str | os.PathLike[str], x: np.ndarray) -> Path:
    """Write an image array to a file; the format follows the extension (.png, .jpg, ...).

    Args:
        path: destination file.
        x: (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); uint8 0..255 or float in [0, 1].

    Returns:
        ``path`` as a Path.

    Raises:
        FileNotFoundError: the destination folder does not exist.
        ValueError: another shape, values out of range or not finite, or an unknown file
            extension.

    Example:
        >>> save_image("/tmp/cat.png", x_train[0])              # doctest: +SKIP
    """
    Image = _pil()
    x = np.asarray(x)
    path = Path(path)
    where = f"save_image({path.name})"
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if not (x.ndim == 2 or (x.ndim == 3 and x.shape[-1] in (3, 4))):
        raise ValueError(f"{where}: expected (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got "
                         f"shape {x.shape}")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{where}: folder {path.parent} does not exist; create it first")
    img = Image.fromarray(np.ascontiguousarray(_to_uint8(x, where)))
    if img.mode == "RGBA" and path.suffix.lower() in (".jpg", ".jpeg"):
        raise ValueError(f"{where}: JPEG has no alpha channel; save as .png or drop x[..., 3]")
    try:
        img.save(path)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{where}: unknown image format for {path.suffix!r}; use .png or .jpg") \
            from exc
    return path


def make_grid(
    x: np.ndarray, ncols: int | None = None, padding: int = 2, pad_value: float = 0
) -> np.ndarray:
    """Tile a batch of images into one picture, row by row, with ``padding`` pixels between.

    Result size: ``rows * (H + p) + p`` by ``ncols * (W + p) + p`` with
    ``rows = ceil(N / ncols)``; empty cells are filled with ``pad_value``.

    Args:
        x: (N, H, W, C) or grey (N, H, W).
        ncols: images per row (default ``ceil(sqrt(N))``).
        padding: pixels around and between images (>= 0).
        pad_value: value of the padding.

    Returns:
        (H_grid, W_grid, C), or (H_grid, W_grid) for grey input; x's dtype.

    Example:
        >>> make_grid(np.zeros((10, 28, 28), np.uint8), ncols=5, padding=2).shape
        (62, 152)
    """
    x = np.asarray(x)
    grey = x.ndim == 3
    if grey:
        x = x[..., None]
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(f"make_grid: expected a non-empty batch (N, H, W, C) or (N, H, W), got "
                         f"shape {x.shape}")
    n, h, w, c = x.shape
    ncols = int(np.ceil(np.sqrt(n))) if ncols is None else ncols
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
               for v in (ncols, padding)) or ncols < 1 or padding < 0:
        raise ValueError(f"make_grid: expected ints ncols >= 1 and padding >= 0, got "
                         f"ncols={ncols!r}, padding={padding!r}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    p = int(padding)
    cells = np.full((nrows * ncols, h + p, w + p, c), pad_value, dtype=x.dtype)
    cells[:n, p:, p:] = x  # each cell: padding on top and left, image bottom-right
    grid = cells.reshape(nrows, ncols, h + p, w + p, c).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(nrows * (h + p), ncols * (w + p), c)
    out = np.full((grid.shape[0] + p, grid.shape[1] + p, c), pad_value, dtype=x.dtype)
    out[: grid.shape[0], : grid.shape[1]] = grid
    return out[..., 0] if grey else out
