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
the final name. Files already on disk are used only when their size and sha256 match (the
digest is computed once per process and file version, ~50 ms for all of MNIST; loaders take
``checksum=False`` for a copy of your own); ``verify()`` / ``nnmath data verify`` recompute
every sha256.

Errors for missing files carry a complete one-line summary as the first line of the message
(where, what, why, the fix), so a command line can show that line alone; the lines after it
list every file with its size, sha256 and URL and every download attempt.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .download import ChecksumError, DownloadError, download_file, sha256sum

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
    "get_dataset",
    "list_datasets",
    "sha256sum",
    "verify",
]


@dataclass(frozen=True)
class DataFile:
    """One file of a data set: its name, size in bytes, sha256 and the URLs it comes from.

    ``content_sha256`` (gzip files): the sha256 of the decompressed bytes. A file with another
    gzip wrapper (compression level, time stamp, file name in the header) but the same
    content, as Linux distributions repackage these sets, is accepted on that check.
    """

    name: str
    size: int
    sha256: str
    urls: tuple[str, ...]
    content_sha256: str | None = None


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


def _files(mirrors: Sequence[str], table: Sequence[tuple]) -> tuple[DataFile, ...]:
    """Rows ``(name, size, sha256[, decompressed-content sha256])`` -> DataFiles."""
    return tuple(
        DataFile(row[0], row[1], row[2], tuple(m.rstrip("/") + "/" + row[0] for m in mirrors),
                 row[3] if len(row) > 3 else None)
        for row in table
    )


# MNIST: the 4th column is the sha256 of the decompressed content (computed from the verified
# originals with `zcat FILE | sha256sum`). Fashion-MNIST: recorded for the two label files
# (from the copies in zalandoresearch/fashion-mnist's data/fashion/, whose .gz sha256 equal the
# pinned ones); the two image files have none yet (no verified copy was at hand), so for them
# only the .gz sha256 is checked.
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
             "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            ("train-labels-idx1-ubyte.gz", 28881,
             "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            ("t10k-images-idx3-ubyte.gz", 1648877,
             "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
             "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            ("t10k-labels-idx1-ubyte.gz", 4542,
             "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
             "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
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
             "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
             "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            ("t10k-images-idx3-ubyte.gz", 4422102,
             "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            ("t10k-labels-idx1-ubyte.gz", 5148,
             "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
             "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
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
        root = Path(env).expanduser()
        if root.exists() and not root.is_dir():  # e.g. one of the data files itself
            example = f", e.g. NNMATH_DATA={root.parent.parent}" if _parent_hint(
                root.parent) else ""  # a data file inside a data set's folder
            raise NotADirectoryError(
                f"NNMATH_DATA={env}: a file, not a folder; point NNMATH_DATA at the folder "
                f"holding mnist/, catvnoncat/, ...{example}")
        if not root.is_dir():  # never create a folder tree the user may have mistyped
            raise FileNotFoundError(
                f"NNMATH_DATA={env}: no such folder (nothing was created); create it "
                f"(mkdir -p {env}) or point NNMATH_DATA at the folder holding mnist/, "
                "catvnoncat/, ... (unset, nnmath uses the user cache folder)")
        return root
    return _user_cache_dir()


def _parent_hint(root: Path) -> str:
    """A hint when ``root`` looks like ONE data set's folder rather than the folder above."""
    names = {f.name for ds in DATASETS.values() for f in ds.files}
    if root.name in DATASETS or (root.is_dir() and any((root / n).is_file() for n in names)):
        return (f"; {root} looks like a data set folder itself: NNMATH_DATA / data_dir must "
                f"name the folder that holds it, e.g. NNMATH_DATA={root.parent}")
    return ""


def cache_dir() -> Path:
    """Where decoded arrays are cached: ``<user cache dir>/decoded`` (never the data dir)."""
    return _user_cache_dir() / "decoded"


