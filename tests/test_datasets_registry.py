"""Data directory, registry, verification, and downloads from a real local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import socket
import threading
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from nnmath.datasets import registry
from nnmath.datasets.mnist import load_mnist
from nnmath.datasets.registry import (
    ChecksumError,
    DownloadError,
    data_dir,
    dataset_files,
    download_file,
    fetch,
    list_datasets,
    verify,
)

SMALL = "t10k-labels-idx1-ubyte.gz"  # 4542 bytes


# --------------------------------------------------------------------------- local server
class _Handler(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    hits: ClassVar[list[str]] = []

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # routes /<mode>/<f>: good bad big cut 500 404
        self.hits.append(self.path)
        _, mode, name = self.path.split("/", 2)
        body = self.files.get(name)
        if mode in ("500", "404") or body is None:
            self.send_error(404 if (mode == "404" or body is None) else 500)
            return
        if mode == "bad":  # same size, one byte changed: only the sha256 can tell
            body = body[:100] + bytes([body[100] ^ 0xFF]) + body[101:]
        if mode == "big":  # another, larger file (e.g. an HTML error page of 3 MB)
            body = body * 300
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "cut":  # promise everything, send half, hang up
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    src = Path(os.environ["NNMATH_DATA"]) / "mnist"  # set by conftest.py
    _Handler.files = {p.name: p.read_bytes() for p in src.glob("*.gz")}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- data_dir
def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("NNMATH_DATA", str(tmp_path / "env"))
    assert data_dir(tmp_path / "arg") == tmp_path / "arg"
    (tmp_path / "env").mkdir()  # NNMATH_DATA must exist (see test_data_rough_edges.py)
    assert data_dir() == tmp_path / "env"
    monkeypatch.delenv("NNMATH_DATA")
    default = data_dir()
    assert "nnmath" in default.parts and "cache" in str(default).lower()


def test_registry_entries_are_well_formed():
    names = [d.name for d in list_datasets()]
    assert names == ["mnist", "fashion-mnist", "catvnoncat"]
    for ds in list_datasets():
        for f in ds.files:
            assert len(f.sha256) == 64 and int(f.sha256, 16) >= 0
            assert f.size > 0 and f.urls and all(u.endswith("/" + f.name) for u in f.urls)


def test_registry_matches_the_shared_files(data_dir):
    """The registered sizes + sha256 are those of the real files (verify recomputes them)."""
    results = verify("mnist", data_dir) + verify("catvnoncat", data_dir)
    assert [r.status for r in results] == ["ok"] * 6


def test_verify_reports_missing_wrong_size_and_bad_sha(tmp_path, data_dir):
    folder = tmp_path / "mnist"
    folder.mkdir()
    good = (Path(data_dir) / "mnist" / SMALL).read_bytes()
    (folder / SMALL).write_bytes(good[:100] + bytes([good[100] ^ 1]) + good[101:])
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(b"short")
    status = {r.name: r.status for r in verify("mnist", tmp_path)}
    assert status == {
        "train-images-idx3-ubyte.gz": "missing",
        "train-labels-idx1-ubyte.gz": "wrong size",
        "t10k-images-idx3-ubyte.gz": "missing",
        SMALL: "bad sha256",
    }
    with pytest.raises(KeyError, match=r"unknown data set 'mnsit'.*mnist"):
        verify("mnsit")


def test_existing_file_with_wrong_size_or_sha256_is_reported_not_used(tmp_path, data_dir):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / SMALL).write_bytes(b"\x1f\x8b" + b"\0" * 10)
    with pytest.raises(ChecksumError, match=r"wrong size: 12 bytes, expected 4542\); delete it "
                                            r"and run `nnmath data fetch mnist`"):
        dataset_files("mnist", tmp_path, files=[SMALL], download=False)
    # same size, one byte changed: only the sha256 can tell, and loads check it
    good = (Path(data_dir) / "mnist" / SMALL).read_bytes()
    (folder / SMALL).write_bytes(good[:200] + bytes([good[200] ^ 1]) + good[201:])
    with pytest.raises(ChecksumError, match=r"(?s)bad sha256: sha256 [0-9a-f]{64}, expected "
                                            r"f7ae60f92e00.*checksum=False"):
        dataset_files("mnist", tmp_path, files=[SMALL], download=False)
    # checksum=False: the user's own copy is used as it is
    paths = dataset_files("mnist", tmp_path, files=[SMALL], download=False, checksum=False)
    assert paths[SMALL].read_bytes()[200] == good[200] ^ 1
    # the good file passes, also when it is checked a second time (digest remembered)
    (folder / SMALL).write_bytes(good)
    for _ in range(2):
        assert dataset_files("mnist", tmp_path, files=[SMALL], download=False)[SMALL].is_file()
    # ... and a later change of the same size is still caught (the digest is per file version)
    (folder / SMALL).write_bytes(good[:300] + bytes([good[300] ^ 1]) + good[301:])
    os.utime(folder / SMALL, ns=(1, 1))
    with pytest.raises(ChecksumError, match="bad sha256"):
        dataset_files("mnist", tmp_path, files=[SMALL], download=False)


# --------------------------------------------------------------------------- downloads
def test_good_download_is_verified_and_stored(server, tmp_path, data_dir):
    paths = dataset_files("mnist", tmp_path, base_url=f"{server}/good", files=[SMALL],
                          progress=True)
    path = paths[SMALL]
    assert path == tmp_path / "mnist" / SMALL
    assert path.read_bytes() == (Path(data_dir) / "mnist" / SMALL).read_bytes()
    assert _leftovers(tmp_path / "mnist") == [SMALL]


def test_checksum_mismatch_is_reported_and_nothing_stored(server, tmp_path):
    with pytest.raises(ChecksumError, match=r"sha256 .* does not match"):
        dataset_files("mnist", tmp_path, base_url=f"{server}/bad", files=[SMALL],
                      progress=False)
    assert _leftovers(tmp_path / "mnist") == []
    with pytest.raises(ChecksumError, match=r"sends more than the registered 4542 bytes"):
        dataset_files("mnist", tmp_path, base_url=f"{server}/big", files=[SMALL],
                      progress=False)
    assert not (tmp_path / "mnist").exists()


def test_transfer_cut_off_leaves_no_partial_file(server, tmp_path):
    dest = tmp_path / "d" / SMALL
    with pytest.raises(DownloadError, match="cut off, got 2271 of 4542 bytes"):
        download_file(f"{server}/cut/{SMALL}", dest, progress=False)
    assert _leftovers(dest.parent) == []
    with pytest.raises(FileNotFoundError, match=f"(?s)1 file.*missing.*{SMALL}.*cut off"):
        dataset_files("mnist", tmp_path, base_url=f"{server}/cut", files=[SMALL],
                      progress=False)
    assert _leftovers(tmp_path / "mnist") == []


@pytest.mark.parametrize("code", ["500", "404"])
def test_server_error_fails_with_instructions(server, tmp_path, code):
    with pytest.raises(FileNotFoundError) as info:
        dataset_files("mnist", tmp_path, base_url=f"{server}/{code}", progress=False)
    msg = str(info.value)
    first, details = msg.split("\n", 1)  # a complete one-line summary, then the details
    reason = "Internal Server Error" if code == "500" else "Not Found"
    assert first == (
        f"datasets.mnist: 4 file(s) missing in {tmp_path / 'mnist'} (download failed: server "
        f"answered HTTP {code} {reason}); put them there or run `nnmath data fetch mnist` when "
        "online (`nnmath data list mnist` shows the URLs)"
    )
    for f in registry.DATASETS["mnist"].files:  # every missing file, its URL, its checksum
        assert f"{server}/{code}/{f.name}" in details and f.sha256 in details
    assert not (tmp_path / "mnist").exists()  # no half-written file, no empty folder


def test_offline_fails_fast_with_the_files_url_and_folder(tmp_path):
    with socket.socket() as s:  # a port with nobody listening: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FileNotFoundError, match=r"(?s)2 file\(s\) missing.*cannot connect.*"
                                                r"Files you already have: put them in"):
        fetch("catvnoncat", tmp_path, base_url=f"http://127.0.0.1:{port}", progress=False)
    with pytest.raises(FileNotFoundError, match="download=False"):
        dataset_files("catvnoncat", tmp_path, download=False)


def test_load_mnist_end_to_end_through_the_download_path(server, tmp_path):
    _Handler.hits.clear()
    (x, _), (_, yt) = load_mnist(tmp_path / "data", base_url=f"{server}/good",
                                  cache_dir=tmp_path / "cache", progress=False)
    assert len(_Handler.hits) == 4
    assert x.shape == (60000, 28, 28) and yt.shape == (10000,)
    assert verify("mnist", tmp_path / "data")[0].ok
    (x2, _), _ = load_mnist(tmp_path / "data", base_url=f"{server}/500", progress=False,
                            cache_dir=tmp_path / "cache")
    assert len(_Handler.hits) == 4  # present files are not downloaded again
    np.testing.assert_array_equal(x, x2)


def test_download_file_without_expectations_and_sha256sum(server, tmp_path, data_dir):
    dest = download_file(f"{server}/good/{SMALL}", tmp_path / "x.gz", progress=False)
    expected = hashlib.sha256((Path(data_dir) / "mnist" / SMALL).read_bytes()).hexdigest()
    assert registry.sha256sum(dest) == expected


def test_fetch_existing_files_touches_no_network(tmp_path, data_dir):
    shutil.copytree(Path(data_dir) / "catvnoncat", tmp_path / "catvnoncat")
    paths = fetch("catvnoncat", tmp_path, base_url="http://127.0.0.1:9", progress=False)
    assert [p.name for p in paths] == ["train_catvnoncat.h5", "test_catvnoncat.h5"]


def test_imports_stay_light():
    code = ("import sys, nnmath.datasets as d, nnmath.images; d.load_mnist; d.load_cat_vs_noncat; "
            "d.train_test_split; heavy = {'h5py', 'PIL', 'sklearn', 'tqdm', 'matplotlib', "
            "'platformdirs'} & set(sys.modules); print(sorted(heavy))")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
