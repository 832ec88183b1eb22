"""tos/transferToStorage, presigned uploads, and the signed file URLs themselves."""

from __future__ import annotations

import functools
import os
import tempfile
import time
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from videotwin.api.blob_response import blob_response
from videotwin.api.deps import PrincipalDep, RuntimeDep, run_slow
from videotwin.api.envelope import Envelope, ok
from videotwin.api.errors import CODE_BAD_INPUT, CODE_FORBIDDEN, CODE_NOT_FOUND, error_response
from videotwin.api.openapi import FILE_ANSWERS, may_answer
from videotwin.errors import BadInput
from videotwin.ids import whole_number
from videotwin.storage.inputs import transfer_to_storage
from videotwin.storage.keys import is_valid_key, user_prefix
from videotwin.storage.signing import FILES_PATH, UploadGrant
from videotwin.wire.storage import PresignBody, PresignOut, TransferBody, UrlOut

router = APIRouter(tags=["storage"])


@router.post("/api/v1/tos/transferToStorage", response_model=Envelope[UrlOut])
async def transfer(request: Request, body: TransferBody, runtime: RuntimeDep, me: PrincipalDep):
    """Copy a file from a public URL into our storage; returns a signed link to the copy."""
    key = await run_slow(request, functools.partial(
        transfer_to_storage, body.url, me.user.id, blobs=runtime.blobs, signer=runtime.signer,
        rules=runtime.fetch_rules, tmp_dir=runtime.settings.data_dir / "tmp"))
    return ok(request, UrlOut(url=runtime.url_for(key)))


def _presign(request: Request, body: PresignBody, runtime: RuntimeDep, me: PrincipalDep):
    user_key = body.key.strip("/")
    if not is_valid_key(user_key):
        raise BadInput("key", f"{body.key!r} is not a usable file name; use letters, digits, '.', '_', '-' "
                              "and '/' between parts (no part may start with '.')")
    limit = runtime.settings.max_upload_bytes
    declared = body.fileSize or body.contentLength
    if declared is not None and declared > limit:
        raise BadInput("fileSize", f"{declared} bytes is more than the {limit} bytes an upload may have")
    ttl = body.expiresIn or runtime.settings.upload_url_ttl_seconds
    content_type = (body.contentType or "").strip()
    key = f"{user_prefix(me.user.id)}uploads/{user_key}"
    grant = UploadGrant(key=key, expires=int(time.time()) + ttl, max_bytes=declared or limit,
                        content_type=content_type)
    put_url = runtime.signer.upload_url(grant)
    file_url = runtime.signer.download_url(key, max(ttl, runtime.settings.signed_url_ttl_seconds))
    return ok(request, PresignOut(
        url=put_url, uploadUrl=put_url, headers={"Content-Type": content_type} if content_type else {},
        key=user_key, fileUrl=file_url, publicUrl=file_url, cdnUrl=file_url, expiresIn=ttl, maxBytes=grant.max_bytes,
    ))


router.add_api_route("/api/v1/r2/upload-presigned-url", _presign, methods=["POST"],
                     response_model=Envelope[PresignOut], summary="Presigned upload URL",
                     description="A URL to PUT a file to (valid for expiresIn seconds), and its download URL.")
router.add_api_route("/api/v1/r2/get_upload_presigned_url", _presign, methods=["POST"],
                     response_model=Envelope[PresignOut], summary="Presigned upload URL (legacy path)")


def _forbidden(request: Request) -> JSONResponse:
    return error_response(request, 403, CODE_FORBIDDEN,
                          "this file link is invalid or has expired; ask the API for a fresh one")


@router.head(FILES_PATH + "{key:path}", include_in_schema=False)
@router.get(FILES_PATH + "{key:path}", summary="Download a stored file (signed, expiring URL)", responses=FILE_ANSWERS)
def download(request: Request, key: str, runtime: RuntimeDep, expires: str = "", signature: str = ""):
    if not is_valid_key(key) or not runtime.signer.check_download(key, expires, signature):
        return _forbidden(request)
    info = runtime.blobs.stat(key)
    if info is None:
        return error_response(request, 404, CODE_NOT_FOUND, "this file no longer exists")
    return blob_response(request, runtime.blobs, key, info)


@router.put(FILES_PATH + "{key:path}", summary="Upload to a presigned URL", response_model=Envelope[UrlOut],
            responses=may_answer(403))
async def upload(request: Request, key: str, runtime: RuntimeDep, expires: str = "", max_bytes: str = "",
                 content_type: str = "", signature: str = ""):
    grant = None
    if is_valid_key(key):
        grant = runtime.signer.check_upload(key, expires, max_bytes, content_type, signature)
    if grant is None:
        return _forbidden(request)
    sent_type = (request.headers.get("content-type") or "").split(";")[0].strip()
    if grant.content_type and sent_type.lower() != grant.content_type.split(";")[0].strip().lower():
        return error_response(request, 400, CODE_BAD_INPUT,
                              f"Content-Type: this URL was signed for {grant.content_type!r}, got {sent_type!r}")
    declared = whole_number(request.headers.get("content-length"))
    if declared is not None and declared > grant.max_bytes:
        return error_response(request, 400, CODE_BAD_INPUT,
                              f"the upload is {declared} bytes; this URL accepts at most {grant.max_bytes}")
    # Stream to a temporary file (never the whole upload in memory), then move it into the store.
    tmp_dir = runtime.settings.data_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    tmp = Path(tmp_name)
    try:
        total = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                total += len(chunk)
                if total > grant.max_bytes:
                    return error_response(request, 400, CODE_BAD_INPUT,
                                          f"the upload is larger than the {grant.max_bytes} bytes this URL accepts")
                out.write(chunk)
        if total == 0:
            return error_response(request, 400, CODE_BAD_INPUT, "the upload is empty")
        stored_type = grant.content_type or sent_type or "application/octet-stream"
        await run_slow(request, runtime.blobs.put_file, key, tmp, stored_type, True)
    finally:
        tmp.unlink(missing_ok=True)
    return ok(request, UrlOut(url=runtime.url_for(key)))
