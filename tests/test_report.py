"""`nnmath lessons --all --fast` end to end: the HTML report, its figures and its numbers.

The checks (``check_report``) are shared with tests/test_readme.py, which runs the full
(non-fast) lessons exactly as the README says and checks the published numbers that only the
full run reproduces.
"""

from __future__ import annotations

import html.parser
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnmath.lessons import LESSONS, get_lesson

PNG = b"\x89PNG\r\n\x1a\n"


def _close(value, expected, tol):
    return value == pytest.approx(expected, abs=tol)


def check_numbers_common(n: dict) -> None:
    """Published numbers that the fast and the full run both reproduce."""
    lr = n["linear-regression"]["numbers"]
    assert _close(lr["w"], 938.23786125, 1e-6) and _close(lr["b"], 152.91886182616167, 1e-6)
    assert _close(lr["test_mse"], 2548.07, 0.005) and _close(lr["r2"], 0.47, 0.005)
    assert _close(lr["gd_w"], lr["w"], 1e-3) and _close(lr["gd_b"], lr["b"], 1e-3)
    lg = n["logistic-regression"]["numbers"]
    assert _close(lg["cost_0"], 0.693147, 1e-6) and _close(lg["cost_1900"], 0.140872, 1e-6)
    assert _close(lg["train_accuracy"], 0.9904306220095694, 1e-11)  # fractions: 99.04... %
    assert _close(lg["test_accuracy"], 0.70, 1e-11)
    cg = n["computation-graph"]["numbers"]
    assert cg["forward"] == {"u": 6.0, "v": 11.0, "J": 33.0}
    assert cg["backward"] == {"dJ/dv": 3.0, "dJ/du": 3.0, "dJ/da": 3.0, "dJ/db": 6.0,
                              "dJ/dc": 9.0}
    assert {k: cg["graph_grads"][k] for k in "abc"} == {"a": 3.0, "b": 6.0, "c": 9.0}
    assert cg["nudge_v"] == [11.0, 11.001] and _close(cg["nudge_J"][1], 33.003, 1e-9)
    for k, v in {"v": 3, "a": 3, "b": 6, "c": 9}.items():
        assert _close(cg["nudge_slopes"][k], v, 1e-6)
    # CS231n's single neuron: a = 0.73, dx = [0.393, -0.590], dw = [-0.197, -0.393, 0.197]
    assert _close(cg["neuron_a"], 0.7311, 1e-4)
    np.testing.assert_allclose(cg["neuron_dw_a"], [-0.1966, -0.3932, 0.1966], atol=1e-4)
    np.testing.assert_allclose(cg["neuron_dx_a"], [0.3932, -0.5898], atol=1e-4)
    assert cg["neuron_autodiff_gap"] < 1e-12
    al = n["activations-and-losses"]["numbers"]
    assert _close(al["l1"], 1.1, 1e-12) and _close(al["l2"], 0.43, 1e-12)
    assert max(al["autodiff_gap"].values()) < 1e-6
    sh = n["shallow-network"]["numbers"]
    assert _close(sh["costs_every_1000"][0], 0.693048, 1e-6)
    assert _close(sh["costs_every_1000"][1], 0.288083, 1e-6)
    assert 0.90 <= sh["accuracy_nh4"] <= 0.91 and sh["logistic_accuracy"] < 0.60
    assert sh["hidden_size_sweep"]["1"] == pytest.approx(0.675, abs=1e-4)
    lr = n["learning-rate-search"]["numbers"]  # the tutorial's regimes, and 2 / lambda_max
    assert lr["by_hand"]["0.1"] == "diverged" and lr["by_hand"]["0.0001"] == "too slow"
    assert 0.0034 < lr["stable_limit"] < 0.0039 and lr["suggestion"] < lr["stable_limit"]
    assert lr["best_val_accuracy"] >= 0.6
    gd = n["gradient-descent"]["numbers"]
    assert gd["behaviour"] == {"1.0": "diverging", "0.1": "oscillating", "0.01": "right",
                               "0.001": "too slow"}
    po = n["pooling"]["numbers"]
    assert po["max_pool"] == [[9.0, 2.0], [6.0, 3.0]]
    assert po["avg_pool"] == [[3.75, 1.25], [3.75, 2.0]]
    assert po["classic_agrees"] is True
    cv = n["convolution"]["numbers"]
    assert cv["lecture_edge_output"] == [[0.0, 30.0, 30.0, 0.0]] * 4
    assert cv["engine_vs_kernels_max_diff"] < 1e-9
    assert cv["receptive_field_convs"] == [3, 5, 7, 9]
    assert n["tensors"]["numbers"]["dot_bb"] == 1400.0
    assert n["vectorization"]["numbers"]["abs_difference"] < 1e-6
    assert n["images"]["numbers"]["flattened_shape"] == [12288, 1]
    hp = n["house-prices"]["numbers"]["final_costs"]
    assert hp["1.0"]["max_abs_w_minus_exact"] < 1e-2 < hp["0.01"]["max_abs_w_minus_exact"]
    ll = n["loss-landscape"]["numbers"]
    assert ll["loss_at_trained"] < ll["loss_max"]
    ends = {k.split()[0]: v["J"] for k, v in ll["optimizer_paths_end"].items()}
    assert ends["momentum"] < ends["gradient"] and ends["Adam"] < ends["gradient"]


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.imgs: list[str] = []
        self.ids: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a["src"])
        if tag == "section":
            self.ids.append(a.get("id"))
        if tag == "script":
            self.scripts += 1


