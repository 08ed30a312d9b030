"""One sub-folder per class of image files -> (x, y, class_names)."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath.datasets import load_image_folder
from nnmath.images import save_image


@pytest.fixture
def photos(tmp_path, rng):
    colors = {"cat": (255, 0, 0), "dog": (0, 0, 255)}
    for name, sizes in (("dog", [(20, 30), (8, 8)]), ("cat", [(10, 10), (16, 12), (5, 9)])):
        (tmp_path / name).mkdir()
        for i, (h, w) in enumerate(sizes):
            save_image(tmp_path / name / f"{i}.png", np.full((h, w, 3), colors[name], np.uint8))
    (tmp_path / "cat" / "notes.txt").write_text("ignored")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def test_load_image_folder(photos):
    x, y, names = load_image_folder(photos, (6, 7))
    assert names == ["cat", "dog"]
    assert x.shape == (5, 6, 7, 3) and x.dtype == np.uint8
    assert y.tolist() == [0, 0, 0, 1, 1] and y.dtype == np.int64
    np.testing.assert_array_equal(x[y == 0][..., 0], 255)  # cats are red
    np.testing.assert_array_equal(x[y == 1][..., 2], 255)  # dogs are blue
    g, _, _ = load_image_folder(photos, 4, mode="L")
    assert g.shape == (5, 4, 4, 1)
    _, y2, names2 = load_image_folder(photos, 4, classes=["dog", "cat"])
    assert names2 == ["dog", "cat"] and y2.tolist() == [0, 0, 1, 1, 1]


def test_load_image_folder_errors(photos, tmp_path):
    (photos / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(ValueError, match=r"load_image\(broken.jpg\)"):
        load_image_folder(photos, 4)
    with pytest.raises(FileNotFoundError, match="class folder 'bird' not found"):
        load_image_folder(photos, 4, classes=["bird"])
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_image_folder(tmp_path / "nothing", 4)
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match="no image files"):
        load_image_folder(tmp_path / "empty", 4)
    with pytest.raises(ValueError, match="found no sub-folders"):
        load_image_folder(tmp_path / "empty" / "a", 4)
