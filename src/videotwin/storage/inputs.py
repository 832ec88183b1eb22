"""Input URLs: our own signed links are read from the store; everything else is fetched by the rules."""

from __future__ import annotations

import mimetypes
import tempfile
from collections.abc import Sequence
from pathlib import Path

from videotwin.errors import InputFetchError
from videotwin.ids import new_id
from videotwin.storage.blobs import BlobStore
from videotwin.storage.fetch import Fetched, FetchRules, check_url, fetch_to_file, media_type_of
from videotwin.storage.keys import user_prefix
from videotwin.storage.signing import UrlSigner

# Extensions for the media types we meet most, where mimetypes' choice is odd or missing.
EXTENSIONS = {
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm", "video/x-matroska": ".mkv",
    "audio/mpeg": ".mp3", "audio/mp3": ".mp3", "audio/wav": ".wav", "audio/x-wav": ".wav",
    "audio/wave": ".wav", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/aac": ".aac",
    "audio/ogg": ".ogg", "audio/flac": ".flac", "audio/webm": ".webm", "image/jpeg": ".jpg",
    "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
}


def extension_for(content_type: str) -> str:
    main = content_type.split(";")[0].strip().lower()
    return EXTENSIONS.get(main) or mimetypes.guess_extension(main) or ".bin"


def fetch_input(url: str, dest: Path, *, field: str, accept: Sequence[str] | None, blobs: BlobStore,
                signer: UrlSigner, rules: FetchRules) -> Fetched:
    """Put the file behind `url` at `dest`. Links we signed (e.g. send_tts results) are copied from
    the store without any network request; anything else is fetched under the fetch rules."""
    check_url(url, field)
    key = signer.own_key(url)
    if key is not None and blobs.exists(key):
        content_type = blobs.content_type(key)
        media = media_type_of(content_type)
        if accept is not None and media not in accept:
            wanted = " or ".join(f"{a}/*" for a in accept)
            raise InputFetchError(field, f"the stored file is {content_type}; expected {wanted}")
        return Fetched(url, content_type, media, blobs.download_to(key, dest))
    return fetch_to_file(url, dest, rules, field=field, accept=accept)


def transfer_to_storage(url: str, owner_id: str, *, blobs: BlobStore, signer: UrlSigner, rules: FetchRules,
                        tmp_dir: Path) -> str:
    """Copy the file at `url` into the owner's storage; returns its blob key."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_dir) as tmp:
        dest = Path(tmp) / "download"
        fetched = fetch_input(url, dest, field="url", accept=None, blobs=blobs, signer=signer, rules=rules)
        key = f"{user_prefix(owner_id)}transfers/{new_id()}{extension_for(fetched.content_type)}"
        blobs.put_file(key, dest, fetched.content_type or "application/octet-stream", consume=True)
    return key