def get_dataset(name: str) -> Dataset:
    """The registry entry of one data set (its files, sizes, sha256 and URLs).

    Raises:
        KeyError: unknown name; the message lists the registered ones.

    Example:
        >>> get_dataset("mnist").files[0].name
        'train-images-idx3-ubyte.gz'
    """
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


# files already verified in this process: (resolved path, size, mtime_ns) -> which check passed
_SEEN: dict[tuple[str, int, int], str] = {}


def _content_sha256(path: Path) -> str | None:
    """sha256 of a gzip file's decompressed bytes, None when it is not a readable gzip file."""
    import gzip
    import hashlib

    h = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except (OSError, EOFError):
        return None
    return h.hexdigest()


_BY_FILE = "file sha256"
_BY_CONTENT = "decompressed content sha256; the gzip wrapper differs from the registered file"


def _check_file(ds_name: str, f: DataFile, path: Path, *, remember: bool) -> FileStatus:
    """Compare one file on disk with its registry entry: present, size and sha256, or, for a
    gzip file with a registered content hash, the sha256 of its decompressed bytes.

    ``detail`` of an ok file says which check passed. With ``remember`` a verdict computed
    earlier in this process for the same path, size and mtime is reused (loads stay fast).
    """
    if not path.is_file():
        return FileStatus(ds_name, f.name, path, "missing")
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if remember and key in _SEEN:
        return FileStatus(ds_name, f.name, path, "ok", _SEEN[key])
    digest = sha256sum(path) if st.st_size == f.size else None
    if digest == f.sha256:
        verdict = _BY_FILE
    elif f.content_sha256 and _content_sha256(path) == f.content_sha256:
        verdict = _BY_CONTENT
    elif digest is None:
        return FileStatus(ds_name, f.name, path, "wrong size",
                          f"{st.st_size} bytes, expected {f.size}")
    else:
        return FileStatus(ds_name, f.name, path, "bad sha256",
                          f"sha256 {digest}, expected {f.sha256}")
    _SEEN[key] = verdict
    return FileStatus(ds_name, f.name, path, "ok", verdict)


