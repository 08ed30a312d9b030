"""nnmath.export: ONNX files checked by onnx.checker and run by ONNX Runtime against predict.

Every check: the exported file passes ``onnx.checker.check_model(full_check=True)``, and ONNX
Runtime (CPUExecutionProvider) on batches of 1 and of 37 gives ``predict``'s outputs within
1e-5 (max abs) for 100 random inputs, and for real test images for the recipe models.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import nnmath as nm
from nnmath import layers, predict, recipes
from nnmath.export import ExportError, export_onnx
from nnmath.export.onnx_layers import CONVERTERS, GraphBuilder, _pads
from nnmath.layers.core import ACTIVATIONS

REPO = Path(__file__).resolve().parents[1]
TOL = 1e-5


def run_onnx(path: Path, x: np.ndarray, batch: int) -> np.ndarray:
    """ONNX Runtime's outputs for ``x``, fed ``batch`` samples at a time."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    outs = [session.run(None, {name: x[i:i + batch]})[0] for i in range(0, len(x), batch)]
    return np.concatenate(outs)


def check_equal(path: Path, x: np.ndarray, expected: np.ndarray) -> None:
    """The file is valid ONNX (opset 17, IR 8) and runs to ``expected`` at batch 1 and 37."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == 8 and model.opset_import[0].version == 17
    for value in (model.graph.input[0], model.graph.output[0]):
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert {t.data_type for t in model.graph.initializer} <= {onnx.TensorProto.FLOAT}
    x = x.astype(np.float32)
    for batch in (1, 37):
        got = run_onnx(path, x, batch)
        assert got.dtype == np.float32 and got.shape == expected.shape
        err = float(np.max(np.abs(got - expected)))
        assert err <= TOL, f"batch {batch}: max abs difference {err:.2e} > {TOL}"


def check_model(model: nm.Sequential, tmp_path: Path, seed: int = 0) -> None:
    """Random biases (they start at zero, where a dropped bias would go unseen), 100 random
    inputs."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        for name, w in zip(layer.weight_names, layer.weights, strict=True):
            if name == "bias":
                w.data = rng.normal(0, 0.5, size=w.shape).astype(np.float32)
    x = rng.normal(size=(100, *model.input_shape[1:])).astype(np.float32)
    path = export_onnx(model, tmp_path / "m.onnx")
    check_equal(path, x, model.predict(x))


# ----------------------------------------------------------------------------- layers
@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_every_activation_in_dense_and_activation_layers(act, tmp_path):
    model = nm.Sequential([layers.Input((13,)), layers.Dense(6, activation=act),
                           layers.Activation(act), layers.Dense(5, use_bias=False),
                           layers.Dense(4, activation=act, use_bias=False)], seed=1)
    check_model(model, tmp_path)


def test_fixed_activation_layers_and_dropout(tmp_path):
    model = nm.Sequential([layers.Input((9,)), layers.Dense(8), layers.ReLU(),
                           layers.Dropout(0.5), layers.Dense(8), layers.Tanh(),
                           layers.Dense(8), layers.Sigmoid(), layers.Dense(3),
                           layers.Softmax()], seed=2)
    check_model(model, tmp_path)


@pytest.mark.parametrize("hw, kernel, strides, padding, act", [
    ((9, 9), 3, 1, "valid", "relu"),
    ((9, 10), 3, 2, "same", "tanh"),
    ((11, 8), (2, 3), 2, "valid", None),
    ((7, 7), 4, 2, "same", "sigmoid"),
    ((8, 8), 3, 1, "same", "relu"),
    ((13, 11), 5, 3, "same", None),
    ((10, 9), (3, 2), (1, 2), "valid", "relu"),
    ((6, 7), 3, 1, "same", "softmax"),
    ((7, 9), 3, 2, 1, "relu"),
    ((8, 6), (3, 2), (2, 1), (2, 1), "tanh"),
])
def test_conv2d_strides_padding_then_flatten_in_nhwc_order(hw, kernel, strides, padding, act,
                                                          tmp_path):
    model = nm.Sequential([layers.Input((*hw, 3)),
                           layers.Conv2D(5, kernel, strides=strides, padding=padding,
                                         activation=act),
                           layers.Conv2D(4, 2, padding=padding, use_bias=False),
                           layers.Activation(act or "linear"), layers.Flatten(),
                           layers.Dense(6, activation="softmax")], seed=3)
    check_model(model, tmp_path)


@pytest.mark.parametrize("padding, pads", [("valid", [0, 0, 0, 0]), (2, [2, 2, 2, 2]),
                                           ((1, 3), [1, 3, 1, 3]), ("same", [1, 2, 2, 2])])
