"""Kokoro's voice style files, from the npm package kokoro-js (Apache-2.0): 54 voices in nine
languages, one 510x256 float32 table each (one style vector per input length).

`make install` runs `python -m videotwin.inference.kokoro_voices install`: npm fetches the package by
name and version (npm checks the tarball against the registry's integrity hash), each voice file is
checked against the SHA-256 list shipped here, and the files are kept in the voices folder
(settings.voices_dir). Nothing is fetched at run time: a missing or altered file is an error that
says how to install it."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "kokoro-js"
VERSION = "1.2.1"
STYLE_ROWS, STYLE_DIM = 510, 256
NPM_TIMEOUT_SECONDS = 600
_MANIFEST = f"{PACKAGE}-{VERSION}-voices.sha256"
_ASSETS = Path(__file__).resolve().parents[1] / "assets" / "kokoro"


class VoicesMissing(RuntimeError):
    pass


def manifest() -> dict[str, str]:
    """Voice name -> SHA-256 of its file."""
    text = (_ASSETS / _MANIFEST).read_text()
    out = {}
    for line in text.splitlines():
        digest, name = line.split()
        out[name.removesuffix(".bin")] = digest
    return out


def folder(voices_dir: Path) -> Path:
    return voices_dir / f"{PACKAGE}-{VERSION}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def installed(voices_dir: Path) -> bool:
    here = folder(voices_dir)
    return all((here / f"{name}.bin").is_file() for name in manifest())


def load(voices_dir: Path) -> dict[str, np.ndarray]:
    """Every voice's style table, (STYLE_ROWS, 1, STYLE_DIM) float32, checked against the manifest."""
    here = folder(voices_dir)
    styles = {}
    for name, digest in manifest().items():
        path = here / f"{name}.bin"
        if not path.is_file():
            raise VoicesMissing(f"the Kokoro voice files are not installed in {here}; run `make install` "
                                f"(or `python -m videotwin.inference.kokoro_voices install {voices_dir}`)")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise VoicesMissing(f"{path} does not match its checksum; run `make install` again")
        styles[name] = np.frombuffer(data, dtype="<f4").reshape(STYLE_ROWS, 1, STYLE_DIM).copy()
    return styles


def install(voices_dir: Path) -> Path:
    """Fetch kokoro-js with npm, check every voice file and keep them in voices_dir (idempotent)."""
    wanted = manifest()
    dest = folder(voices_dir)
    if dest.is_dir() and all((dest / f"{n}.bin").is_file() and _sha256(dest / f"{n}.bin") == d
                             for n, d in wanted.items()):
        return dest
    npm = shutil.which("npm")
    if npm is None:
        raise VoicesMissing("npm is not installed (Debian package npm); it fetches the Kokoro voices")
    with tempfile.TemporaryDirectory(prefix="kokoro-js-") as tmp:
        subprocess.run([npm, "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=tmp, check=True,
                       timeout=NPM_TIMEOUT_SECONDS, stdout=subprocess.DEVNULL)
        tarball = next(Path(tmp).glob(f"{PACKAGE}-{VERSION}.tgz"))
        staging = Path(tempfile.mkdtemp(prefix=".voices-", dir=_parent(dest)))
        try:
            with tarfile.open(tarball) as tar:
                for name, digest in wanted.items():
                    member = tar.getmember(f"package/voices/{name}.bin")
                    data = tar.extractfile(member).read()
                    if hashlib.sha256(data).hexdigest() != digest:
                        raise VoicesMissing(f"{PACKAGE}@{VERSION} voices/{name}.bin does not match its checksum")
                    (staging / f"{name}.bin").write_bytes(data)
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(staging, dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return dest


def _parent(dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest.parent


def main(argv: list[str] | None = None) -> int:
    from videotwin.config import Settings

    parser = argparse.ArgumentParser(prog="python -m videotwin.inference.kokoro_voices")
    parser.add_argument("command", choices=["install"])
    parser.add_argument("voices_dir", nargs="?", type=Path, help="default: settings.voices_dir")
    args = parser.parse_args(argv)
    where = install(args.voices_dir or Settings().voices_dir)
    print(f"Kokoro voices: {len(manifest())} files in {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
