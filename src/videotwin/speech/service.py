"""One Synthesizer (and its calibrations) per process and models folder, built on first use."""

from __future__ import annotations

import threading
from pathlib import Path

from videotwin.speech.clone import SpeakerStats, base_stats
from videotwin.speech.tts import Synthesizer
from videotwin.speech.voices import PublicVoice

_lock = threading.Lock()
_synths: dict[Path, Synthesizer] = {}
_base: dict[tuple[Path, str], SpeakerStats] = {}


def synthesizer(models_dir: Path) -> Synthesizer:
    with _lock:
        if models_dir not in _synths:
            _synths[models_dir] = Synthesizer(models_dir)
        return _synths[models_dir]


def calibration(models_dir: Path, voice: PublicVoice) -> SpeakerStats:
    key = (models_dir, voice.id)
    if key not in _base:
        stats = base_stats(synthesizer(models_dir), voice)
        with _lock:
            _base[key] = stats
    return _base[key]