def test_onnx_pads_order_top_left_bottom_right(padding, pads):
    """'same' on 7 x 8 with a 4 x 6 kernel, stride 2: totals 3 (1 + 2, the extra at the
    bottom) and 4 (2 + 2)."""
    assert _pads(padding, (7, 8), (4, 6), (2, 2), "t") == pads
    with pytest.raises(ExportError, match="padding"):
        _pads("full", (7, 8), (4, 6), (2, 2), "t")


@pytest.mark.parametrize("pool", ["MaxPool2D", "AvgPool2D"])
@pytest.mark.parametrize("hw, size, strides", [((9, 9), 2, None), ((10, 7), 3, 2),
                                               ((8, 9), (2, 3), 1)])
def test_pooling_odd_sizes(pool, hw, size, strides, tmp_path):
    model = nm.Sequential([layers.Input((*hw, 3)), layers.Conv2D(4, 1),
                           getattr(layers, pool)(size, strides=strides), layers.Flatten()],
                          seed=5)
    check_model(model, tmp_path)


def test_flatten_keeps_nnmaths_hwc_order(tmp_path):
    model = nm.Sequential([layers.Input((3, 4, 2)), layers.Flatten()])
    x = np.arange(2 * 24, dtype=np.float32).reshape(2, 3, 4, 2)
    path = export_onnx(model, tmp_path / "flat.onnx")
    np.testing.assert_array_equal(run_onnx(path, x, 2), x.reshape(2, -1))


def test_every_nnmath_layer_class_has_a_converter():
    ours = {name for name, cls in layers.LAYERS.items() if cls.__module__.startswith("nnmath.")}
    assert ours and ours <= set(CONVERTERS), ours - set(CONVERTERS)


# ----------------------------------------------------------------------------- errors
class Scale(layers.Layer):
    """A custom layer with no ONNX export: y = 2 x."""

    def call(self, x, training=False):
        return x * 2.0


def test_unexportable_layer_is_named(tmp_path):
    model = nm.Sequential([layers.Input((4,)), layers.Dense(3), Scale()])
    with pytest.raises(ExportError, match=r"layer 2 'scale' \(Scale from [\w.]*test_onnx_export"
                                          r"\) cannot be exported.*exportable layers: .*Dense"):
        export_onnx(model, tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()


def test_user_classes_named_like_nnmath_layers_are_refused(tmp_path):
    """A user's own ``Flatten`` (or a subclass of Dense) may compute anything: never exported
    as nnmath's."""

    class Flatten(layers.Layer):
        def call(self, x, training=False):
            return x * 2.0

    class Dense(layers.Dense):
        def call(self, x, training=False):
            return super().call(x, training) * 3.0

    for layer in (Flatten(), Dense(3)):
        model = nm.Sequential([layers.Input((4,)), layer])
        with pytest.raises(ExportError, match=rf"layer 1 '\w+' \({type(layer).__name__} from "
                                              r"[\w.]*test_onnx_export\) cannot be exported"):
            export_onnx(model, tmp_path / "x.onnx")


def test_unbuilt_model_and_unknown_activation_errors(tmp_path):
    with pytest.raises(ExportError, match=r"not built.*Input"):
        nm.Sequential([layers.Dense(3)]).export(str(tmp_path / "x.onnx"))
    with pytest.raises(ExportError, match=r"activation 'swish' has no ONNX export.*relu"):
        GraphBuilder().activation("swish", "x", "d", "layer 'd' (Dense)")
    with pytest.raises(ExportError, match="model kind 'classic-svm'"):
        export_onnx(SimpleNamespace(kind="classic-svm", params={}), tmp_path / "x.onnx")
    with pytest.raises(ExportError, match=r"classic-deep model without parameters \['W1', 'b1'\]"):
        export_onnx(SimpleNamespace(kind="classic-deep", params={"W2": 0}), tmp_path / "x.onnx")


# ----------------------------------------------------------------------------- recipe models
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Model files written by the recipes (briefly trained: the check is equivalence)."""
    out = tmp_path_factory.mktemp("models")
    runs = {"mnist-mlp": {"epochs": 1, "limit": 300}, "mnist-cnn": {"epochs": 1, "limit": 200},
            "cat-logistic": {"epochs": 100}, "cat-deep": {"epochs": 20, "limit": 60},
            "planar": {"epochs": 200}}
    return {name: recipes.train(name, out=out, seed=1, **kw).model_path
            for name, kw in runs.items()}


def scaled(pixels: np.ndarray, path: Path) -> np.ndarray:
    """Pictures prepared as the ONNX file's metadata says: ``pixels * scale`` in float32."""
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    return pixels.astype(np.float32) * np.float32(json.loads(meta["preprocessing"])["scale"])


@pytest.fixture(scope="module")
def test_images():
    """Real test pictures (uint8): 150 MNIST digits (N, 28, 28, 1), the 50 cat test pictures."""
    _, (xd, _) = nm.datasets.load_mnist()
    _, (xc, _), _ = nm.datasets.load_cat_vs_noncat()
    return {"digits": xd[:150, :, :, None], "cats": xc}


@pytest.mark.parametrize("name", ["mnist-mlp", "mnist-cnn"])
def test_mnist_recipes_random_and_real_test_images(name, trained, test_images, tmp_path):
    model = nm.load_model(str(trained[name]))
    path = model.export(str(tmp_path / f"{name}.onnx"))
    shape = model.input_shape[1:]
    rand = np.random.default_rng(6).random((100, *shape), dtype=np.float32)
    real = scaled(test_images["digits"], path).reshape(-1, *shape)
    for x in (rand, real):
        check_equal(path, x, model.predict(x))
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["class_names"]) == [str(i) for i in range(10)]
    prep = json.loads(meta["preprocessing"])
    assert prep["scale"] == pytest.approx(1 / 255) and prep["input_shape"] == list(shape)
    dims = ", ".join(map(str, shape))
    assert f"'input' (batch, {dims}) float32" in meta["input_layout"]
    assert meta["input_layout"].startswith("NHWC") == (name == "mnist-cnn")


