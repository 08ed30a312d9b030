# nnmath lesson
# order: 13
# summary: Sobel x/y edges, blur, sharpen and other kernels on a photo; sizes; receptive field
# headline: receptive field of four 3x3 convs: {receptive_field_convs}; engine conv2d
# headline: against the plain kernels: {engine_vs_kernels_max_diff:.1e}

# %% [markdown]
# # Convolution: edges, blur, sharpen and output sizes
#
# A convolution slides a small kernel $K$ over the picture and takes a weighted sum at every
# position (deep-learning libraries compute cross-correlation and call it convolution):
#
# $$y_{i,j} = \sum_{u,v} K_{u,v}\, x_{is + u - p,\; js + v - p}$$
#
# with stride $s$ and padding $p$. The lecture's example: a $6 \times 6$ picture, bright on
# the left half, and the vertical-edge kernel.

# %%
import numpy as np

from nnmath import functional as F
from nnmath import kernels, lessons, plots

x6 = np.zeros((6, 6))
x6[:, :3] = 10.0
edge = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]])
y6 = kernels.apply_kernel(x6, edge)
print("the lecture's vertical edge: 6x6 image (left half 10, right half 0) * [[1,0,-1]]x3:")
print(y6.astype(int))

# %% [markdown]
# ## Fixed kernels on a photo
#
# Fixed kernels show what a learned first layer ends up doing. Sobel x responds to vertical
# edges, Sobel y (its transpose) to horizontal ones, a box filter blurs, the sharpen kernel
# boosts the centre against its neighbours:
#
# $$G_x = \begin{bmatrix} -1 & 0 & 1 \\ -2 & 0 & 2 \\ -1 & 0 & 1 \end{bmatrix}, \qquad
# G_y = G_x^T, \qquad |G| = \sqrt{G_x^2 + G_y^2}$$
#
# $K$ kernels give $K$ output channels: the engine's `conv2d` with a $(3, 3, 1, K)$ kernel
# computes all of them at once and must agree with the plain kernels.

# %%
names = ["identity", "sobel-x", "sobel-y", "blur", "gaussian", "sharpen", "laplacian",
         "emboss"]
grey = kernels.load_grey(lessons.photo())
print(f"photo (grey) {grey.shape}; applying {len(names)} kernels at once")
out = kernels.apply_kernels(grey, names)                     # (H-2, W-2, K)
magnitude = np.hypot(out[..., 1], out[..., 2])
for k, name in enumerate(names):
    print(f"  {name:10s} {np.round(kernels.get_kernel(name), 3).tolist()!s:50s} -> mean |y| "
          f"{np.abs(out[..., k]).mean():.4f}")
W = np.stack([kernels.get_kernel(n) for n in names], axis=-1)[:, :, None, :]  # (3, 3, 1, K)
y_engine = F.conv2d(grey[None, :, :, None], W).numpy()[0]
gap = float(np.max(np.abs(y_engine - out)))
print(f"engine conv2d with a (3, 3, 1, {len(names)}) kernel -> {y_engine.shape}: "
      f"{len(names)} channels, max difference from the plain kernels {gap:.1e}")

# edge detectors (weights summing to 0) are shown as |y|, the others clipped to [0, 1]
is_edge = [kernels.is_edge_detector(n) for n in names]
pictures = [grey[1:-1, 1:-1], *(kernels.for_display(out[..., k], e)
                                 for k, e in enumerate(is_edge)),
            kernels.for_display(magnitude, magnitude=True)]
titles = ["grey photo", *(f"|{n}|" if e else n for n, e in zip(names, is_edge, strict=True)),
          "edge magnitude"]
# Figure: The grey photo and the result of each kernel on it: the Sobel kernels light up
#   vertical and horizontal edges, blur and gaussian soften, sharpen and laplacian stress
#   fine detail, and the edge magnitude combines both Sobel directions.
plots.plot_image_grid(pictures, titles=titles, ncols=5, title="Fixed kernels on the photo")
h, w = pictures[0].shape
rows, cols = slice(int(0.2 * h), int(0.55 * h)), slice(int(0.3 * w), int(0.7 * w))
# Figure: The same results zoomed into the upper centre of the photo, where a 3 x 3 kernel's
#   effect is visible pixel by pixel.
fig = plots.plot_image_grid([p[rows, cols] for p in pictures], titles=titles, ncols=5,
                            title=f"Zoom: rows {rows.start}-{rows.stop}, columns "
                                  f"{cols.start}-{cols.stop}")

# %% [markdown]
# ## Output sizes and receptive fields
#
# Padding and stride set the output size; "same" padding keeps it:
#
# $$n_{\text{out}} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1, \qquad
# p_{\text{same}} = \frac{f - 1}{2}$$
#
# Stacking layers grows the receptive field, the part of the input one output sees:
#
# $$r_l = r_{l-1} + (f_l - 1) \prod_{i < l} s_i$$

# %%
sizes = {}
print("output size n_out = floor((n + 2p - f) / s) + 1:")
for n, f, s, p in [(6, 3, 1, 0), (6, 3, 1, 1), (7, 3, 2, 0), (7, 3, 2, 1), (28, 5, 1, 2),
                   (grey.shape[0], 3, 2, 1)]:
    formula = kernels.output_size(n, f, s, p)
    engine = F.conv2d(np.zeros((1, n, n, 1)), np.zeros((f, f, 1, 1)), strides=s,
                      padding=p).shape[1]
    sizes[f"n={n},f={f},s={s},p={p}"] = formula
    print(f"  n={n:<4} f={f} s={s} p={p}: formula {formula:<4} engine conv2d {engine}")
    assert formula == engine, "the output-size formula disagrees with conv2d"
rf = kernels.receptive_field([(3, 1)] * 4)
rf_pool = kernels.receptive_field([(3, 1), (3, 1), (2, 2), (3, 1), (3, 1), (2, 2), (3, 1)])
print(f"receptive field of four 3x3 conv layers: {rf} (grows by 2 per layer)")
print(f"with 2x2 pooling after every two convs: {rf_pool} (pooling doubles the growth)")
lessons.record(lecture_edge_output=y6, engine_vs_kernels_max_diff=gap, output_sizes=sizes,
               receptive_field_convs=rf, receptive_field_with_pooling=rf_pool,
               mean_abs_response={n: float(np.abs(out[..., k]).mean())
                                  for k, n in enumerate(names)})
