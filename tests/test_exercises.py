"""nnmath.exercises: every reference passes its own check; every deliberately wrong version in
tests/exercise_mistakes/ fails with the mistake it was written to make; the registry, the
diagnosis rules on their own, skeletons, and the sandboxed file check (round trip, an
infinite loop, a crash)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnmath import exercises
from nnmath.exercises import engine as engine_refs
from nnmath.exercises.diagnose import compare
from nnmath.exercises.registry import all_exercises, groups, resolve

MISTAKES = Path(__file__).parent / "exercise_mistakes"


def _load(group: str):
    spec = importlib.util.spec_from_file_location(f"mistakes_{group}", MISTAKES / f"{group}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _mistakes():
    out = []
    for group in groups():
        module = _load(group)
        for attr in vars(module):
            if "__" in attr.strip("_"):
                name, code = attr.split("__")[:2]
                out.append(pytest.param(group, name, code, getattr(module, attr),
                                        id=f"{group}.{name}-{code}"))
    return out


MISTAKE_CASES = _mistakes()


def _reference(ex):
    return ex.reference if ex.reference is not None else getattr(engine_refs, ex.name)


@pytest.mark.parametrize("ex", all_exercises(), ids=lambda e: e.qualified)
def test_reference_passes_its_check(ex):
    result = exercises.check(_reference(ex), ex.qualified, seed=1)
    assert result.passed, result
    assert result.code == "ok" and ex.qualified in str(result)


@pytest.mark.parametrize(("group", "name", "code", "fn"), MISTAKE_CASES)
def test_wrong_version_fails_with_its_diagnosis(group, name, code, fn):
    result = exercises.check(fn, f"{group}.{name}")
    assert not result.passed, f"{group}.{name} ({code}) was accepted: {result}"
    assert result.code == code, result
    assert result.message and str(result).startswith("FAIL")


def test_backward_and_pooling_messages_say_what_to_change():
    conv = _load("conv")
    said = {"conv_backward__values__assign": "accumulate with +=",
            "conv_backward__shape__padding": "cut the padding off",
            "pool_backward__constant_factor": "dA / (f * f)"}
    deep = _load("deep")
    said_deep = {"L_model_backward__shape__keys": "stored as dA{L-1}",
                 "L_model_backward__values__dZ": "not AL - Y"}
    for module, table in ((conv, said), (deep, said_deep)):
        for attr, advice in table.items():
            result = exercises.check(getattr(module, attr), attr.split("__")[0])
            assert advice in result.message, result
            assert "element-wise product" not in result.message, result


def test_every_exercise_and_every_mistake_class_has_a_wrong_version():
    covered = {(p.values[0], p.values[1]) for p in MISTAKE_CASES}
    missing = [e.qualified for e in all_exercises() if (e.group, e.name) not in covered]
    assert not missing, f"exercises without a deliberately wrong version: {missing}"
    codes = {p.values[2] for p in MISTAKE_CASES}
    required = {"transposed", "row_vs_flat", "shape", "missing_1_over_m", "sign",
                "integer_division", "constant_factor", "in_place", "overflow", "slow",
                "upstream_ones", "crash", "none", "dtype", "offset", "values"}
    assert required <= codes, required - codes


def test_the_issue_s_exercise_list_and_names():
    names = set(exercises.names())
    for required in [
        "basics.sigmoid", "basics.sigmoid_derivative", "logistic.initialize_with_zeros",
        "logistic.propagate", "logistic.optimize", "logistic.predict", "shallow.layer_sizes",
        "shallow.initialize_parameters", "shallow.forward_propagation", "shallow.compute_cost",
        "shallow.backward_propagation", "shallow.update_parameters", "deep.linear_forward",
        "deep.linear_activation_forward", "deep.L_model_forward", "deep.compute_cost",
        "deep.linear_backward", "deep.L_model_backward", "deep.update_parameters",
        "conv.zero_pad", "conv.conv_single_step", "conv.conv_forward", "conv.pool_forward",
        "conv.conv_backward", "conv.pool_backward", "gradcheck.gradient_check",
        "optim.update_parameters_with_momentum", "optim.update_parameters_with_adam",
        "engine.Softplus", "engine.NaiveDense", "engine.one_training_step",
    ]:
        assert required in names
    assert resolve("propagate").qualified == "logistic.propagate"
    for shared in ("compute_cost", "update_parameters"):
        with pytest.raises(KeyError, match="several lessons; say which"):
            resolve(shared)
    with pytest.raises(KeyError, match="did you mean"):
        resolve("propagat")


def test_readme_counts_the_exercises():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"\n{len(all_exercises())} exercises: the classic course" in readme


def test_for_lesson_contract():
    listed = exercises.for_lesson("deep-network")
    assert listed[0] == ("deep.linear_forward", resolve("deep.linear_forward").summary)
    assert [q for q, _ in listed] == [e.qualified for e in all_exercises() if e.group == "deep"]
    assert exercises.for_lesson("deep_network") == listed
    assert all(isinstance(s, str) and s for _, s in listed)
    assert exercises.for_lesson("images") == []
    sigmoid_lessons = [lesson for lesson in ("logistic-regression", "activations-and-losses")
                       if ("basics.sigmoid", resolve("sigmoid").summary)
                       in exercises.for_lesson(lesson)]
    assert len(sigmoid_lessons) == 2
    from nnmath.lessons import LESSONS

    for ex in all_exercises():
        assert set(ex.lessons) <= set(LESSONS), ex.qualified  # real lesson names only


@pytest.mark.parametrize(
    ("got", "want", "m", "code"),
    [
        (np.ones((3, 2)), np.ones((2, 3)), None, "transposed"),
        (np.arange(4.0).reshape(2, 2).T, np.arange(4.0).reshape(2, 2), None, "transposed"),
        (np.ones(5), np.ones((1, 5)), None, "row_vs_flat"),
        (np.ones((5, 5)), np.ones((1, 5)), None, "shape"),
        (np.array([2.0, 4.0]) * 7, np.array([2.0, 4.0]), 7, "missing_1_over_m"),
        (np.array([2.0, 4.0]) / 7, np.array([2.0, 4.0]), 7, "extra_1_over_m"),
        (np.array([2.0, -4.0]) * 3, np.array([2.0, -4.0]), 7, "constant_factor"),
        (-np.array([2.5, 4.0]), np.array([2.5, 4.0]), None, "sign"),
        (np.array([1.0, 2.0]), np.array([1.5, 2.5]), None, "integer_division"),
        (np.array([1.5, 2.5]) + 0.25, np.array([1.5, 2.5]), None, "offset"),
        (np.array([np.inf, 1.0]), np.array([1.0, 1.0]), None, "nonfinite"),
        (np.ones(2, dtype=np.float32), np.ones(2), None, "dtype"),
        (np.array([1.0, 3.0]), np.array([1.0, 2.0]), None, "values"),
        (None, 1.0, None, "none"),
    ],
)
def test_diagnosis_rules(got, want, m, code):
    found = compare(got, want, "x", m=m)
    assert found is not None and found.code == code, found
    assert compare(want, want, "x", m=m) is None


def test_messages_say_where_and_what_to_change():
    found = compare(({"dw": np.ones((2, 1)) * 3}, 1.0), ({"dw": np.ones((2, 1))}, 1.0),
                    "result", m=3)
    assert found.code == "missing_1_over_m"
    assert "result[0]['dw']" in found.message and "divide by m" in found.message


def test_course_style_dict_update_passes_and_in_place_names_the_argument():
    """Binding new arrays into the caller's dict (the course's own update_parameters) is not an
    in-place change; `-=` on its arrays is, and the message names the argument even when the
    signature spans two lines (Adam)."""

    def rebinding(parameters, grads, learning_rate=1.2):
        for k in list(parameters):
            parameters[k] = parameters[k] - learning_rate * grads["d" + k]
        return parameters

    assert exercises.check(rebinding, "deep.update_parameters").passed
    ref = resolve("update_parameters_with_adam").reference

    def adam_in_place(parameters, grads, v, s, t, *args, **kwargs):
        new, *rest = ref(parameters, grads, v, s, t, *args, **kwargs)
        for k in parameters:
            parameters[k] -= parameters[k] - new[k]
        return (parameters, *rest)

    result = exercises.check(adam_in_place, "update_parameters_with_adam")
    assert result.code == "in_place" and "input parameters['W1']" in result.message, result


def test_elementwise_product_for_a_matrix_product_is_named():
    def propagate(w, b, X, Y):
        m = X.shape[1]
        A = 1 / (1 + np.exp(-(np.dot(w.T, X) + b)))
        cost = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
        return {"dw": X * (A - Y) / m, "db": np.sum(A - Y) / m}, cost

    result = exercises.check(propagate, "propagate")
    assert result.code == "shape" and "element-wise product (*)" in result.message, result


def test_slow_is_a_ratio_against_the_reference():
    """The loop version is right (values) but rejected as slow; the vectorized one passes."""
    module = _load("logistic")
    slow = exercises.check(module.propagate__slow, "propagate")
    assert slow.code == "slow" and "times slower than the vectorized reference" in slow.message
    fast = exercises.check(resolve("propagate").reference, "propagate")
    assert fast.passed and fast.notes and fast.notes[0].startswith("speed:")


def test_in_process_time_limit_stops_an_infinite_loop():
    def sigmoid(x):
        while True:
            pass

    result = exercises.check(sigmoid, "sigmoid", timeout=0.5)
    assert result.code == "timeout" and "stopped after 0.5 s" in result.message


def test_skeleton_renders_every_group_and_compiles(tmp_path):
    for group in groups():
        path = exercises.start(group, tmp_path)
        text = path.read_text()
        compile(text, str(path), "exec")
        for ex in all_exercises():
            if ex.group == group:
                assert f"# nnmath exercise: {ex.qualified}" in text
                assert ex.signature.splitlines()[0] in text
    with pytest.raises(FileExistsError, match="already exists"):
        exercises.start("deep", tmp_path)
    single = exercises.start("L_model_forward", tmp_path)
    assert single.name == "deep_L_model_forward.py"
    assert "from nnmath.exercises.course import linear_activation_forward" in single.read_text()


SOLUTIONS = {
    "sigmoid": ["e = np.exp(-np.abs(x))", "return np.where(x >= 0, 1 / (1 + e), e / (1 + e))"],
    "sigmoid_derivative": ["s = sigmoid(x)", "return s * (1 - s)"],
    "softmax": ["e = np.exp(x - np.max(x, axis=1, keepdims=True))",
                "return e / np.sum(e, axis=1, keepdims=True)"],
}


ENGINE_SOLUTIONS = {
    "forward": ["self.x = x", "return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))"],
    "backward": ["return (g * 0.5 * (1 + np.tanh(self.x / 2)),)"],
    "__init__": ["self.activation = activation",
                 "w = np.random.default_rng(0).uniform(0, 0.1, (input_size, output_size))",
                 "self.W = Tensor(w.astype(np.float32), requires_grad=True)",
                 "self.b = Tensor(np.zeros(output_size, dtype=np.float32), requires_grad=True)"],
    "__call__": ["return self.activation(inputs @ self.W + self.b)"],
    "weights": ["return [self.W, self.b]"],
    "one_training_step": [
        "with GradientTape() as tape:",
        "    loss = sparse_categorical_crossentropy(labels_batch, model(images_batch))",
        "for g, w in zip(tape.gradient(loss, model.weights), model.weights):",
        "    w.data -= learning_rate * g",
        "return float(loss.data)",
    ],
}


def _fill(text: str, bodies: dict[str, list[str]]) -> str:
    """Replace each function's NotImplementedError line with its solution body."""
    out, current = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("def "):
            current = stripped[4:].split("(")[0]
        if stripped.startswith("raise NotImplementedError") and current in bodies:
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + b for b in bodies[current])
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nnmath.cli", "exercises", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_start_fill_check_round_trip_and_failures(tmp_path):
    """One `start`, then the untouched skeleton, a correct solution and broken ones: each
    `check` is one sandbox process."""
    run = _cli("start", "basics", "--dir", str(tmp_path))
    assert run.returncode == 0, run.stderr
    path = tmp_path / "basics.py"
    assert str(path) in run.stdout and "nnmath exercises check" in run.stdout

    untouched = _cli("check", str(path))
    assert untouched.returncode == 1
    assert untouched.stdout.count("not written yet") == 3

    path.write_text(_fill(path.read_text(), SOLUTIONS))
    solved = _cli("check", str(path))
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert solved.stdout.count("ok   basics.") == 3 and "3 of 3 exercises pass" in solved.stdout

    engine = exercises.start("engine", tmp_path)  # classes: Softplus(Function), NaiveDense
    engine.write_text(_fill(engine.read_text(), ENGINE_SOLUTIONS))
    solved = _cli("check", str(engine))
    assert "3 of 3 exercises pass" in solved.stdout, solved.stdout + solved.stderr

    hang = tmp_path / "hang.py"
    hang.write_text("def sigmoid(x):\n    while True:\n        pass\n\n\n"
                    "def softmax(x):\n    raise ValueError('boom')\n\n\n"
                    "def initialize_with_zeros(dim):\n    while True:\n        try:\n"
                    "            while True:\n                pass\n"
                    "        except BaseException:\n            pass\n\n\n"
                    "def predict(w, b, X):\n    import os\n    os._exit(3)\n")
    result = _cli("check", str(hang), "sigmoid", "softmax", "initialize_with_zeros",
                  "predict", "sigmoid_derivative", "--timeout", "1")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any("basics.sigmoid: stopped after 1 s" in ln for ln in lines), result.stdout
    assert any("softmax raised ValueError: boom (line 7 of hang.py)" in ln for ln in lines)
    # a loop that swallows the timer is killed; a fresh process checks the exercises after it
    assert any("initialize_with_zeros: stopped and killed" in ln and "bare `except:`" in ln
               for ln in lines), result.stdout
    assert any("predict: the checker process ended (exit code 3)" in ln for ln in lines)
    assert "RuntimeWarning" not in result.stdout + result.stderr
    assert any("has no function (or class) named sigmoid_derivative" in ln for ln in lines)

    broken = tmp_path / "broken.py"
    broken.write_text("def sigmoid(x)\n    return x\n")
    result = _cli("check", str(broken))
    assert result.returncode == 1 and "SyntaxError" in result.stdout and "line 1" in result.stdout
    top = tmp_path / "top.py"
    top.write_text("while True:\n    pass\n\n\ndef sigmoid(x):\n    return x\n")
    result = _cli("check", str(top), "--timeout", "1")
    assert "stopped after 1 s while importing top.py" in result.stdout


def test_cli_list_and_errors(tmp_path):
    listed = _cli("list")
    assert listed.returncode == 0
    assert "deep-network" in listed.stdout and "deep.L_model_backward" in listed.stdout
    one = _cli("list", "pooling")
    assert "conv.pool_forward" in one.stdout and "conv.conv_forward" not in one.stdout
    bad = _cli("start", "compute_cost", "--dir", str(tmp_path))
    assert bad.returncode == 2
    assert "say which: shallow.compute_cost, deep.compute_cost" in bad.stderr
    missing = _cli("check", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