def verify(
    name: str | None = None, data_dir: str | os.PathLike[str] | None = None
) -> list[FileStatus]:
    """Check every file of one data set (or all) on disk: present, right size, right sha256.

    The sha256 is recomputed for every file (about 50 ms for MNIST and cat vs non-cat).

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
    names = list(DATASETS) if name is None else [get_dataset(name).name]
    root = _resolve(data_dir)
    return [
        _check_file(ds_name, f, root / ds_name / f.name, remember=False)
        for ds_name in names
        for f in DATASETS[ds_name].files
    ]


# --------------------------------------------------------------------------- downloading
def _mirror_urls(f: DataFile, base_url: str | None) -> tuple[str, ...]:
    if base_url is None:
        return f.urls
    return (base_url.rstrip("/") + "/" + f.name,)


def _existing_ok(name: str, st: FileStatus) -> None:
    """Raise ChecksumError for a file present on disk that is not the registered original."""
    if st.status in ("wrong size", "bad sha256"):
        raise ChecksumError(
            f"datasets.{name}: {st.path} is not the registered original ({st.status}: "
            f"{st.detail}); delete it and run `nnmath data fetch {name}`, or pass "
            "checksum=False to use this copy as it is"
        )


def _missing_error(
    ds: Dataset, folder: Path, missing: list[DataFile], tried: list[DownloadError | str],
    base_url: str | None,
) -> FileNotFoundError:
    """The error for files that are neither on disk nor downloadable.

    The first line is a complete one-line summary (where, what, why, the fix) that a command
    line shows alone; the lines after it give every file's size, sha256 and URL and every
    download attempt.
    """
    last = tried[-1] if tried else "download=False"
    why = f"download failed: {last.reason}" if isinstance(last, DownloadError) else last
    lines = [
        f"datasets.{ds.name}: {len(missing)} file(s) missing in {folder} ({why}); put them "
        f"there or run `nnmath data fetch {ds.name}` when online "
        f"(`nnmath data list {ds.name}` shows the URLs){_parent_hint(folder.parent)}",
        "Missing files (name, bytes, sha256, URL):",
    ]
    for f in missing:
        lines.append(f"  {f.name}  {f.size}  {f.sha256}")
        lines.append(f"    {_mirror_urls(f, base_url)[0]}")
    if tried and isinstance(tried[0], DownloadError):
        lines.append("Attempts:")
        lines.extend(f"  {t}" for t in tried)
    lines.append(
        f"Files you already have: put them in {folder} (or point NNMATH_DATA / data_dir at a "
        f"folder holding {ds.name}/), then check them with `nnmath data verify {ds.name}`."
    )
    return FileNotFoundError("\n".join(lines))


def _download_missing(
    folder: Path, missing: list[DataFile], base_url: str | None, progress: bool
) -> list[DownloadError | str]:
    """Download missing files in order, each from its first mirror that works.

    Stops at the first file no mirror can deliver (fail fast) and returns why each mirror
    failed for it; ``missing`` keeps the files still absent. A ChecksumError propagates.
    """
    while missing:
        f = missing[0]
        tried: list[DownloadError | str] = []
        for url in _mirror_urls(f, base_url):
            try:
                download_file(url, folder / f.name, f.sha256, f.size, progress=progress)
                break
            except DownloadError as exc:
                tried.append(exc)
            except PermissionError as exc:
                return [f"cannot write to {folder}: {exc}"]
        else:
            return tried
        missing.pop(0)
    return []


def dataset_files(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    base_url: str | None = None,
    progress: bool = True,
    files: Sequence[str] | None = None,
    checksum: bool = True,
) -> dict[str, Path]:
    """Paths of a data set's files, downloading the missing ones (the loaders' entry point).

    A file on disk is used only when its size and sha256 match the registry (the digest is
    computed once per process and file version: about 50 ms for all of MNIST), so a corrupt
    or substituted file is reported, never silently used.

    Args:
        name: registered data set name.
        data_dir: the data directory (see :func:`data_dir`).
        download: fetch missing files from the network (False: fail with instructions).
        base_url: download from ``<base_url>/<file name>`` instead of the registered URLs.
        progress: show a progress bar while downloading.
        files: only these file names of the data set (default all).
        checksum: check files already on disk; False uses them as they are (e.g. your own
            re-saved copy). Downloads are always checked.

    Returns:
        ``{file name: path}``.

    Raises:
        FileNotFoundError: files missing and not downloadable (offline, server errors,
            ``download=False``). The first line of the message is a one-line summary; the
            lines after it name every file with its size, sha256 and URL.
        ChecksumError: (a ValueError) a file on disk or a download with the wrong size or
            sha256; a bad download is never stored.

    Example:
        >>> dataset_files("mnist", download=False)["t10k-labels-idx1-ubyte.gz"]  # doctest: +SKIP
        PosixPath('/home/me/.cache/nnmath/mnist/t10k-labels-idx1-ubyte.gz')
    """
    ds = get_dataset(name)
    folder = _resolve(data_dir) / ds.name
    wanted = [f for f in ds.files if files is None or f.name in files]
    missing = []
    for f in wanted:
        path = folder / f.name
        if not path.is_file():
            missing.append(f)
        elif checksum:
            _existing_ok(name, _check_file(name, f, path, remember=True))
    if missing:
        created = not folder.exists()
        tried: list[DownloadError | str] = ["not downloaded: download=False"]
        try:
            if download:
                tried = _download_missing(folder, missing, base_url, progress)
        finally:
            if created and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()  # leave no empty folder behind a failed download
        if missing:
            raise _missing_error(ds, folder, missing, tried, base_url)
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
