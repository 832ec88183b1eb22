"""What the use cases need from the world, as the domain sees it. The runtime (runtime.py) provides
these; the domain never builds them itself, so it imports nothing above it."""

from __future__ import annotations

from typing import Protocol

from videotwin.config import Settings
from videotwin.db import Database
from videotwin.speech.tts import CloneProfile
from videotwin.storage.blobs import BlobStore
from videotwin.storage.fetch import FetchRules
from videotwin.storage.signing import UrlSigner


class JobQueue(Protocol):
    def enqueue(self, job_id: str, queue: str = ...) -> None:
        """Send a job's id to the workers of its pool (the job row is already committed)."""


class Inference(Protocol):
    """The models a request needs an answer from at once (the model server: never this process)."""

    def detect_language(self, text: str) -> tuple[str | None, float]:
        """(ISO 639-1 code or None, confidence 0..1)."""

    def speak(self, text: str, voice_id: str, rate: float = 1.0, clone: CloneProfile | None = None) -> bytes:
        """Loudness-normalised MP3 of `text` in a public voice (moved to a cloned voice's profile)."""


class Services(Protocol):
    settings: Settings
    db: Database
    blobs: BlobStore
    signer: UrlSigner
    queue: JobQueue
    inference: Inference

    @property
    def fetch_rules(self) -> FetchRules: ...

    def url_for(self, key: str) -> str:
        """A signed, expiring download link to a stored file."""
