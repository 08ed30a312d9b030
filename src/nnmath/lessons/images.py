"""Lesson: a photo as a (H, W, C) array; channels; flattening and normalizing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from . import Context

TITLE = "Images are arrays"
SUMMARY = "a photo as (H, W, C) numbers, its R, G, B channels, flattening and normalizing"
EXPLANATION = (
    "A colour photo is a 3-D array of shape (height, width, 3): one 0..255 intensity per pixel "
    "and channel (red, green, blue). Each channel alone is a grey-scale picture. A classic "
    "network reads the picture as one long column of H*W*3 numbers (flattening, as the cat "
    "classifier does with 64x64x3 = 12288) scaled to [0, 1] (normalizing). The photo is "
    "matplotlib's bundled Grace Hopper portrait unless --image PATH is given."
)
FORMULAS = [
    "image: x in {0..255}^(H x W x 3);  channel c: x[:, :, c] in {0..255}^(H x W)",
    "flatten: (H, W, C) -> (H*W*C, 1), row by row, channels innermost",
    "normalize: x / 255 in [0, 1];  standardize: (x - mean) / std per channel",
]
LONG = False


def run(ctx: Context) -> None:
    from nnmath import images, plots

    path = ctx.photo()
    x = images.load_image(path, mode="RGB")
    h, w, _c = x.shape
    print(f"photo: {path.name}  shape (H, W, C) = {x.shape}  dtype {x.dtype}  "
          f"{x.size:,} numbers  min {x.min()} max {x.max()}")
    print(f"pixel at the centre (row {h // 2}, col {w // 2}): R, G, B = {x[h // 2, w // 2]}")
    chans = images.split_channels(x)
    means = [float(ch.mean()) for ch in chans]
    print("channel means R, G, B = " + ", ".join(f"{m:.2f}" for m in means))
    plots.plot_channels(x, path=ctx.figure("channels"))
    small = images.resize(x, (64, 64))
    col = images.flatten(small)
    print(f"\nresized to {small.shape}, flattened to a column {col.shape} "
          f"(64 * 64 * 3 = {64 * 64 * 3}); first values {col[:6, 0]}")
    scaled = images.normalize(small)
    std = images.normalize(small, method="standardize")
    print(f"normalized x / 255: dtype {scaled.dtype}, range [{scaled.min():.3f}, "
          f"{scaled.max():.3f}]; standardized: mean {std.mean():.2e}, std {std.std():.3f}")
    grey = images.to_grayscale(x)
    plots.plot_image_grid([x, grey, small, scaled], titles=[
        f"original {x.shape}", f"grey {grey.shape}", f"resized {small.shape}", "normalized / 255"],
        ncols=4, path=ctx.figure("transforms"))
    ctx.record(shape=list(x.shape), channel_means=means, flattened_shape=list(col.shape),
               scaled_range=[float(scaled.min()), float(scaled.max())],
               standardized_mean=float(std.mean()), standardized_std=float(std.std()),
               centre_pixel=np.asarray(x[h // 2, w // 2]))
