"""Where data files live, where they come from, and how they are checked.

Every real data set is a folder of files under one *data directory*::

    <data_dir>/<dataset>/<original file name>
    e.g. <data_dir>/mnist/train-images-idx3-ubyte.gz, <data_dir>/catvnoncat/train_catvnoncat.h5

The data directory is, in order: the ``data_dir`` argument, else ``$NNMATH_DATA``, else the
user's cache directory (``platformdirs.user_cache_dir("nnmath")``, or ``~/.cache/nnmath``
without platformdirs).

Each file in the registry has its public URL(s), its size in bytes and its sha256. A missing
file is downloaded (progress bar when tqdm is installed), its sha256 is verified, and it is
stored atomically: the bytes go to a temporary file in the same folder that is renamed with
``os.replace`` only once complete and verified, so a half-written file never appears under
the final name. Normal loads only compare sizes (cheap); ``verify()`` / ``nnmath data verify``
recompute the sha256 of every file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATASETS",
    "ChecksumError",
    "DataFile",
    "Dataset",
    "DownloadError",
    "FileStatus",
    "data_dir",
    "dataset_files",
    "download_file",
    "fetch",
    "list_datasets",
    "sha256sum",
    "verify",
]

_CHUNK = 1 << 20  # bytes per read while downloading and hashing
DEFAULT_TIMEOUT = 30.0  # seconds without data before a download is abandoned


class ChecksumError(ValueError):
    """A file's sha256 does not match the registry: the file is corrupt or not the original."""


class DownloadError(OSError):
    """A file could not be downloaded (offline, server error, transfer cut off)."""


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: its name, size in bytes, sha256 and the URLs it comes from."""

    name: str
    size: int
    sha256: str
    urls: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """A registered data set: a folder name, a one-line description, its files."""

    name: str
    description: str
    files: tuple[DataFile, ...]
    source: str

    @property
    def size(self) -> int:
        """Total size of the data set's files in bytes."""
        return sum(f.size for f in self.files)


def _files(mirrors: Sequence[str], table: Sequence[tuple[str, int, str]]) -> tuple[DataFile, ...]:
    return tuple(
        DataFile(name, size, sha, tuple(m.rstrip("/") + "/" + name for m in mirrors))
        for name, size, sha in table
    )


