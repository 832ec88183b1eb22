"""One settings tree, read from VIDEOTWIN_* environment variables, built once and passed down."""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
DAY_SECONDS = 24 * 3600
# Linux limits a unix socket's path to 107 bytes; keep a margin.
MAX_SOCKET_PATH_CHARS = 100


class Prices(BaseModel):
    """What each operation costs. Set as VIDEOTWIN_PRICES__<NAME>=<integer>.

    Later pipelines add their own entries here; one place lists every price an operator can set.
    """

    # Coins charged per diamond bought through user/exchangeDiamonds.
    coins_per_diamond: int = Field(default=100, ge=1)
    # Coins per video/send_tts call (0: free).
    tts_coins: int = Field(default=0, ge=0)
    # Coins per voice-clone training (userVoice/training); refunded if it fails.
    voice_clone_coins: int = Field(default=10, ge=0)
    # Coins per avatar made from a video (userVideoTwin/startTraining); refunded if it fails.
    avatar_create_coins: int = Field(default=20, ge=0)
    # Diamonds per photo avatar (A2E charges image avatars in diamonds).
    photo_avatar_diamonds: int = Field(default=1, ge=0)
    # Diamonds per personalised lip-sync training (userVideoTwin/continueTraining; A2E: 1); refunded
    # if it fails.
    lipsync_training_diamonds: int = Field(default=1, ge=0)
    # Coins per avatar video (video/generate); refunded if it fails.
    video_coins: int = Field(default=10, ge=0)
    # Coins per talking photo / talking video (talkingPhoto/start, talkingVideo/start); refunded if it fails.
    talking_photo_coins: int = Field(default=10, ge=0)
    talking_video_coins: int = Field(default=10, ge=0)
    # Coins per caption removal (userCaptionRemoval/start); refunded if it fails.
    caption_removal_coins: int = Field(default=10, ge=0)


