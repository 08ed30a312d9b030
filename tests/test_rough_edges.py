"""Rough edges a new user hits: NNMATH_DATA mistakes, recompressed gzip files, `data verify`
exit codes, `data list | head`, `--debug` exit codes, absurd training options, percents."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnmath.cli import main
from nnmath.datasets import registry

LABELS = "t10k-labels-idx1-ubyte.gz"


def _cli(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnmath.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120, **kw)


def test_recompressed_gzip_with_the_same_content_is_accepted(data_dir, tmp_path):
    original = Path(data_dir) / "mnist" / LABELS
    content = gzip.decompress(original.read_bytes())
    (tmp_path / "mnist").mkdir()
    repacked = tmp_path / "mnist" / LABELS
    repacked.write_bytes(gzip.compress(content, compresslevel=1, mtime=1234567))
    assert repacked.read_bytes() != original.read_bytes()  # another wrapper, other sha256
    [st] = [s for s in registry.verify("mnist", tmp_path) if s.name == LABELS]
    assert st.ok and "decompressed content sha256" in st.detail
    [orig] = [s for s in registry.verify("mnist", data_dir) if s.name == LABELS]
    assert orig.ok and orig.detail == "file sha256"
    # the loaders' entry point takes it too, and the CLI says which check passed
    paths = registry.dataset_files("mnist", tmp_path, download=False, files=[LABELS])
    assert paths[LABELS] == repacked
    r = _cli("data", "verify", "mnist", "--data-dir", str(tmp_path))
    assert f"ok         mnist/{LABELS}  (decompressed content sha256" in r.stdout
    # different content in a valid gzip is still rejected, as is a file that is not gzip
    repacked.write_bytes(gzip.compress(content[:-1] + b"\x09"))
    [bad] = [s for s in registry.verify("mnist", tmp_path) if s.name == LABELS]
    assert bad.status in ("bad sha256", "wrong size") and not bad.ok
    with pytest.raises(registry.ChecksumError, match="is not the registered original"):
        registry.dataset_files("mnist", tmp_path, download=False, files=[LABELS])
    repacked.write_bytes(b"not gzip at all")
    assert not registry.verify("mnist", tmp_path)[-1].ok


def test_nnmath_data_pointing_nowhere_is_reported_and_not_created(tmp_path):
    nowhere = tmp_path / "no" / "such" / "folder"
    r = _cli("data", "fetch", "mnist", "--no-progress", env={"NNMATH_DATA": str(nowhere)})
    assert r.returncode == 2
    assert f"NNMATH_DATA={nowhere}: no such folder (nothing was created)" in r.stderr
    assert not (tmp_path / "no").exists()
    r = _cli("train", "mnist-mlp", "--epochs", "1", "--limit", "10", "--out",
             str(tmp_path / "m"), env={"NNMATH_DATA": str(nowhere)})
    assert r.returncode == 2 and "no such folder" in r.stderr and not (tmp_path / "no").exists()


def test_nnmath_data_naming_a_file_says_so(data_dir, tmp_path):
    labels = Path(data_dir) / "mnist" / LABELS
    r = _cli("data", "list", env={"NNMATH_DATA": str(labels)})
    assert r.returncode == 2
    assert (f"NNMATH_DATA={labels}: a file, not a folder; point NNMATH_DATA at the folder "
            f"holding mnist/, catvnoncat/, ..., e.g. NNMATH_DATA={data_dir}") in r.stderr
    (tmp_path / "notes").write_text("x")
    r = _cli("data", "verify", env={"NNMATH_DATA": str(tmp_path / "notes")})
    assert r.returncode == 2 and "notes: a file, not a folder;" in r.stderr
    assert "mkdir" not in r.stderr  # `mkdir -p` over an existing file would fail


def test_nnmath_data_naming_a_data_set_folder_gets_a_hint(data_dir, tmp_path):
    inner = tmp_path / "data" / "mnist"
    shutil.copytree(Path(data_dir) / "mnist", inner)
    r = _cli("data", "fetch", "mnist", "--no-progress", "--base-url", (tmp_path / "x").as_uri(),
             env={"NNMATH_DATA": str(inner)})
    assert r.returncode == 2
    assert f"missing in {inner / 'mnist'}" in r.stderr
    assert (f"{inner} looks like a data set folder itself: NNMATH_DATA / data_dir must name "
            f"the folder that holds it, e.g. NNMATH_DATA={tmp_path / 'data'}") in r.stderr
    assert not (inner / "mnist").exists()  # nothing left behind
    r = _cli("data", "verify", "mnist", env={"NNMATH_DATA": str(tmp_path / "data")})
    assert r.returncode == 0


def test_data_list_names_the_decoded_cache_and_its_size(data_dir, tmp_path):
    cache = tmp_path / "xdg" / "nnmath" / "decoded"
    (cache / "mnist").mkdir(parents=True)
    (cache / "mnist" / "t10k-images-idx3-ubyte.gz-1.npy").write_bytes(bytes(2_500_000))
    r = _cli("data", "list", "--data-dir", str(data_dir),
             env={"XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == (f"decoded-array cache: {cache}  2.5 MB (made on first "
                                         "load; delete it to free the space)")


def test_data_verify_exits_1_when_a_set_is_missing(capsys, data_dir, tmp_path):
    for name in ("mnist", "catvnoncat"):
        shutil.copytree(Path(data_dir) / name, tmp_path / name)
    assert main(["data", "verify", "--data-dir", str(tmp_path)]) == 1  # fashion-mnist absent
    out, err = capsys.readouterr()
    assert "missing    fashion-mnist/train-images-idx3-ubyte.gz" in out
    assert "4 missing file(s) of fashion-mnist (`nnmath data fetch fashion-mnist`, or verify " \
           "only the sets you use: `nnmath data verify mnist`)" in err
    assert main(["data", "verify", "mnist", "--data-dir", str(tmp_path)]) == 0
    assert main(["data", "verify", "fashion-mnist", "--data-dir", str(tmp_path)]) == 1


def test_data_list_into_head_has_no_broken_pipe_error(data_dir):
    cmd = (f"{sys.executable} -m nnmath.cli data list mnist --data-dir {data_dir} | head -1; "
           "echo rc=${PIPESTATUS[0]}")
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert r.stdout.splitlines() == [f"data directory: {data_dir}", "rc=0"], r.stdout
    assert "Broken pipe" not in r.stderr and "error" not in r.stderr, r.stderr


def test_output_into_a_closed_pipe_is_not_an_error(data_dir):
    # deterministic form of `| head -1`: the reader is gone before the first write (with a
    # short output and a live `head`, everything may fit the pipe buffer and never fail)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = subprocess.run([sys.executable, "-m", "nnmath.cli", "data", "list", "mnist",
                            "--data-dir", str(data_dir)], stdout=write_end,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr  # no "Broken pipe", no "Exception ignored"


def test_debug_keeps_the_exit_code_and_adds_the_traceback(tmp_path):
    plain = _cli("data", "verify", "cifar")
    debug = _cli("--debug", "data", "verify", "cifar")
    assert plain.returncode == debug.returncode == 2
    assert "Traceback" not in plain.stderr and "Traceback (most recent call last)" in debug.stderr
    assert plain.stderr.strip().splitlines()[-1] == debug.stderr.strip().splitlines()[-1]


def test_absurd_learning_rate_is_refused_and_huge_batch_is_explained(tmp_path):
    r = _cli("train", "mnist-mlp", "--learning-rate", "1000", "--out", str(tmp_path))
    assert r.returncode == 2
    assert ("train mnist-mlp: expected a learning rate <= 10, got 1000; this recipe's default "
            "is 0.001 (rmsprop), and steps this large make the loss explode") in r.stderr
    r = _cli("train", "mnist-mlp", "--batch-size", "1000000", "--learning-rate", "5",
             "--epochs", "1", "--limit", "300", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert ("note: batch size 1000000 is larger than the 300 training samples: each epoch is "
            "ONE step on all 300 (try --batch-size 128)") in r.stdout
    assert "note: learning rate 5.0 is far above this recipe's default 0.001" in r.stdout
    assert "300 training samples, 1 epoch, batch size 1000000" in r.stdout  # "1 epoch"


def test_few_samples_with_the_default_batch_size_get_a_hint_that_helps(capsys):
    from nnmath import recipes

    recipes.get("mnist-mlp").fit({"epochs": 1, "units": 8}, limit=20, verbose=1)
    out = capsys.readouterr().out
    assert ("note: batch size 128 is larger than the 20 training samples: each epoch is ONE "
            "step on all 20 (train on more samples (--limit), or try --batch-size 5)") in out
    assert "try --batch-size 128" not in out  # the default itself is too large here


def test_percentages_have_two_decimals(tmp_path):
    r = _cli("train", "cat-logistic", "--epochs", "200", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    percents = re.findall(r"(\d+(?:\.\d+)?) %", r.stdout)
    assert percents and all(re.fullmatch(r"\d+\.\d\d", p) for p in percents), r.stdout
    assert re.search(r"^train accuracy: \d+\.\d\d %  test accuracy: \d+\.\d\d %$", r.stdout,
                     flags=re.M)
    assert "Cost after iteration 100: " in r.stdout
