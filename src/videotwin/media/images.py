"""Images users send (portraits, backgrounds), read safely: the header is read first and a picture
that declares more pixels than allowed is refused before any of it is decoded (a 1.2 MB PNG can
declare 20000x20000 pixels: 1.2 GB once decoded). Every image a user sends is read through here."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from videotwin.media.audio import MediaError
from videotwin.media.probe import megapixels

# PIL's own guard (process-wide) refuses past 179 megapixels without saying the size, and warns past
# 89; the limit that counts is the operator's (settings.max_image_pixels), checked below on the
# header, with the size in the message. Nothing else in videotwin opens image files with PIL.
Image.MAX_IMAGE_PIXELS = None


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the file's header; nothing is decoded. MediaError if it is no image."""
    try:
        with Image.open(path) as img:  # opening reads the header only
            return img.size
    except (OSError, ValueError, SyntaxError):  # what PIL raises for files it cannot read
        raise MediaError("the file is not a readable image; send a JPEG or PNG") from None


def read_rgb(path: Path, max_pixels: int, min_side_px: int = 1) -> np.ndarray:
    """The image as RGB (height x width x 3, uint8, turned upright by its EXIF orientation), after its
    header showed it within the limits; MediaError saying why (with the limit) otherwise."""
    w, h = image_size(path)
    if w * h > max_pixels:
        raise MediaError(f"the image is {w}x{h} pixels ({megapixels(w * h)} megapixels); at most "
                         f"{megapixels(max_pixels)} megapixels are accepted")
    if min(w, h) < min_side_px:
        raise MediaError(f"the image is {w}x{h} pixels; at least {min_side_px} pixels on each side are needed")
    try:
        bgr = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        bgr = None
    if bgr is None:
        raise MediaError("the file is not a readable image; send a JPEG or PNG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