# MNIST: sizes and sha256 of the original distribution (Yann LeCun's page) as pinned in nixpkgs
# (pkgs/data/machine-learning/mnist/default.nix) and recorded in ../shared/data/README.md.
# Mirrors: Google's CVDF copy (used by TensorFlow), torchvision's S3 copy, the original page.
_MNIST = Dataset(
    name="mnist",
    description="MNIST handwritten digits, 60000 + 10000 images 28x28 grey, 10 classes",
    source="http://yann.lecun.com/exdb/mnist/ (LeCun, Cortes, Burges; CC BY-SA 3.0)",
    files=_files(
        (
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        (
            ("train-images-idx3-ubyte.gz", 9912422,
             "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            ("train-labels-idx1-ubyte.gz", 28881,
             "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            ("t10k-images-idx3-ubyte.gz", 1648877,
             "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            ("t10k-labels-idx1-ubyte.gz", 4542,
             "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ),
    ),
)

# Fashion-MNIST: sha256 as pinned in torchvision's prototype data sets and in TensorFlow
# Datasets; the same sha256 + sizes appear in several independent projects' checksum tables,
# whose md5 column equals the md5 published in zalandoresearch/fashion-mnist's README.
# URLs: the official S3 bucket (HTTP website endpoint) and the GitHub repository's data folder.
_FASHION = Dataset(
    name="fashion-mnist",
    description="Fashion-MNIST (Zalando) clothing, 60000 + 10000 images 28x28 grey, 10 classes",
    source="https://github.com/zalandoresearch/fashion-mnist (Xiao, Rasul, Vollgraf; MIT)",
    files=_files(
        (
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        (
            ("train-images-idx3-ubyte.gz", 26421880,
             "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            ("train-labels-idx1-ubyte.gz", 29515,
             "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ("t10k-images-idx3-ubyte.gz", 4422102,
             "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            ("t10k-labels-idx1-ubyte.gz", 5148,
             "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ),
    ),
)

# Cat vs non-cat: the deeplearning.ai course files; sizes and sha256 from
# ../shared/data/README.md, which traced them to GitHub DaJunn/Andrew-NG at commit 3c0676e7.
_CAT = Dataset(
    name="catvnoncat",
    description="deeplearning.ai cat vs non-cat, 209 + 50 RGB images 64x64, 2 classes",
    source="deeplearning.ai Neural Networks and Deep Learning course (no explicit license)",
    files=_files(
        (
            "https://raw.githubusercontent.com/DaJunn/Andrew-NG/"
            "3c0676e7bd1a196987d1f4468aafb14be97f258f/",
        ),
        (
            ("train_catvnoncat.h5", 2572022,
             "b2915374334ce9ead111542c0eb6677fedbd3844d078d17804b8da15031782f9"),
            ("test_catvnoncat.h5", 616958,
             "5ceb27329ecee9328f94bbe2a491062a1dbb8daed9ba1e5b01504c54a5010a24"),
        ),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (_MNIST, _FASHION, _CAT)}


# --------------------------------------------------------------------------- locations
def _user_cache_dir() -> Path:
    try:
        import platformdirs
    except ImportError:  # pragma: no cover - platformdirs is in the "data" extra
        return Path.home() / ".cache" / "nnmath"
    return Path(platformdirs.user_cache_dir("nnmath", appauthor=False))


def data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The root data directory: the argument, else ``$NNMATH_DATA``, else the user cache dir.

    Args:
        data_dir: an explicit directory (wins over everything else).

    Returns:
        The directory as a ``Path`` (not created; loaders create it when they download).

    Example:
        >>> data_dir("/tmp/my-data")
        PosixPath('/tmp/my-data')
    """
    return _resolve(data_dir)


def _resolve(path: str | os.PathLike[str] | None) -> Path:
    if path is not None:
        return Path(path).expanduser()
    env = os.environ.get("NNMATH_DATA")
    if env:
        return Path(env).expanduser()
    return _user_cache_dir()


def cache_dir() -> Path:
    """Where decoded arrays are cached: ``<user cache dir>/decoded`` (never the data dir)."""
    return _user_cache_dir() / "decoded"


def _get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(
            f"datasets: unknown data set {name!r}; expected one of {sorted(DATASETS)}"
        ) from None


def list_datasets() -> list[Dataset]:
    """All registered data sets (name, description, files with size, sha256, URLs).

    Example:
        >>> [d.name for d in list_datasets()]
        ['mnist', 'fashion-mnist', 'catvnoncat']
    """
    return list(DATASETS.values())


# --------------------------------------------------------------------------- checking
def sha256sum(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class FileStatus:
    """The result of checking one file: ``status`` is ok, missing, wrong size or bad sha256."""

    dataset: str
    name: str
    path: Path
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def verify(
    name: str | None = None, data_dir: str | os.PathLike[str] | None = None
) -> list[FileStatus]:
    """Check every file of one data set (or all) on disk: present, right size, right sha256.

    Args:
        name: a registered data set, or None for all of them.
        data_dir: the data directory (see :func:`data_dir`).

    Returns:
        One :class:`FileStatus` per file; ``all(s.ok for s in result)`` when everything is fine.

    Raises:
        KeyError: unknown data set name.

    Example:
        >>> [s.status for s in verify("mnist")]            # doctest: +SKIP
        ['ok', 'ok', 'ok', 'ok']
    """
    names = list(DATASETS) if name is None else [_get(name).name]
    root = _resolve(data_dir)
    out = []
    for ds_name in names:
        for f in DATASETS[ds_name].files:
            path = root / ds_name / f.name
            if not path.is_file():
                out.append(FileStatus(ds_name, f.name, path, "missing"))
                continue
            size = path.stat().st_size
            if size != f.size:
                out.append(FileStatus(ds_name, f.name, path, "wrong size",
                                      f"{size} bytes, expected {f.size}"))
                continue
            digest = sha256sum(path)
            if digest != f.sha256:
                out.append(FileStatus(ds_name, f.name, path, "bad sha256",
                                      f"sha256 {digest}, expected {f.sha256}"))
            else:
                out.append(FileStatus(ds_name, f.name, path, "ok"))
    return out


# --------------------------------------------------------------------------- downloading
def _progress(total: int | None, desc: str, enabled: bool):  # -> tqdm or a no-op
    if enabled:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            pass
        else:
            return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                        leave=False)

    class _Null:
        def update(self, n: int) -> None:
            pass

        def close(self) -> None:
            pass

    return _Null()


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    sha256: str | None = None,
    size: int | None = None,
    *,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Download ``url`` to ``dest`` atomically, checking the size and sha256 on the way.

    The bytes go to ``<dest dir>/.<name>.*.part`` and are renamed to ``dest`` (``os.replace``)
    only when the transfer is complete and the checksum matches; on any failure the partial
    file is removed, so ``dest`` is either absent or complete and verified.

    Args:
        url: http(s) or file URL.
        dest: final path of the file (its folder is created).
        sha256: expected hex sha256, or None to skip the check.
        size: expected size in bytes, or None.
        progress: show a tqdm progress bar when tqdm is installed.
        timeout: seconds to wait for the server before giving up.

    Returns:
        ``dest`` as a Path.

    Raises:
        DownloadError: network error, HTTP error status, or a transfer that ended early.
        ChecksumError: the downloaded bytes have another sha256 (nothing is stored).

    Example:
        >>> download_file("https://example.org/a.gz", "/tmp/a.gz", sha256="...")  # doctest: +SKIP
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        received = 0
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else size
                bar = _progress(total, dest.name, progress)
                try:
                    while chunk := resp.read(_CHUNK):
                        out.write(chunk)
                        h.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
                finally:
                    bar.close()
        except urllib.error.HTTPError as exc:
            raise DownloadError(f"download {url}: server answered HTTP {exc.code} {exc.reason}") \
                from exc
        except urllib.error.URLError as exc:
            raise DownloadError(f"download {url}: cannot connect ({exc.reason})") from exc
        except (OSError, ValueError) as exc:  # IncompleteRead, reset connection, timeout
            raise DownloadError(
                f"download {url}: transfer failed after {received} bytes ({exc!r})"
            ) from exc
        if length and length.isdigit() and received != int(length):
            raise DownloadError(
                f"download {url}: transfer cut off, got {received} of {length} bytes"
            )
        if size is not None and received != size:
            raise ChecksumError(
                f"download {url}: got {received} bytes, expected {size}; the server has another "
                "file than the registered one (nothing was stored)"
            )
        digest = h.hexdigest()
        if sha256 is not None and digest != sha256:
            raise ChecksumError(
                f"download {url}: sha256 {digest} does not match the expected {sha256}; "
                "the file is corrupt or not the original (nothing was stored)"
            )
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest


def _mirror_urls(f: DataFile, base_url: str | None) -> tuple[str, ...]:
    if base_url is None:
        return f.urls
    return (base_url.rstrip("/") + "/" + f.name,)


def dataset_files(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    base_url: str | None = None,
    progress: bool = True,
    files: Sequence[str] | None = None,
) -> dict[str, Path]:
    """Paths of a data set's files, downloading the missing ones (the loaders' entry point).

    Existing files are checked by size only (cheap); a wrong size is an error, never used.

    Args:
        name: registered data set name.
        data_dir: the data directory (see :func:`data_dir`).
        download: fetch missing files from the network (False: fail with instructions).
        base_url: download from ``<base_url>/<file name>`` instead of the registered URLs.
        progress: show a progress bar while downloading.
        files: only these file names of the data set (default all).

    Returns:
        ``{file name: path}``.

    Raises:
        FileNotFoundError: files missing and not downloadable (offline, server errors,
            ``download=False``); the message names the files, URLs and the folder.
        ValueError: an existing file has the wrong size, or a download's sha256 is wrong.
    """
    ds = _get(name)
    folder = _resolve(data_dir) / ds.name
    wanted = [f for f in ds.files if files is None or f.name in files]
    missing = []
    for f in wanted:
        path = folder / f.name
        if path.is_file():
            actual = path.stat().st_size
            if actual != f.size:
                raise ValueError(
                    f"datasets.{name}: {path} has {actual} bytes, expected {f.size}; it is "
                    f"corrupt or another version: delete it and run `nnmath data fetch {name}`"
                )
        else:
            missing.append(f)
    tried: list[str] = []  # why the first file that could not be fetched failed
    if download:
        while missing:
            f = missing[0]
            for url in _mirror_urls(f, base_url):
                try:
                    download_file(url, folder / f.name, f.sha256, f.size, progress=progress)
                    break
                except DownloadError as exc:
                    tried.append(str(exc))
                except PermissionError as exc:
                    tried.append(f"cannot write to {folder}: {exc}")
                    break
            else:  # every mirror failed: stop here (fail fast), report all missing files
                break
            if not (folder / f.name).is_file():
                break
            missing.pop(0)
            tried.clear()
    else:
        tried = ["download=False"]
    if missing:
        lines = [
            f"datasets.{name}: {len(missing)} file(s) missing in {folder} and could not be "
            "downloaded:"
        ]
        for f in missing:
            lines.append(f"  {f.name} ({f.size} bytes, sha256 {f.sha256})")
            lines.append(f"    from {_mirror_urls(f, base_url)[0]}")
        lines.append("Attempts:" if download else "Not downloaded: download=False.")
        if download:
            lines.extend(f"  {t}" for t in tried)
        lines.append(
            f"Download them by hand into {folder} (or set NNMATH_DATA / data_dir to a folder "
            f"that holds {ds.name}/), then check with `nnmath data verify {name}`."
        )
        raise FileNotFoundError("\n".join(lines))
    return {f.name: folder / f.name for f in wanted}


def fetch(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    base_url: str | None = None,
    progress: bool = True,
) -> list[Path]:
    """Make sure a data set's files are present, downloading and verifying missing ones.

    Args:
        name: registered data set name (see :func:`list_datasets`).
        data_dir: the data directory (see :func:`data_dir`).
        base_url: a mirror to download ``<base_url>/<file name>`` from.
        progress: show a progress bar while downloading.

    Returns:
        The paths of the data set's files.

    Raises:
        KeyError: unknown name. FileNotFoundError: offline or server errors.
        ValueError: wrong size or checksum.

    Example:
        >>> fetch("mnist")                                           # doctest: +SKIP
        [PosixPath('/home/me/.cache/nnmath/mnist/train-images-idx3-ubyte.gz'), ...]
    """
    return list(
        dataset_files(name, data_dir, base_url=base_url, progress=progress).values()
    )
