# nnmath lesson
# order: 1
# summary: a photo as (H, W, C) numbers, its R, G, B channels, flattening and normalizing

# %% [markdown]
# # Images are arrays
#
# A colour photo is a 3-D array of shape (height, width, 3): one intensity from 0 to 255 per
# pixel and channel (red, green, blue). Each channel alone is a grey-scale picture:
#
# $$x \in \{0, \dots, 255\}^{H \times W \times 3}, \qquad
# x_{:,:,c} \in \{0, \dots, 255\}^{H \times W}$$
#
# The photo is matplotlib's bundled portrait of Grace Hopper, unless you pass your own
# (`nnmath lessons images --image me.jpg`, or `NNMATH_IMAGE=me.jpg` for the notebook).

# %%
from nnmath import images, lessons, plots

path = lessons.photo()
x = images.load_image(path, mode="RGB")
h, w, c = x.shape
print(f"photo: {path.name}  shape (H, W, C) = {x.shape}  dtype {x.dtype}  "
      f"{x.size:,} numbers  min {x.min()} max {x.max()}")
print(f"pixel at the centre (row {h // 2}, col {w // 2}): R, G, B = {x[h // 2, w // 2]}")
means = [float(ch.mean()) for ch in images.split_channels(x)]
print("channel means R, G, B = " + ", ".join(f"{m:.2f}" for m in means))
# Figure: The photo and its red, green and blue channels, each channel drawn as a grey-scale
#   picture: bright where that colour is strong.
fig = plots.plot_channels(x)

# %% [markdown]
# ## Flattening and normalizing
#
# A classic network reads a picture as one long column of $H \cdot W \cdot 3$ numbers
# (the cat classifier flattens $64 \times 64 \times 3 = 12288$), row by row with the
# channels innermost, scaled to $[0, 1]$:
#
# $$x_{\text{flat}} \in \mathbb{R}^{HWC \times 1}, \qquad x' = \frac{x}{255}, \qquad
# x'' = \frac{x - \mu}{\sigma}$$

# %%
small = images.resize(x, (64, 64))
col = images.flatten(small)
print(f"resized to {small.shape}, flattened to a column {col.shape} "
      f"(64 * 64 * 3 = {64 * 64 * 3}); first values {col[:6, 0]}")
scaled = images.normalize(small)
std = images.normalize(small, method="standardize")
print(f"normalized x / 255: dtype {scaled.dtype}, range [{scaled.min():.3f}, "
      f"{scaled.max():.3f}]; standardized: mean {std.mean():.2e}, std {std.std():.3f}")
grey = images.to_grayscale(x)
# Figure: The same photo four ways: the original, converted to grey, resized to 64 x 64
#   pixels (blocky) and divided by 255 (looks the same: only the number range changed).
plots.plot_image_grid([x, grey, small, scaled], titles=[
    f"original {x.shape}", f"grey {grey.shape}", f"resized {small.shape}", "normalized / 255"],
    ncols=4)
lessons.record(shape=list(x.shape), channel_means=means, flattened_shape=list(col.shape),
               scaled_range=[float(scaled.min()), float(scaled.max())],
               standardized_mean=float(std.mean()), standardized_std=float(std.std()),
               centre_pixel=x[h // 2, w // 2])
