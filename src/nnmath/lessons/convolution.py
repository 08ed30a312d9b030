"""Lesson: convolution with fixed kernels on a photo; output sizes; receptive fields."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nnmath import functional as F  # noqa: N812

if TYPE_CHECKING:
    from . import Context

TITLE = "Convolution: edges, blur, sharpen and output sizes"
SUMMARY = "Sobel x/y edges, blur, sharpen and other kernels on a photo; sizes; receptive field"
EXPLANATION = (
    "A convolution slides a small kernel over the picture and takes a weighted sum at every "
    "position (deep-learning libraries compute cross-correlation and call it convolution). "
    "Fixed kernels show what a learned first layer ends up doing: Sobel x responds to vertical "
    "edges, Sobel y to horizontal ones, a box filter blurs, the sharpen kernel boosts the "
    "centre against its neighbours. K kernels give K output channels: the engine's conv2d "
    "with a (3, 3, 1, K) kernel computes all of them at once and must agree with the plain "
    "kernels. Padding and stride set the output size; stacking layers grows the receptive "
    "field."
)
FORMULAS = [
    "y[i, j] = sum_{u, v} K[u, v] x[i s + u - p, j s + v - p]",
    "n_out = floor((n + 2p - f) / s) + 1;  'same' padding p = (f - 1) / 2",
    "Sobel x = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]];  Sobel y = its transpose",
    "edge magnitude = sqrt(G_x^2 + G_y^2)",
    "receptive field: r_l = r_{l-1} + (f_l - 1) * prod_{i<l} s_i",
]
LONG = False
NAMES = ["identity", "sobel-x", "sobel-y", "blur", "gaussian", "sharpen", "laplacian", "emboss"]


def run(ctx: Context) -> None:
    from nnmath import kernels, plots

    x6 = np.zeros((6, 6))
    x6[:, :3] = 10.0
    edge = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]])
    y6 = kernels.apply_kernel(x6, edge)
    print("the lecture's vertical edge: 6x6 image (left half 10, right half 0) * [[1,0,-1]]x3:")
    print(y6.astype(int))

    grey = kernels.load_grey(ctx.photo())
    print(f"\nphoto (grey) {grey.shape}; applying {len(NAMES)} kernels at once")
    out = kernels.apply_kernels(grey, NAMES)                     # (H-2, W-2, K)
    mag = np.hypot(out[..., 1], out[..., 2])
    for k, name in enumerate(NAMES):
        print(f"  {name:10s} {np.round(kernels.get_kernel(name), 3).tolist()!s:50s} -> mean |y| "
              f"{np.abs(out[..., k]).mean():.4f}")
    W = np.stack([kernels.get_kernel(n) for n in NAMES], axis=-1)[:, :, None, :]  # (3,3,1,K)
    y_engine = F.conv2d(grey[None, :, :, None], W).numpy()[0]
    gap = float(np.max(np.abs(y_engine - out)))
    print(f"engine conv2d with a (3, 3, 1, {len(NAMES)}) kernel -> {y_engine.shape}: "
          f"{len(NAMES)} channels, max difference from the plain kernels {gap:.1e}")
    # edge detectors (weights summing to 0) are shown as |y|, the others clipped to [0, 1]
    is_edge = [kernels.is_edge_detector(n) for n in NAMES]
    shown = [kernels.for_display(out[..., k], e) for k, e in enumerate(is_edge)]
    labels = [f"|{n}|" if e else n for n, e in zip(NAMES, is_edge, strict=True)]
    pictures = [grey[1:-1, 1:-1], *shown, kernels.for_display(mag, magnitude=True)]
    titles = ["grey photo", *labels, "edge magnitude"]
    plots.plot_image_grid(pictures, titles=titles, ncols=5, title="Fixed kernels on the photo",
                          path=ctx.figure("kernels"))
    # a 3x3 kernel changes little at the scale of a whole photo: zoom into the upper centre
    h, w = pictures[0].shape
    rows, cols = slice(int(0.2 * h), int(0.55 * h)), slice(int(0.3 * w), int(0.7 * w))
    plots.plot_image_grid([x[rows, cols] for x in pictures], titles=titles, ncols=5,
                          title=f"Zoom: rows {rows.start}-{rows.stop}, columns "
                                f"{cols.start}-{cols.stop}", path=ctx.figure("kernels-zoom"))

    print("\noutput size n_out = floor((n + 2p - f) / s) + 1:")
    sizes = {}
    for n, f, s, p in [(6, 3, 1, 0), (6, 3, 1, 1), (7, 3, 2, 0), (7, 3, 2, 1), (28, 5, 1, 2),
                       (grey.shape[0], 3, 2, 1)]:
        formula = kernels.output_size(n, f, s, p)
        got = F.conv2d(np.zeros((1, n, n, 1)), np.zeros((f, f, 1, 1)), strides=s,
                       padding=p).shape[1]
        sizes[f"n={n},f={f},s={s},p={p}"] = formula
        print(f"  n={n:<4} f={f} s={s} p={p}: formula {formula:<4} engine conv2d {got}")
        if formula != got:
            raise RuntimeError(f"output size formula {formula} disagrees with conv2d's {got}")
    stack = [(3, 1)] * 4
    rf = kernels.receptive_field(stack)
    rf_pool = kernels.receptive_field([(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1)])
    print(f"\nreceptive field of four 3x3 conv layers: {rf} (grows by 2 per layer)")
    print(f"with 2x2 pooling after every two convs: {rf_pool} (pooling doubles the growth)")
    ctx.record(lecture_edge_output=y6, engine_vs_kernels_max_diff=gap, output_sizes=sizes,
               receptive_field_convs=rf, receptive_field_with_pooling=rf_pool,
               mean_abs_response={n: float(np.abs(out[..., k]).mean())
                                  for k, n in enumerate(NAMES)})
