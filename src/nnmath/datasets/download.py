"""Downloading one file safely: streamed, size- and sha256-checked, stored atomically.

The bytes go to ``.<name>.*.part`` in the destination folder and are renamed to the final
name with ``os.replace`` only when the transfer is complete and the checksum matches; on any
failure the partial file is removed, so a half-written file never appears under the final
name. The data set table and the loaders' entry point are in :mod:`nnmath.datasets.registry`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["DEFAULT_TIMEOUT", "ChecksumError", "DownloadError", "download_file", "sha256sum"]

_CHUNK = 1 << 20  # bytes per read while downloading and hashing
DEFAULT_TIMEOUT = 30.0  # seconds without data before a download is abandoned


class ChecksumError(ValueError):
    """A file's sha256 does not match the registry: the file is corrupt or not the original."""


class DownloadError(OSError):
    """A file could not be downloaded (offline, server error, transfer cut off).

    ``str(exc)`` is ``"download <url>: <reason>"``; ``exc.reason`` is the short reason alone.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"download {url}: {reason}")
        self.url = url
        self.reason = reason


def sha256sum(path: str | os.PathLike[str]) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


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
                        if size is not None and received > size:
                            break  # not the registered file: stop reading (reported below)
                finally:
                    bar.close()
        except urllib.error.HTTPError as exc:
            raise DownloadError(url, f"server answered HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise DownloadError(url, f"cannot connect ({exc.reason})") from exc
        except (OSError, ValueError) as exc:  # IncompleteRead, reset connection, timeout
            raise DownloadError(url, f"transfer failed after {received} bytes ({exc!r})") \
                from exc
        if size is not None and received > size:
            raise ChecksumError(
                f"download {url}: the server sends more than the registered {size} bytes; it "
                "has another file than the registered one (nothing was stored)"
            )
        if length and length.isdigit() and received != int(length):
            raise DownloadError(url, f"transfer cut off, got {received} of {length} bytes")
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
