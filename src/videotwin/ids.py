"""Record ids, the clock, and whole numbers as clients write them: used by every layer, importing
nothing of videotwin's."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import threading
import time
from datetime import UTC, datetime

ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


_PROCESS_RANDOM = secrets.token_hex(5)
_PROCESS_PID = os.getpid()
_COUNTER = itertools.count(secrets.randbelow(1 << 24))
_LOCK = threading.Lock()


def new_id() -> str:
    """A 24-hex-digit id laid out like a MongoDB ObjectId: 4 bytes of seconds, 5 random bytes per
    process, a 3-byte counter. Ids made by one process within one second sort in creation order."""
    global _PROCESS_RANDOM, _PROCESS_PID
    with _LOCK:
        if os.getpid() != _PROCESS_PID:  # a forked child must not repeat its parent's ids
            _PROCESS_RANDOM, _PROCESS_PID = secrets.token_hex(5), os.getpid()
        count = next(_COUNTER) & 0xFFFFFF
    return f"{int(time.time()):08x}{_PROCESS_RANDOM}{count:06x}"


def is_id(value: object) -> bool:
    return isinstance(value, str) and bool(ID_PATTERN.match(value))


def utcnow() -> datetime:
    return datetime.now(UTC)


# Numbers written as text (request bodies accept them, as some A2E clients send form values as text):
# plain ASCII decimal digits, as the API schema says too.
INTEGER_TEXT = r"^-?[0-9]+$"
NUMBER_TEXT = r"^-?[0-9]+(\.[0-9]+)?$"


def whole_number(text: str | None) -> int | None:
    """The whole number written in `text` with ASCII digits, else None. str.isdigit() alone is not
    enough: it also accepts '³' and '٣', which int() refuses or reads as another digit."""
    if not (text and text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.get_int_max_str_digits())
        return None
