"""espeak-ng, run as a separate program (it is GPL; nothing of it is imported): IPA phonemes for the
neural voices, and formant synthesis for languages no neural voice covers."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

ESPEAK = "espeak-ng"
ESPEAK_TIMEOUT_SECONDS = 60
# espeak-ng's default speaking rate in words per minute, and the rate its voices sound at.
ESPEAK_DEFAULT_WPM = 175
SAMPLE_RATE_HZ = 22_050


class EspeakMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class EspeakVoice:
    language: str  # e.g. "de", "en-us", "cmn"
    name: str  # e.g. "German"
    file: str  # e.g. "gmw/de"


def _run(args: list[str], text: str) -> bytes:
    if shutil.which(ESPEAK) is None:
        raise EspeakMissing("espeak-ng is not installed (Debian package espeak-ng)")
    # Text goes through stdin, never the command line, so nothing in it is read as an option.
    proc = subprocess.run([ESPEAK, *args, "--stdin"], input=text.encode(), capture_output=True,
                          timeout=ESPEAK_TIMEOUT_SECONDS, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"espeak-ng failed: {proc.stderr.decode(errors='replace')[:300]}")
    return proc.stdout


def phonemize(text: str, voice: str, tie: str | None = None) -> list[str]:
    """IPA phonemes of `text`, one string per clause (espeak splits at , . ; : ! ?); `tie` joins the
    symbols of one sound (t^ʃ) where given."""
    out = _run(["-q", "--ipa", *([f"--tie={tie}"] if tie else []), "-v", voice], text).decode()
    return [line.strip() for line in out.splitlines() if line.strip()]


def synthesize(text: str, voice: str, rate: float = 1.0) -> tuple[np.ndarray, int]:
    """Formant synthesis: (mono float32 samples in [-1, 1], sample rate)."""
    wpm = int(round(ESPEAK_DEFAULT_WPM * rate))
    data = _run(["-v", voice, "-s", str(wpm), "--stdout"], text)
    with wave.open(io.BytesIO(data)) as w:
        sr = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return pcm.astype(np.float32) / 32768.0, sr


@lru_cache(maxsize=1)
def voices() -> tuple[EspeakVoice, ...]:
    out = subprocess.run([ESPEAK, "--voices"], capture_output=True, timeout=ESPEAK_TIMEOUT_SECONDS,
                         check=True).stdout.decode()
    found = []
    for line in out.splitlines()[1:]:
        parts = re.split(r"\s+", line.strip())
        if len(parts) >= 5:
            found.append(EspeakVoice(language=parts[1], name=parts[3].replace("_", " "), file=parts[4]))
    return tuple(found)
