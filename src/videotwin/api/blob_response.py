"""A stored file as an HTTP answer: a redirect when the store offers a direct link, else its bytes
streamed from the store, with single-range requests (video players seek with them)."""

from __future__ import annotations

import re

from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response, StreamingResponse

from videotwin.storage.blobs import BlobInfo, BlobStore

READ_CHUNK_BYTES = 256 * 1024
# A direct link handed out by the store is used at once, so it may be short-lived.
REDIRECT_TTL_SECONDS = 3600
CACHE_CONTROL = "private, max-age=3600"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(first, last) inclusive for a satisfiable single range; None for no (or a multi-part) range, which
    is answered with the whole file; "unsatisfiable" when the range lies outside the file."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole file is a valid answer
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        n = int(last)
        if n == 0:
            return "unsatisfiable"
        return max(0, size - n), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "unsatisfiable"
    return start, end


def blob_response(request: Request, blobs: BlobStore, key: str, info: BlobInfo) -> Response:
    redirect = blobs.redirect_url(key, REDIRECT_TTL_SECONDS)
    if redirect is not None:
        return RedirectResponse(redirect, status_code=307)
    headers = {"Accept-Ranges": "bytes", "Cache-Control": CACHE_CONTROL}
    wanted = byte_range(request.headers.get("range"), info.size)
    if wanted == "unsatisfiable":
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{info.size}"})
    start, end = wanted if wanted is not None else (0, info.size - 1)
    length = max(0, end - start + 1)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=info.content_type)
    stream = blobs.open(key)
    stream.seek(start)

    def chunks():
        left = length
        while left > 0:
            data = stream.read(min(READ_CHUNK_BYTES, left))
            if not data:
                return
            left -= len(data)
            yield data

    return StreamingResponse(chunks(), status_code=status, headers=headers, media_type=info.content_type,
                             background=BackgroundTask(stream.close))
