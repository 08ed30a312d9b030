"""Shape primitives: reshape, transpose, indexing, concat, stack, pad."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor, gradcheck
from nnmath import functional as F


def check(fn, *inputs, **kw):
    report = gradcheck(fn, *inputs, **kw)
    assert report.passed, report


@pytest.mark.parametrize(
    ("op", "ref"),
    [
        (lambda t: t.reshape(4, 6), lambda a: a.reshape(4, 6)),
        (lambda t: t.reshape(-1, 2), lambda a: a.reshape(-1, 2)),
        (lambda t: t.flatten(), lambda a: a.ravel()),
        (lambda t: t.T, lambda a: a.T),
        (lambda t: t.transpose(), lambda a: a.transpose()),
        (lambda t: t.transpose(1, 0, 2), lambda a: a.transpose(1, 0, 2)),
        (lambda t: t.transpose(-1, 0, 1), lambda a: a.transpose(-1, 0, 1)),
        (lambda t: t.transpose(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ],
)
def test_reshape_and_transpose(op, ref, rng):
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_array_equal(op(Tensor(x)).data, ref(x))
    check(op, x)


INDICES = [
    1,
    -1,
    slice(None, None, -1),
    (slice(None), 2),
    (Ellipsis, 1),
    (None, 0, slice(1, 3)),
    np.array([0, 2, 0, 0]),  # repeated rows: their gradients add up
    (np.array([0, 1, 1]), np.array([3, 0, 0])),
    (slice(None), [0, 0, 2]),
]


@pytest.mark.parametrize("index", INDICES, ids=[str(i) for i in range(len(INDICES))])
def test_getitem(index, rng):
    x = rng.normal(size=(3, 4))
    np.testing.assert_array_equal(Tensor(x)[index].data, x[index])
    check(lambda t: t[index], x)


def test_getitem_with_boolean_mask_and_tensor_index(rng):
    x = rng.normal(size=(3, 4))
    mask = x > 0
    np.testing.assert_array_equal(Tensor(x)[Tensor(mask)].data, x[mask])
    check(lambda t: t[mask], x)
    idx = Tensor(np.array([2, 2]))
    check(lambda t: t[idx], x)


def test_repeated_index_gradient_is_summed():
    x = Tensor(np.zeros(3), requires_grad=True)
    x[np.array([1, 1, 1, 2])].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad, [0.0, 6.0, 4.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat(axis, rng):
    shapes = {0: [(2, 3), (1, 3), (4, 3)], 1: [(2, 1), (2, 3), (2, 2)], -1: [(2, 2)] * 3}[axis]
    xs = [rng.normal(size=s) for s in shapes]
    y = F.concat([Tensor(x) for x in xs], axis=axis)
    np.testing.assert_array_equal(y.data, np.concatenate(xs, axis=axis))
    check(lambda a, b, c: F.concat([a, b, c], axis=axis), *xs)


def test_concat_same_tensor_twice_and_constants(rng):
    x = rng.normal(size=(2, 2))
    check(lambda a: F.concat([a, np.ones((1, 2)), a], axis=0), x)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis, rng):
    xs = [rng.normal(size=(2, 3)) for _ in range(3)]
    y = F.stack([Tensor(x) for x in xs], axis=axis)
    np.testing.assert_array_equal(y.data, np.stack(xs, axis=axis))
    check(lambda a, b, c: F.stack([a, b, c], axis=axis), *xs)


@pytest.mark.parametrize(
    "pad_width", [1, (1, 2), ((0, 0), (2, 1)), [[1, 0], [0, 3]], ((1, 1),), 0]
)
def test_pad(pad_width, rng):
    x = rng.normal(size=(2, 3))
    y = F.pad(Tensor(x), pad_width)
    np.testing.assert_array_equal(y.data, np.pad(x, pad_width))
    check(lambda t: F.pad(t, pad_width), x)


def test_pad_nhwc_images_keeps_float32(rng):
    x = Tensor(rng.normal(size=(2, 4, 4, 3)).astype(np.float32), requires_grad=True)
    y = F.pad(x, ((0, 0), (1, 1), (2, 2), (0, 0)))
    assert y.shape == (2, 6, 8, 3) and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and np.all(x.grad == 1)


def test_shape_ops_keep_float32(rng):
    x = Tensor(rng.normal(size=(2, 3)).astype(np.float32), requires_grad=True)
    y = F.stack([x.T.reshape(6)[::2], x[1]], axis=0)
    z = F.concat([y, y], axis=1).sum()
    assert z.dtype == np.float32
    z.backward()
    assert x.grad.dtype == np.float32


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"reshape: .*shape \(2, 3\) \(6 elements\) into \(4,\)"):
        Tensor(np.ones((2, 3))).reshape(4)
    with pytest.raises(ValueError, match=r"concat: cannot join shapes \(2, 3\), \(2, 4\) along"):
        F.concat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))], axis=0)
    with pytest.raises(ValueError, match="concat: expected at least one tensor"):
        F.concat([])
    with pytest.raises(ValueError, match=r"stack: .*same shape, got \(2,\), \(3,\)"):
        F.stack([Tensor(np.ones(2)), Tensor(np.ones(3))])
    with pytest.raises(ValueError, match=r"pad: pad_width must be non-negative.*got -1"):
        F.pad(Tensor(np.ones(2)), -1)
    with pytest.raises(ValueError, match=r"pad: .*rank 2; got \(1, 2, 3\)"):
        F.pad(Tensor(np.ones((2, 2))), (1, 2, 3))
    with pytest.raises(ValueError, match=r"pad: .*got 1.5"):
        F.pad(Tensor(np.ones(2)), 1.5)


@pytest.mark.parametrize("axes", [(0, 0), (0, 1, 2), (2, 0)])
def test_transpose_with_bad_axes_names_the_shape(axes):
    with pytest.raises(ValueError, match=r"^transpose: axes .* tensor of shape \(2, 3\)"):
        Tensor(np.ones((2, 3))).transpose(*axes)


def test_index_out_of_range_is_an_index_error_naming_the_shape():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(IndexError, match=r"^getitem: index 5 .*tensor of shape \(2, 3\)"):
        t[5]
    with pytest.raises(IndexError, match=r"^getitem: index 7 .*axis 1"):
        t[:, np.array([0, 7])]
    rows = list(t)  # iteration stops at the IndexError, as for NumPy arrays
    assert len(rows) == 2 and np.array_equal(rows[1].data, [3.0, 4.0, 5.0])


def test_zero_d_tensors_through_the_shape_ops(rng):
    a, b = rng.normal(size=()), rng.normal(size=())
    np.testing.assert_array_equal(Tensor(a).reshape(1, 1).data, np.reshape(a, (1, 1)))
    np.testing.assert_array_equal(F.stack([Tensor(a), Tensor(b)]).data, np.stack([a, b]))
    np.testing.assert_array_equal(Tensor(np.array([a, b]))[1].data, b)
    check(lambda s, t: F.stack([s, t * s]).reshape(2, 1)[::-1], a, b)
    check(lambda v: v[1].reshape(()) * v[0], np.array([a, b]))
