"""Colours as clients write them: rgba(r,g,b,a), rgb(r,g,b), #rrggbb or #rrggbbaa, and ASS/SSA's
&HAABBGGRR (A2E's caption styles use subtitle-style colours; in ASS an alpha of 00 is opaque)."""

from __future__ import annotations

import re

_RGBA = re.compile(r"^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*([0-9.]+)\s*)?\)$")
_HEX = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")
# &HBBGGRR or &HAABBGGRR, optionally closed by '&' (both forms appear in .ass files).
_ASS = re.compile(r"^&[hH]([0-9a-fA-F]{2})?([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})&?$")


def parse(value: str) -> tuple[int, int, int, float]:
    """(r, g, b, a) with r, g, b 0-255 and a 0-1; ValueError if it is not a colour."""
    text = value.strip()
    m = _RGBA.match(text)
    if m:
        r, g, b = (int(x) for x in m.groups()[:3])
        a = float(m.group(4)) if m.group(4) is not None else 1.0
        if max(r, g, b) <= 255 and 0.0 <= a <= 1.0:
            return r, g, b, a
    m = _HEX.match(text)
    if m:
        r, g, b = (int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
        return r, g, b, int(m.group(2), 16) / 255 if m.group(2) else 1.0
    m = _ASS.match(text)
    if m:
        transparency, b, g, r = (int(x, 16) if x else 0 for x in m.groups())
        return r, g, b, 1.0 - transparency / 255
    raise ValueError(f"{value[:40]!r} is not a colour; use rgba(r,g,b,a) with r,g,b 0-255 and a 0-1, #rrggbb "
                     "or &HAABBGGRR")


def rgba8(value: str) -> tuple[int, int, int, int]:
    r, g, b, a = parse(value)
    return r, g, b, round(a * 255)
