"""How a picture file becomes a model input: MNIST's digit preprocessing and photo resizing.

Two policies, chosen by what the model file records (``preprocessing["picture"]``):

**digits** (models trained on MNIST-style digits, 28 x 28 grey, light ink on black), the
steps MNIST itself used, so that a digit drawn on paper, on a screen or on a transparent
PNG reaches the model the way the training digits did:

1. *composite*: transparent pixels are laid onto a background ``b`` that contrasts with the
   opaque pixels: ``g = a L + (1 - a) b`` with luminance ``L = 0.299 R + 0.587 G + 0.114 B``
   and opacity ``a`` (both in [0, 1]); ``b = 1`` (white) when the opaque pixels are dark on
   average, else ``b = 0``. A black 7 on a transparent PNG is then a black 7 on white.
2. *polarity from the border*: the median ``m`` of a thin ring of border pixels is the
   background; the ink is on the side that departs further from it: ``ink = max(0, m - g)``
   when ``m - min(g) >= max(g) - m`` (dark on light paper becomes light on black), else
   ``max(0, g - m)``; then divided by its maximum. A picture whose ink never reaches
   ``BLANK_CONTRAST`` is *blank*.
3. *crop to the ink*: the bounding box of the pixels with ``ink > INK_LEVEL``. A box whose
   longest side is under ``MIN_INK_FRACTION`` of the picture's shorter side (and at least
   2 pixels) is a *speck*, not a digit: blown up to 20 px it would become a solid block that
   the model reads as some digit, so it is reported like a blank picture.
4. *scale the longest side to 20 px*, keeping the aspect ratio (anti-aliased resampling).
5. *centre by the centre of mass* in a 28 x 28 field: the 20-pixel box is placed so that its
   ink-weighted centre ``(sum_i i ink_i / sum_i ink_i)`` lands on the field's centre.

**photo** (every other picture model): transparent pixels composited onto white, then the
picture is resized to the model's ``image_size`` with the recorded ``aspect`` policy:
``"stretch"`` (resize both sides, the shape may change), ``"crop"`` (cut the centre to the
model's aspect ratio, then resize) or ``"pad"`` (fit the whole picture, fill the rest with the
border's median colour). A photo in which no pixel departs from the border's median colour by
``BLANK_CONTRAST`` (in any channel) is *blank* too.

A blank picture (``Prepared.blank``) is reported as "not sure" by :mod:`nnmath.predict`.

Example:
    >>> from nnmath.preprocess import digit_input
    >>> x = digit_input(rgba_uint8_picture)        # doctest: +SKIP
    >>> x.pixels.shape, x.blank                    # doctest: +SKIP
    ((28, 28), False)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ASPECT_POLICIES",
    "BLANK_CONTRAST",
    "DIGIT_BOX",
    "DIGIT_FIELD",
    "INK_LEVEL",
    "MIN_INK_FRACTION",
    "Prepared",
    "border_level",
    "composite",
    "digit_input",
    "photo_input",
    "to_rgba",
]

#: ink (distance from the background, 0..1) below this everywhere: a blank picture
BLANK_CONTRAST = 0.15
#: normalized ink above this counts for the crop box
INK_LEVEL = 0.2
#: ink whose box is shorter than this fraction of the picture's shorter side: a speck
MIN_INK_FRACTION = 0.03
#: MNIST's digit box (longest side) and field
DIGIT_BOX = 20
DIGIT_FIELD = 28
ASPECT_POLICIES = ("stretch", "crop", "pad")


@dataclass
class Prepared:
    """One picture as the model sees it: ``pixels`` (H, W) or (H, W, C) float32 in [0, 1],
    ``blank`` when nothing stands out from the background (``why`` says what was seen)."""

    pixels: np.ndarray
    blank: bool = False
    why: str = "a blank picture: nothing stands out from its background"


def to_rgba(picture: np.ndarray) -> np.ndarray:
    """Any (H, W), (H, W, 1|2|3|4) uint8 picture as (H, W, 4) float32 RGBA in [0, 1].

    Raises:
        ValueError: not a 2-D picture with 1 to 4 channels.
    """
    x = np.asarray(picture)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[2] not in (1, 2, 3, 4) or min(x.shape[:2]) < 1:
        raise ValueError(f"preprocess: expected a picture (H, W) or (H, W, C) with C in 1..4, "
                         f"got shape {x.shape}")
    x = x.astype(np.float32) / np.float32(255.0) if x.dtype == np.uint8 else \
        x.astype(np.float32)
    c = x.shape[2]
    rgb = np.repeat(x[..., :1], 3, axis=2) if c in (1, 2) else x[..., :3]
    alpha = x[..., -1:] if c in (2, 4) else np.ones_like(x[..., :1])
    return np.concatenate([rgb, alpha], axis=2)


def composite(rgba: np.ndarray, background: float | None = None) -> np.ndarray:
    """Grey picture ``g = a L + (1 - a) b`` from RGBA in [0, 1] (see the module docstring).

    Args:
        rgba: (H, W, 4) float in [0, 1].
        background: ``b`` in [0, 1]; None picks the one contrasting with the opaque pixels.

    Returns:
        (H, W) float32 in [0, 1].
    """
    lum = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # (H, W)
    a = rgba[..., 3]
    if background is None:
        weight = a.sum()
        ink = float((a * lum).sum() / weight) if weight > 0 else 0.0
        background = 1.0 if ink < 0.5 else 0.0
    return (a * lum + (1 - a) * np.float32(background)).astype(np.float32)


def border_level(grey: np.ndarray, frac: float = 0.04) -> float:
    """Median of the outer ring of pixels, ``max(1, frac * min(H, W))`` pixels wide."""
    h, w = grey.shape[:2]
    k = max(1, round(frac * min(h, w)))
    ring = np.concatenate([grey[:k].reshape(-1), grey[-k:].reshape(-1),
                           grey[k:-k, :k].reshape(-1), grey[k:-k, -k:].reshape(-1)])
    return float(np.median(ring))


def _resize(x: np.ndarray, h: int, w: int) -> np.ndarray:
    """Anti-aliased resize of a float (H, W) or (H, W, C) array (Pillow, per channel)."""
    from PIL import Image

    if x.ndim == 2:
        img = Image.fromarray(np.ascontiguousarray(x, dtype=np.float32), mode="F")
        return np.asarray(img.resize((w, h), Image.Resampling.LANCZOS), dtype=np.float32)
    return np.stack([_resize(x[..., c], h, w) for c in range(x.shape[2])], axis=2)


def digit_input(picture: np.ndarray) -> Prepared:
    """MNIST's preprocessing of one picture: (28, 28) float32 light ink on black, in [0, 1].

    Args:
        picture: (H, W) or (H, W, C) uint8 (C = 1, 2, 3 or 4; alpha is composited).

    Returns:
        :class:`Prepared` with ``pixels`` (28, 28); all zeros and ``blank=True`` when no ink
        stands out from the background by ``BLANK_CONTRAST``.

    Example:
        >>> pic = np.full((280, 280), 255, np.uint8); pic[60:220, 130:150] = 0   # a "1"
        >>> x = digit_input(pic); x.pixels.shape, x.blank, float(x.pixels.max())
        ((28, 28), False, 1.0)
    """
    grey = composite(to_rgba(picture))
    bg = border_level(grey)
    dark_ink = bg - float(grey.min()) >= float(grey.max()) - bg  # ink departs downwards
    ink = np.maximum(bg - grey, 0) if dark_ink else np.maximum(grey - bg, 0)  # (H, W)
    peak = float(ink.max())
    field = np.zeros((DIGIT_FIELD, DIGIT_FIELD), dtype=np.float32)
    if peak < BLANK_CONTRAST:
        return Prepared(field, blank=True)
    ink = ink / np.float32(peak)
    rows = np.flatnonzero((ink > INK_LEVEL).any(axis=1))
    cols = np.flatnonzero((ink > INK_LEVEL).any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    if max(h, w) < max(2.0, MIN_INK_FRACTION * min(grey.shape)):
        return Prepared(field, blank=True, why=f"only a speck of ink ({h} x {w} pixels), too "
                        "small to be a digit")
    scale = DIGIT_BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    box = np.clip(_resize(crop, nh, nw), 0, None)
    box = np.clip(box / max(float(box.max()), 1e-6), 0, 1)  # thin strokes keep full contrast
    mass = box.sum()
    com_r = float((box.sum(axis=1) * np.arange(nh)).sum() / mass)
    com_c = float((box.sum(axis=0) * np.arange(nw)).sum() / mass)
    centre = (DIGIT_FIELD - 1) / 2
    top = int(np.clip(round(centre - com_r), 0, DIGIT_FIELD - nh))
    left = int(np.clip(round(centre - com_c), 0, DIGIT_FIELD - nw))
    field[top:top + nh, left:left + nw] = box
    return Prepared(field)


def photo_input(picture: np.ndarray, size: tuple[int, int], aspect: str = "stretch",
                grayscale: bool = False) -> Prepared:
    """A photo resized to ``size`` = (height, width) with an aspect policy, in [0, 1].

    Args:
        picture: (H, W) or (H, W, C) uint8; alpha is composited onto white.
        size: the model's (height, width).
        aspect: ``"stretch"``, ``"crop"`` or ``"pad"`` (see the module docstring).
        grayscale: return (h, w, 1) luminance instead of (h, w, 3) RGB.

    Raises:
        ValueError: an unknown aspect policy.
    """
    if aspect not in ASPECT_POLICIES:
        raise ValueError(f"preprocess: expected aspect one of {', '.join(ASPECT_POLICIES)}, "
                         f"got {aspect!r}")
    rgba = to_rgba(picture)
    rgb = rgba[..., :3] * rgba[..., 3:] + (1 - rgba[..., 3:])  # (H, W, 3) onto white
    border = np.median(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]), axis=0)
    blank = float(np.abs(rgb - border).max()) < BLANK_CONTRAST  # one flat colour: nothing there
    th, tw = int(size[0]), int(size[1])
    h, w = rgb.shape[:2]
    if aspect == "crop":
        keep_h, keep_w = (h, max(1, round(h * tw / th))) if w * th > h * tw else \
            (max(1, round(w * th / tw)), w)
        top, left = (h - keep_h) // 2, (w - keep_w) // 2
        rgb = rgb[top:top + keep_h, left:left + keep_w]
    elif aspect == "pad":
        colour = border
        ph, pw = (h, max(w, round(h * tw / th))) if w * th <= h * tw else \
            (max(h, round(w * th / tw)), w)
        canvas = np.empty((ph, pw, 3), dtype=np.float32)
        canvas[:] = colour
        top, left = (ph - h) // 2, (pw - w) // 2
        canvas[top:top + h, left:left + w] = rgb
        rgb = canvas
    out = np.clip(_resize(rgb, th, tw), 0, 1)
    if grayscale:
        out = (out @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[..., None]
    return Prepared(out.astype(np.float32), blank=blank)
