"""`nnmath data list | fetch NAME | verify [NAME]`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nnmath.cli import main


def test_data_list(capsys, data_dir):
    assert main(["data", "list", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"data directory: {data_dir}" in out
    assert "mnist" in out and "4/4 files" in out
    assert "catvnoncat" in out and "2/2 files" in out
    assert "fashion-mnist" in out


def test_data_verify_ok_and_bad(capsys, data_dir, tmp_path):
    assert main(["data", "verify", "mnist", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("ok ") == 4 and "mnist/train-images-idx3-ubyte.gz" in out
    (tmp_path / "catvnoncat").mkdir()
    (tmp_path / "catvnoncat" / "test_catvnoncat.h5").write_bytes(b"x")
    assert main(["data", "verify", "catvnoncat", "--data-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "missing    catvnoncat/train_catvnoncat.h5" in captured.out
    assert "wrong size catvnoncat/test_catvnoncat.h5  (1 bytes, expected 616958)" in captured.out
    assert "1 bad file(s)" in captured.err and "1 missing file(s) of catvnoncat" in captured.err


def test_data_verify_all_fails_when_a_set_is_absent(capsys, data_dir, tmp_path):
    (tmp_path / "catvnoncat").mkdir()
    for f in ("train_catvnoncat.h5", "test_catvnoncat.h5"):
        (tmp_path / "catvnoncat" / f).write_bytes((Path(data_dir) / "catvnoncat" / f).read_bytes())
    assert main(["data", "verify", "--data-dir", str(tmp_path)]) == 1  # nothing of mnist
    assert "missing file(s) of fashion-mnist, mnist" in capsys.readouterr().err
    assert main(["data", "verify", "catvnoncat", "--data-dir", str(tmp_path)]) == 0
    (tmp_path / "catvnoncat" / "test_catvnoncat.h5").write_bytes(b"x")  # now one is bad
    assert main(["data", "verify", "catvnoncat", "--data-dir", str(tmp_path)]) == 1
    assert "1 bad file(s)" in capsys.readouterr().err


def test_data_fetch_from_a_mirror(capsys, data_dir, tmp_path):
    mirror = (Path(data_dir) / "catvnoncat").as_uri()  # file:// URLs go through urllib too
    dest = tmp_path / "d"
    assert main(["data", "fetch", "catvnoncat", "--data-dir", str(dest), "--base-url", mirror,
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert f"ok  {dest / 'catvnoncat' / 'train_catvnoncat.h5'}" in out
    assert main(["data", "verify", "catvnoncat", "--data-dir", str(dest)]) == 0


def test_data_user_errors_are_one_line(capsys, tmp_path):
    assert main(["data", "fetch"]) == 2
    assert "expected a data set name (mnist, fashion-mnist, catvnoncat)" in capsys.readouterr().err
    assert main(["data", "verify", "cifar"]) == 2
    assert "unknown data set 'cifar'" in capsys.readouterr().err
    bad_mirror = (tmp_path / "empty").as_uri()
    assert main(["data", "fetch", "mnist", "--data-dir", str(tmp_path), "--base-url", bad_mirror,
                 "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # ONE line: where, what, why, and the fix
    assert err.startswith(f"nnmath data: error: datasets.mnist: 4 file(s) missing in "
                          f"{tmp_path / 'mnist'} (download failed: cannot connect")
    assert "run `nnmath data fetch mnist` when online" in err
    (tmp_path / "mnist").mkdir()  # a corrupt file already there: one line too
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").write_bytes(b"x")
    assert main(["data", "fetch", "mnist", "--data-dir", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not the registered original (wrong size: 1 bytes" in err
    assert main(["data", "list", "cifar"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "unknown data set 'cifar'" in err


def test_data_list_one_data_set_shows_files_checksums_and_urls(capsys, data_dir):
    from nnmath.datasets.registry import DATASETS

    assert main(["data", "list", "fashion-mnist", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert f"folder: {data_dir / 'fashion-mnist'}" in out
    for f in DATASETS["fashion-mnist"].files:
        assert f"  {f.name}  {f.size} bytes  missing\n    sha256 {f.sha256}\n" in out
        assert all(url in out for url in f.urls)
    assert main(["data", "list", "catvnoncat", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.count("bytes  present") == 2


def test_data_command_through_the_entry_point(data_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "nnmath.cli", "data", "verify", "catvnoncat", "--data-dir",
         str(data_dir)], capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok ") == 2