POOL_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIDEOTWIN_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Base of the links we hand out (signed file URLs). Defaults to http://host:port.
    public_url: str | None = None
    data_dir: Path = Path("./data")
    # SQLAlchemy URL. Default: SQLite (WAL) at <data_dir>/videotwin.db.
    database_url: str | None = None
    # Huey queue storage. Default: SQLite at <data_dir>/queue.db; redis://... for several machines.
    queue_url: str | None = None
    # HMAC key for signed URLs. Default: generated once into <data_dir>/secret_key.
    secret_key: SecretStr | None = None

    # Hosts (names, IP addresses or CIDR ranges) that input URLs and webhooks may reach even though
    # they resolve to loopback or private addresses. Comma-separated.
    fetch_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    fetch_max_bytes: int = Field(default=2 * GIB, ge=1)
    fetch_timeout_seconds: float = Field(default=120.0, gt=0)
    fetch_connect_timeout_seconds: float = Field(default=10.0, gt=0)

    # API processes: Python runs one request at a time per process, so use one per core.
    api_processes: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=1, le=64)
    # An idle kept-alive connection is closed after this long: longer than any client's polling
    # interval (A2E clients poll every 3-10 s), so a poll never meets a connection closing under it.
    api_keep_alive_seconds: float = Field(default=75.0, gt=0)
    # Threads for quick API requests, and for slow ones (fetching URLs, password hashing).
    api_threads: int = Field(default=4, ge=1, le=64)
    api_slow_threads: int = Field(default=16, ge=1, le=256)

    max_json_body_bytes: int = Field(default=1 * MIB, ge=1 * KIB)
    max_upload_bytes: int = Field(default=2 * GIB, ge=1)
    signed_url_ttl_seconds: int = Field(default=7 * DAY_SECONDS, ge=60)
    upload_url_ttl_seconds: int = Field(default=1 * DAY_SECONDS, ge=60)
    login_token_ttl_seconds: int = Field(default=7 * DAY_SECONDS, ge=60)

    # Jobs: a worker holds a lease on a running job and renews it every lease/3 seconds; the reaper
    # re-queues a job whose lease ran out (its worker died) until max_attempts is reached.
    job_lease_seconds: float = Field(default=30.0, ge=0.5)
    job_max_attempts: int = Field(default=3, ge=1)
    reaper_interval_seconds: float = Field(default=5.0, gt=0)
    # A queued job whose queue message may have been lost is re-sent after this long.
    requeue_after_seconds: float = Field(default=900.0, gt=0)
    progress_interval_seconds: float = Field(default=1.0, ge=0)
    worker_concurrency: int = Field(default=1, ge=1)
    # The pool (queue) this worker takes jobs from. "default" is the shared pool; an operator may run
    # workers for a dedicated pool and send a user's videos there (dedicated_pools).
    worker_pool: str = Field(default="default", pattern=POOL_PATTERN)
    # username -> pool, JSON: VIDEOTWIN_DEDICATED_POOLS='{"alice": "alice-gpu"}'. A video goes to the
    # shared pool instead when the request says isToPublicPool or the user set video/auto-public-pool.
    dedicated_pools: dict[str, Annotated[str, Field(pattern=POOL_PATTERN)]] = Field(default_factory=dict)
    # Workers run at a lower CPU priority so the API answers quickly while they compute.
    worker_niceness: int = Field(default=10, ge=0, le=19)
    # Longest wait between queue polls when the queue is empty.
    queue_poll_max_seconds: float = Field(default=1.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    prices: Prices = Field(default_factory=Prices)

    # Shortest avatar footage accepted, seconds (A2E: 10). Lower it for short held-out evaluations.
    min_training_seconds: float = Field(default=10.0, ge=1.0)
    # Longest audio video/generate accepts, seconds.
    max_video_audio_seconds: float = Field(default=1800.0, ge=1.0)
    # Media limits (docs/API.md, "Media limits"), checked from each input's header (ffprobe, the
    # image header) before any of it is decoded, so an oversized input is refused in a second
    # instead of holding a worker for minutes or gigabytes:
    # the longest avatar footage (userVideoTwin/startTraining), seconds;
    max_avatar_footage_seconds: float = Field(default=600.0, ge=1.0)
    # the longest video a task that edits one takes (userCaptionRemoval), seconds;
    max_source_video_seconds: float = Field(default=1800.0, ge=1.0)
    # the longest voice reference (userVoice/training: all voice_urls together), seconds;
    max_voice_reference_seconds: float = Field(default=300.0, ge=1.0)
    # the most pixels in one video frame (default 4096x2160, DCI 4K), and frames per second;
    max_video_frame_pixels: int = Field(default=4096 * 2160, ge=1)
    max_video_fps: float = Field(default=120.0, gt=0)
    # the most pixels in an image (portraits, backgrounds): 50 megapixels (a 12-megapixel phone photo
    # decodes to 36 MB; 50 megapixels to 150 MB).
    max_image_pixels: int = Field(default=50_000_000, ge=1)

    # Extra modules: register_pipelines(pipelines) adds job kinds, register_models(models) adds or
    # replaces models (an operator's GPU engine, test kinds). Comma-separated.
    plugins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Models (inference/registry.py): where they run, their CPU threads (default: every core), how
    # long one nobody uses stays loaded, and which a worker keeps loaded all the time (names as in
    # videotwin/models.py, comma-separated).
    model_device: Literal["cpu", "cuda"] = "cpu"
    # Model files installed beside the code by `make install` rather than from PyPI: Kokoro's voice
    # styles from npm (inference/kokoro_voices.py). Shared by every data dir of this installation.
    voices_dir: Path = Field(default_factory=lambda: Path(sys.prefix) / "share" / "videotwin" / "voices")
    model_threads: int | None = Field(default=None, ge=1, le=256)
    model_idle_seconds: float = Field(default=600.0, gt=0)
    model_keep_warm: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The model server answers the API's synchronous model calls (send_tts, lang_classify, the checks
    # of a text video/generate). Default: `serve` runs one beside the API on a unix socket; set a URL
    # (http://host:port or unix:///path) to use one running elsewhere (`videotwin model-server`).
    model_server_url: str | None = None
    # It keeps these models loaded from the start, synthesises speech on this many threads at once
    # (each with its share of the cores), with quick calls such as language detection on a lane of
    # their own so they never wait behind speech, and answers "busy" (503) rather than let more than
    # model_server_queue calls wait.
    model_server_keep_warm: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["langid", "piper", "kokoro"])
    model_server_threads: int = Field(default=2, ge=1, le=64)
    model_server_queue: int = Field(default=32, ge=0)
    # The model server runs a little below the API's CPU priority (and above the workers'): a status
    # poll is answered before a sentence is synthesised, and both before a render.
    model_server_niceness: int = Field(default=5, ge=0, le=19)
    # How long an API call waits for the model server (a 1000-character text in a cloned voice takes
    # a few seconds; the first call of a cold server loads the model too).
    model_request_timeout_seconds: float = Field(default=120.0, gt=0)

    _split = field_validator("fetch_allow_hosts", "plugins", "model_keep_warm", "model_server_keep_warm",
                             mode="before")(_split_csv)

    @property
    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'videotwin.db').resolve()}"

    @property
    def resolved_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{(self.data_dir / 'queue.db').resolve()}"

    @property
    def models_dir(self) -> Path:
        """Model files assembled from their packages at first use (whisper-base, kokoro)."""
        return self.data_dir / "models"

    @property
    def resolved_model_server_url(self) -> str:
        """Where the model server listens: the setting, else a unix socket for this data dir (in the
        data dir if its path is short enough for a socket, else in the system's temporary folder)."""
        if self.model_server_url:
            return self.model_server_url.rstrip("/")
        data = self.data_dir.resolve()
        local = data / "models.sock"
        if len(str(local)) > MAX_SOCKET_PATH_CHARS:
            digest = hashlib.sha256(str(data).encode()).hexdigest()[:16]
            local = Path(tempfile.gettempdir()) / f"videotwin-{digest}.sock"
        return f"unix://{local}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def admin_token_path(self) -> Path:
        return self.data_dir / "admin_token"
