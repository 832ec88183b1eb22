"""Wire shapes of storage transfers and presigned uploads."""

from __future__ import annotations

from pydantic import Field

from videotwin.wire.common import MAX_SAFE_INTEGER, Body, Out


class TransferBody(Body):
    url: str = Field(min_length=1, max_length=2048, description="a public http(s) URL to copy into our storage")


class UrlOut(Out):
    url: str


class PresignBody(Body):
    key: str = Field(min_length=1, max_length=200, description="file name or path of the upload, e.g. clips/a.mp4")
    # A2E's R2 fields: accepted so existing clients work; our local store has no buckets.
    bucket: str | None = Field(default=None, description="accepted and ignored (local storage)")
    urlPrefix: str | None = Field(default=None, description="accepted and ignored")
    cdnDomain: str | None = Field(default=None, description="accepted and ignored")
    expiresIn: int | None = Field(default=None, ge=60, le=7 * 24 * 3600, description="seconds the upload URL lives")
    contentType: str | None = Field(default=None, max_length=128, description="the Content-Type the PUT must send")
    fileSize: int | None = Field(default=None, ge=1, le=MAX_SAFE_INTEGER,
                                 description="bytes; the upload may not be larger")
    contentLength: int | None = Field(default=None, ge=1, le=MAX_SAFE_INTEGER, description="same as fileSize")


class PresignOut(Out):
    url: str = Field(description="PUT the file's bytes here")
    uploadUrl: str = Field(description="the same as url")
    method: str = "PUT"
    headers: dict[str, str]
    key: str
    fileUrl: str = Field(description="signed GET URL of the file once uploaded")
    publicUrl: str = Field(description="the same as fileUrl")
    cdnUrl: str = Field(description="the same as fileUrl (the name published A2E clients read)")
    expiresIn: int
    maxBytes: int
