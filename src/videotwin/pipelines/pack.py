"""An avatar's pack: what avatar.create stores and every pipeline that makes the avatar speak reads."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from videotwin.pipelines.base import JobOutputs

# The pack's files, as a job names them in its workdir and in the store.
TRACK, BASE, BANK, COVER, PREVIEW = "track.npz", "base.mp4", "bank.zip", "cover.jpg", "preview.mp4"


class AvatarFiles(BaseModel):
    """Blob keys of the pack's files."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    track: str  # landmarks per frame (pack-size pixels), frame rate, size (lipsync.animate.save_track)
    cover: str  # a calm frame, for listings
    preview: str | None = None  # the avatar saying a sentence (not made for a talking photo/video)
    # A video avatar: the footage as sent, its base video and its mouth bank (avatars made before base
    # and bank existed have the footage only; they are built from it when needed).
    footage: str | None = None
    base: str | None = None
    bank: str | None = None
    # A photo avatar: the portrait.
    image: str | None = None


class AvatarPack(JobOutputs):
    files: AvatarFiles
    fps: float
    frames: int
    width: int  # the pack's frame size, pixels
    height: int
    duration: float | None = None  # of the footage, seconds
    preview_seconds: float | None = None

    @property
    def kind(self) -> str:
        """video or image (a photo avatar)."""
        return "image" if self.files.image else "video"
