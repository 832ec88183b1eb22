"""Footage checks for avatar creation: each failure tells the user what to film differently."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videotwin.lipsync.tracking import Track

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


@dataclass(frozen=True)
class FootageProblem:
    code: str
    message: str


def check(track: Track, duration_seconds: float, min_seconds: float) -> FootageProblem | None:
    """The first problem with this footage, or None if an avatar can be made from it."""
    if duration_seconds < min_seconds:
        return FootageProblem("too_short", f"the video is {duration_seconds:.1f} s long; film at least "
                                           f"{min_seconds:g} s of the person talking")
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
