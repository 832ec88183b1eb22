"""First start: the schema, the secret key, an admin user and its token file."""

from __future__ import annotations

import os
import secrets

from sqlalchemy import select

from videotwin.config import Settings
from videotwin.db.migrate import upgrade
from videotwin.db.tables import UserRow
from videotwin.domain import accounts
from videotwin.runtime import Runtime

ADMIN_USERNAME = "admin"


def migrate(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, settings.data_dir)


def ensure_admin(runtime: Runtime) -> str | None:
    """Make the admin user if there is none, and write an admin API token to the admin_token file
    (mode 0600) if that file is missing. Returns the file's path when it was written."""
    path = runtime.settings.admin_token_path
    with runtime.db.write() as session:
        admin = session.scalar(select(UserRow).where(UserRow.is_admin.is_(True)).order_by(UserRow.created_at))
        if admin is None:
            user = accounts.create_user(session, ADMIN_USERNAME, secrets.token_urlsafe(24), is_admin=True)
            admin_id = user.id
        else:
            admin_id = admin.id
        if path.exists():
            return None
        issued = accounts.create_api_token(session, admin_id, "admin (written at start-up)")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(issued.plaintext + "\n")
        os.chmod(path, 0o600)
    return str(path)
