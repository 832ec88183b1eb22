"""BlobStore: the port every file goes through. Local files by default.

No caller asks the store for a local path: files go in with put_*, come out with open() (a stream)
or download_to() (a copy at a path the caller owns), and a store that can hand clients a direct link
(an S3 presigned URL) says so with redirect_url(). So an object store can replace the local one
without any pipeline or route knowing."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from videotwin.storage.keys import is_valid_key

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class BlobTooLarge(Exception):
    pass


class BlobMissing(FileNotFoundError):
    """No blob has this key (it was deleted, or never stored)."""


@dataclass(frozen=True)
class BlobInfo:
    size: int  # bytes
    content_type: str


class BlobStore(Protocol):
    def put_file(self, key: str, src: Path, content_type: str, consume: bool = False) -> int: ...
    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str, max_bytes: int) -> int: ...
    def open(self, key: str) -> BinaryIO:
        """The blob's bytes as a seekable binary stream (the caller closes it); BlobMissing if absent."""
    def download_to(self, key: str, dest: Path) -> int:
        """Copy the blob to `dest` (a path the caller owns); its size. BlobMissing if absent."""
    def stat(self, key: str) -> BlobInfo | None: ...
    def exists(self, key: str) -> bool: ...
    def content_type(self, key: str) -> str: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> int: ...
    def redirect_url(self, key: str, ttl_seconds: int) -> str | None:
        """A URL clients may fetch the blob from directly (an object store's presigned link), or None:
        then our own signed /files/ link serves it."""


class LocalBlobStore:
    """Files under one directory; content types in a parallel `.meta` tree (no key starts with '.').

    Writes go to a temporary file in the same directory and are renamed into place, so a reader
    never sees half a file and a crash leaves no partial blob behind."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._meta = self.root / ".meta"

    def _path(self, key: str) -> Path:
        if not is_valid_key(key):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key

    def _write_meta(self, key: str, content_type: str) -> None:
        meta = self._meta / (key + ".json")
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"content_type": content_type}))

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str, max_bytes: int) -> int:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise BlobTooLarge(f"more than {max_bytes} bytes")
                    out.write(chunk)
            self._write_meta(key, content_type)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size

    def put_file(self, key: str, src: Path, content_type: str, consume: bool = False) -> int:
        """Store a copy of `src`; with consume=True `src` may be moved in instead (same disk)."""
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._write_meta(key, content_type)
        if consume:
            try:
                os.replace(src, dest)
                return dest.stat().st_size
            except OSError:
                pass  # another file system: copy below
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".part-")
        os.close(fd)
        try:
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest.stat().st_size

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError):
            raise BlobMissing(key) from None

    def download_to(self, key: str, dest: Path) -> int:
        src = self._path(key)
        if not src.is_file():
            raise BlobMissing(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return dest.stat().st_size

    def stat(self, key: str) -> BlobInfo | None:
        if not is_valid_key(key):
            return None
        try:
            size = self._path(key).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            return None
        return BlobInfo(size, self.content_type(key))

    def exists(self, key: str) -> bool:
        return is_valid_key(key) and self._path(key).is_file()

    def content_type(self, key: str) -> str:
        try:
            return json.loads((self._meta / (key + ".json")).read_text())["content_type"]
        except (OSError, ValueError, KeyError):
            return DEFAULT_CONTENT_TYPE

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        (self._meta / (key + ".json")).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every blob whose key starts with `prefix` (which must end at a '/')."""
        if not prefix.endswith("/") or not is_valid_key(prefix.rstrip("/")):
            raise ValueError(f"invalid blob prefix {prefix!r}")
        count = 0
        for base in (self.root, self._meta):
            folder = base / prefix.rstrip("/")
            if folder.is_dir():
                if base is self.root:
                    count = sum(1 for p in folder.rglob("*") if p.is_file())
                shutil.rmtree(folder, ignore_errors=True)
        return count

    def redirect_url(self, key: str, ttl_seconds: int) -> str | None:
        return None  # local files are served through our own signed /files/ links
