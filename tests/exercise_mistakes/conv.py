# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of the convolution and pooling exercises (loops, as the course writes them)."""

import numpy as np


def zero_pad__shape(X, pad):
    return np.pad(X, pad, mode="constant")  # pads the batch and channel axes too


def conv_single_step__values(a_slice_prev, W, b):
    return float(np.sum(a_slice_prev * W))  # forgot + b


def conv_forward__shape(A_prev, W, b, hparameters):
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    n_H = (n_H_prev - f + pad) // stride + 1  # 2 * pad
    n_W = (n_W_prev - f + pad) // stride + 1
    a = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    Z = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            win = a[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            Z[:, h, w, :] = np.tensordot(win, W, axes=([1, 2, 3], [0, 1, 2])) + b[0, 0]
    return Z, (A_prev, W, b, hparameters)


def pool_forward__values(A_prev, hparameters, mode="max"):
    f, stride = hparameters["f"], hparameters["stride"]
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    n_H, n_W = (n_H_prev - f) // stride + 1, (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))
    for h in range(n_H):
        for w in range(n_W):
            win = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            A[:, h, w, :] = np.max(win, axis=(1, 2))  # ignores mode="average"
    return A, (A_prev, hparameters)


def conv_backward__upstream_ones(dZ, cache):
    A_prev, W, b, hparameters = cache
    stride, pad = hparameters["stride"], hparameters["pad"]
    f = W.shape[0]
    m, n_H, n_W, n_C = dZ.shape
    a = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    da, dW = np.zeros_like(a), np.zeros_like(W)
    for h in range(n_H):
        for w in range(n_W):
            vs, hs = h * stride, w * stride
            g = dZ[:, h, w, :]
            da[:, vs:vs + f, hs:hs + f, :] += np.tensordot(g, W, axes=([1], [3]))
            dW += np.tensordot(a[:, vs:vs + f, hs:hs + f, :], g, axes=([0], [0]))
    db = np.full((1, 1, 1, n_C), float(m * n_H * n_W))  # counts windows, ignores dZ
    return da[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :], dW, db


def _pool_backward(dA, cache, mode, max_uses_g=True, floor=False):
    A_prev, hparameters = cache
    f, stride = hparameters["f"], hparameters["stride"]
    dA_prev = np.zeros(A_prev.shape)
    _, n_H, n_W, _ = dA.shape
    for h in range(n_H):
        for w in range(n_W):
            vs, hs = h * stride, w * stride
            win = A_prev[:, vs:vs + f, hs:hs + f, :]
            g = dA[:, h:h + 1, w:w + 1, :]
            if mode == "max":
                mask = win == win.max(axis=(1, 2), keepdims=True)
                dA_prev[:, vs:vs + f, hs:hs + f, :] += mask * g if max_uses_g else mask
            else:
                dA_prev[:, vs:vs + f, hs:hs + f, :] += g // (f * f) if floor else g / (f * f)
    return dA_prev


def pool_backward__upstream_ones(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, max_uses_g=False)


def pool_backward__integer_division(dA, cache, mode="max"):
    return _pool_backward(dA, cache, mode, floor=True)


def _conv_backward(dZ, cache, assign=False, keep_pad=False):
    A_prev, W, b, hp = cache
    f, s, pad = W.shape[0], hp["stride"], hp["pad"]
    a = np.pad(A_prev, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    da, dW, db = np.zeros_like(a), np.zeros_like(W), np.zeros_like(b)
    for i in range(dZ.shape[0]):
        for h in range(dZ.shape[1]):
            for w in range(dZ.shape[2]):
                for c in range(dZ.shape[3]):
                    vs, hs = h * s, w * s
                    if assign:
                        da[i, vs:vs + f, hs:hs + f, :] = W[:, :, :, c] * dZ[i, h, w, c]
                    else:
                        da[i, vs:vs + f, hs:hs + f, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a[i, vs:vs + f, hs:hs + f, :] * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
    if keep_pad:
        return da, dW, db
    return da[:, pad:pad + A_prev.shape[1], pad:pad + A_prev.shape[2], :], dW, db


def conv_backward__values__assign(dZ, cache):
    return _conv_backward(dZ, cache, assign=True)  # `=` where overlapping windows need `+=`


def conv_backward__shape__padding(dZ, cache):
    return _conv_backward(dZ, cache, keep_pad=True)  # the padding is not cut off


def pool_backward__constant_factor(dA, cache, mode="max"):
    A_prev, hp = cache
    f, s = hp["f"], hp["stride"]
    out = np.zeros_like(A_prev)
    for i in range(dA.shape[0]):
        for h in range(dA.shape[1]):
            for w in range(dA.shape[2]):
                win = A_prev[i, h * s:h * s + f, w * s:w * s + f, :]
                if mode == "max":
                    out[i, h * s:h * s + f, w * s:w * s + f, :] += (
                        win == win.max(axis=(0, 1))) * dA[i, h, w, :]
                else:
                    out[i, h * s:h * s + f, w * s:w * s + f, :] += dA[i, h, w, :]  # no / (f f)
    return out
