"""Footage checks for avatar creation: each failure tells the user what to film differently."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videotwin.lipsync.tracking import Track
from videotwin.media.probe import VideoInfo, megapixels

# A face must be found in at least this share of frames.
MIN_FACE_FOUND_SHARE = 0.9
# More than one face: a second face at least this wide relative to the main one, in this share of frames.
SECOND_FACE_MIN_RELATIVE_WIDTH = 0.3
MAX_SECOND_FACE_SHARE = 0.2
# The face (forehead to chin) must be at least this tall, as a share of the frame height and in pixels.
MIN_FACE_HEIGHT_SHARE = 0.08
MIN_FACE_HEIGHT_PX = 120
# Turned away: more than this share of frames with the head turned further than this.
MAX_YAW_DEGREES = 35.0
MAX_TURNED_SHARE = 0.5
# The smallest frame that can hold a face MIN_FACE_HEIGHT_PX tall.
MIN_FRAME_SIDE_PX = MIN_FACE_HEIGHT_PX


@dataclass(frozen=True)
class FootageProblem:
    code: str
    message: str


@dataclass(frozen=True)
class FootageLimits:
    """What footage may be, from the settings (min_training_seconds, max_avatar_footage_seconds,
    max_video_frame_pixels, max_video_fps)."""

    min_seconds: float
    max_seconds: float
    max_frame_pixels: int
    max_fps: float


def _too_short(duration_seconds: float, min_seconds: float) -> FootageProblem | None:
    if duration_seconds < min_seconds:
        return FootageProblem("too_short", f"the video is {duration_seconds:.1f} s long; film at least "
                                           f"{min_seconds:g} s of the person talking")
    return None


def check_video(info: VideoInfo, limits: FootageLimits) -> FootageProblem | None:
    """The first problem the video's metadata shows (media.probe: nothing decoded yet), or None.
    Checked before tracking, which decodes every frame: a 1-hour video of 16x16 pixels held a worker
    for 4 minutes before "no face was found"."""
    w, h = info.width, info.height
    if min(w, h) < MIN_FRAME_SIDE_PX:
        return FootageProblem("too_small", f"the video is {w}x{h} pixels; at least {MIN_FRAME_SIDE_PX}x"
                                           f"{MIN_FRAME_SIDE_PX} are needed (the face alone must be "
                                           f"{MIN_FACE_HEIGHT_PX} px tall); film at 720p or more")
    if w * h > limits.max_frame_pixels:
        return FootageProblem("too_large", f"the video is {w}x{h} pixels ({megapixels(w * h)} megapixels a "
                                           f"frame); at most {megapixels(limits.max_frame_pixels)} megapixels "
                                           "a frame are accepted; export it at 4K or less")
    if info.fps > limits.max_fps:
        return FootageProblem("too_fast", f"the video has {info.fps:.4g} frames a second; at most "
                                          f"{limits.max_fps:g} are accepted; export it at 25-60 frames a second")
    if info.duration > limits.max_seconds:
        return FootageProblem("too_long", f"the video is {info.duration:.0f} s long; at most "
                                          f"{limits.max_seconds:g} s are accepted; trim it to a few minutes of "
                                          "the person talking")
    return _too_short(info.duration, limits.min_seconds)


def check(track: Track, duration_seconds: float, min_seconds: float) -> FootageProblem | None:
    """The first problem with this footage, or None if an avatar can be made from it."""
    too_short = _too_short(duration_seconds, min_seconds)
    if too_short is not None:
        return too_short
    if track.frames == 0 or track.found.mean() == 0:
        return FootageProblem("no_face", "no face was found; film one person facing the camera, face well lit "
                                         "and fully in the frame")
    if track.found.mean() < MIN_FACE_FOUND_SHARE:
        return FootageProblem("face_lost", f"the face was found in only {track.found.mean():.0%} of the frames; "
                                           "keep the whole face in the frame and unobstructed throughout")
    crowded = (track.second_face_ratio >= SECOND_FACE_MIN_RELATIVE_WIDTH).mean()
    if crowded > MAX_SECOND_FACE_SHARE:
        return FootageProblem("many_faces", f"more than one face is visible in {crowded:.0%} of the frames; film "
                                            "one person alone (no posters, screens or mirrors with faces)")
    height = float(np.nanmedian(track.face_height()))
    if height < MIN_FACE_HEIGHT_PX or height / track.height < MIN_FACE_HEIGHT_SHARE:
        return FootageProblem("face_too_small", f"the face is only {height:.0f} px tall ({height / track.height:.0%} "
                                                "of the frame); move the camera closer so the face fills at least "
                                                f"{MIN_FACE_HEIGHT_SHARE:.0%} of the frame height")
    turned = (np.abs(track.yaw_degrees()[track.found]) > MAX_YAW_DEGREES).mean()
    if turned > MAX_TURNED_SHARE:
        return FootageProblem("turned_away", f"the head is turned away from the camera in {turned:.0%} of the "
                                             "frames; film the person looking into the camera")
    return None
