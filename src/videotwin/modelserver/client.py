"""The API's side of the model server: its calls, each bounded in time, its refusals as user errors."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import httpx

from videotwin.errors import BadInput, Unavailable
from videotwin.modelserver.protocol import (
    LANGUAGE_PATH,
    SPEAK_PATH,
    LanguageAnswer,
    LanguageRequest,
    Refusal,
    SpeakRequest,
)
from videotwin.speech.tts import CloneProfile

# A model server being (re)started accepts connections within a few seconds: wait that long for it.
CONNECT_WAIT_SECONDS = 15.0
CONNECT_RETRY_SECONDS = 0.25
CONNECT_TIMEOUT_SECONDS = 5.0
# Pooled connections to the model server per API process (one per call running at once).
MAX_CONNECTIONS = 32


class ModelClient:
    """Thread-safe; one per process. `url`: unix:///path or http://host:port."""

    def __init__(self, url: str, timeout_seconds: float, connect_wait_seconds: float = CONNECT_WAIT_SECONDS) -> None:
        self.url, self.timeout, self.connect_wait = url, timeout_seconds, connect_wait_seconds
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                parts = urlsplit(self.url)
                limits = httpx.Limits(max_connections=MAX_CONNECTIONS)
                timeout = httpx.Timeout(self.timeout, connect=CONNECT_TIMEOUT_SECONDS)
                if parts.scheme == "unix":
                    transport = httpx.HTTPTransport(uds=parts.path, limits=limits)
                    self._client = httpx.Client(transport=transport, base_url="http://models", timeout=timeout)
                else:
                    self._client = httpx.Client(base_url=self.url, timeout=timeout, limits=limits)
            return self._client

    def _post(self, path: str, body: dict, what: str) -> httpx.Response:
        deadline = time.monotonic() + self.connect_wait
        while True:
            try:
                response = self._http().post(path, json=body)
                break
            except httpx.ConnectError as exc:
                if time.monotonic() > deadline:
                    raise Unavailable(f"{what} is unavailable: the model server does not answer ({exc}); it is "
                                      "restarted automatically, try again shortly") from None
                time.sleep(CONNECT_RETRY_SECONDS)
            except httpx.TimeoutException:
                raise Unavailable(f"{what} took longer than {self.timeout:g} s; try again, or with a shorter "
                                  "text") from None
            except httpx.TransportError as exc:
                raise Unavailable(f"{what} failed: the connection to the model server broke ({exc})") from None
        if response.status_code == 200:
            return response
        try:
            refusal = Refusal.model_validate_json(response.content)
        except ValueError:
            refusal = Refusal(msg=f"the model server answered HTTP {response.status_code}")
        if refusal.field is not None:
            raise BadInput(refusal.field, refusal.msg)
        if response.status_code == 503:
            raise Unavailable(f"{what}: {refusal.msg}")
        raise RuntimeError(f"{what} failed in the model server: {refusal.msg}")

    def detect_language(self, text: str) -> tuple[str | None, float]:
        response = self._post(LANGUAGE_PATH, LanguageRequest(text=text).model_dump(), "language detection")
        answer = LanguageAnswer.model_validate_json(response.content)
        return answer.code, answer.confidence

    def speak(self, text: str, voice_id: str, rate: float = 1.0, clone: CloneProfile | None = None) -> bytes:
        """MP3 bytes, loudness-normalised (-16 LUFS)."""
        request = SpeakRequest(text=text, voice_id=voice_id, rate=rate, clone=clone)
        return self._post(SPEAK_PATH, request.model_dump(mode="json"), "speech synthesis").content

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