@pytest.mark.parametrize("name", ["cat-logistic", "cat-deep", "planar"])
def test_classic_recipes_take_rows_and_give_the_classic_probability(name, trained,
                                                                     test_images, tmp_path):
    loaded = predict.load_any(trained[name])
    path = export_onnx(trained[name], tmp_path / f"{name}.onnx")
    sample = loaded.preprocessing["input_shape"]
    rand = np.random.default_rng(7).random((100, *sample))
    xs = [rand] + ([scaled(test_images["cats"], path)] if name != "planar" else [])
    for x in xs:  # the classic model takes columns (n_x, m), float64
        expected = loaded.probabilities(x.reshape(len(x), -1).T.astype(np.float64))[:, 1:]
        check_equal(path, x, expected.astype(np.float32))
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(meta["class_names"]) == loaded.class_names
    assert "layout" not in json.loads(meta["preprocessing"]), "the graph takes rows, not columns"


def test_cli_export_and_clear_error(trained, test_images, tmp_path):
    out = tmp_path / "cnn.onnx"
    done = subprocess.run([sys.executable, "-m", "nnmath.cli", "export",
                           str(trained["mnist-cnn"]), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "(batch, 28, 28, 1)" in done.stdout and "(batch, 10)" in done.stdout
    x = scaled(test_images["digits"][:37], out)
    check_equal(out, x, nm.load_model(str(trained["mnist-cnn"])).predict(x))
    bad = tmp_path / "notes.safetensors"
    bad.write_text("not a model")
    done = subprocess.run([sys.executable, "-m", "nnmath.cli", "export", str(bad)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("nnmath export: error:")
    assert "notes.safetensors" in done.stderr and "Traceback" not in done.stderr
    assert not bad.with_suffix(".onnx").exists()


def test_readme_snippet_runs(trained, tmp_path, monkeypatch):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Export to ONNX", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    assert len(snippet.strip().splitlines()) <= 5
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mnist-cnn.safetensors").write_bytes(
        trained["mnist-cnn"].read_bytes())
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(snippet, scope)
    model = nm.load_model(str(trained["mnist-cnn"]))
    np.testing.assert_allclose(scope["probs"], model.predict(scope["x"]), atol=TOL)
    assert scope["probs"].shape == (1, 10)


def test_without_onnx_the_cli_says_so_in_one_line(tmp_path):
    """``onnx`` made unimportable (``sys.modules['onnx'] = None``): one error line, exit 2."""
    model = nm.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "m.safetensors")
    code = ("import sys; sys.modules['onnx'] = None; from nnmath import cli; "
            "sys.exit(cli.main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "export", str(tmp_path / "m.safetensors")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("nnmath export: error: export_onnx: the onnx package is not "
                                  "installed; pip install 'nnmath[onnx]'")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.onnx").exists()


def test_import_nnmath_does_not_import_onnx():
    code = ("import sys, nnmath, nnmath.cli, nnmath.export; nnmath.cli.build_parser(); "
            "nnmath.export_onnx; print(sorted({'onnx', 'onnxruntime'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"