def check_report(out: Path, fast: bool) -> dict:
    """Every lesson present and successful, every figure a valid non-empty PNG."""
    doc = json.loads((out / "numbers.json").read_text())
    assert doc["fast"] is fast
    assert list(doc["lessons"]) == list(LESSONS)
    page = (out / "index.html").read_text(encoding="utf-8")
    refs = _Refs()
    refs.feed(page)
    assert refs.ids == list(LESSONS) and refs.scripts == 0
    for name, entry in doc["lessons"].items():
        assert entry["error"] is None, f"lesson {name} failed: {entry['error']}"
        assert entry["numbers"], f"lesson {name} recorded no numbers"
        assert entry["figures"], f"lesson {name} saved no figure"
    figures = [f for e in doc["lessons"].values() for f in e["figures"]]
    assert sorted(refs.imgs) == sorted(figures)
    for rel in figures:
        path = out / rel
        data = path.read_bytes()
        assert len(data) > 1000 and data[:8] == PNG, f"{rel} is not a PNG"
        with Image.open(path) as img:
            img.load()
            assert img.width > 100 and img.height > 100
            assert np.asarray(img.convert("L")).std() > 1.0, f"{rel} is blank"
    badges = page.count("--fast run: smaller data")
    long_lessons = [n for n in LESSONS if get_lesson(n).LONG]
    assert badges == (len(long_lessons) if fast else 0)
    for name in LESSONS:
        assert doc["lessons"][name]["shortened_by_fast"] == (fast and name in long_lessons)
    return doc["lessons"]


@pytest.fixture(scope="module")
def fast_report(tmp_path_factory):
    data_dir = Path(os.environ["NNMATH_DATA"])  # set by conftest.py
    assert data_dir.is_dir(), f"NNMATH_DATA={data_dir} does not exist"
    out = tmp_path_factory.mktemp("fast") / "report"
    env = dict(os.environ, MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-m", "nnmath.cli", "lessons", "--all", "--fast",
                        "--out", str(out)], capture_output=True, text=True, env=env,
                       timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r.stdout


@pytest.mark.slow
def test_fast_report_is_complete(fast_report):
    out, _ = fast_report
    check_report(out, fast=True)


@pytest.mark.slow
def test_fast_report_reproduces_published_numbers(fast_report):
    out, _ = fast_report
    n = json.loads((out / "numbers.json").read_text())["lessons"]
    check_numbers_common(n)
    assert n["mnist-mlp"]["numbers"]["test_accuracy"] > 0.85
    assert n["cnn-mnist"]["numbers"]["params"] == 34826
    assert n["cnn-mnist"]["numbers"]["test_accuracy"] > 0.6


@pytest.mark.slow
def test_fast_output_says_fast_and_shows_progress(fast_report):
    _, stdout = fast_report
    assert stdout.count("[--fast]") == sum(get_lesson(n).LONG for n in LESSONS)
    assert "Epoch 1/" in stdout and "Cost after iteration 1900: 0.140872" in stdout
    assert f"{len(LESSONS)} lessons in" in stdout
