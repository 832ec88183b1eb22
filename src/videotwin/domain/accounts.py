"""Users, passwords and bearer tokens (API keys and login sessions)."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from videotwin.db.tables import TokenRow, UserRow
from videotwin.domain import credits
from videotwin.domain.security import (
    DUMMY_PASSWORD_HASH,
    hash_password,
    hash_token,
    mask_token,
    new_token,
    verify_password,
)
from videotwin.errors import BadInput, Conflict, NotFound, Unauthorized
from videotwin.ids import is_id, new_id, utcnow

API_TOKEN_PREFIX = "sk_"
LOGIN_TOKEN_PREFIX = "lt_"
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{3,64}$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True)
class User:
    id: str
    username: str
    is_admin: bool
    coins: int
    diamonds: int
    created_at: datetime

    @classmethod
    def from_row(cls, row: UserRow) -> User:
        return cls(row.id, row.username, row.is_admin, row.coins, row.diamonds, row.created_at)


@dataclass(frozen=True)
class Token:
    id: str
    user_id: str
    kind: str
    alias: str
    display: str
    created_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True)
class IssuedToken:
    """A token as it is handed out once: the only time its plain text exists."""

    token: Token
    plaintext: str


def _token(row: TokenRow) -> Token:
    return Token(row.id, row.user_id, row.kind, row.alias, row.display, row.created_at, row.expires_at)


def validate_username(username: str) -> str:
    if not USERNAME_PATTERN.match(username):
        raise BadInput(
            "username",
            f"{username!r} is not accepted; use 3-64 letters, digits or the characters _ . @ + -",
        )
    return username


def validate_password(password: str) -> str:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise BadInput(
            "password",
            f"must be {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters long, got {len(password)}",
        )
    return password


def create_user(
    session: Session, username: str, password: str, *, coins: int = 0, diamonds: int = 0,
    is_admin: bool = False, note: str = "starting balance",
) -> User:
    validate_username(username)
    validate_password(password)
    if coins < 0:
        raise BadInput("coins", f"must be 0 or more, got {coins}")
    if diamonds < 0:
        raise BadInput("diamonds", f"must be 0 or more, got {diamonds}")
    if session.scalar(select(UserRow.id).where(UserRow.username == username)):
        raise Conflict(f"username: {username!r} is taken; choose another name")
    row = UserRow(
        id=new_id(), username=username, password_hash=hash_password(password), is_admin=is_admin,
        coins=0, diamonds=0, created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    # Starting balances go through the ledger like every other change.
    if coins:
        credits.grant(session, row.id, "coins", coins, note=note)
    if diamonds:
        credits.grant(session, row.id, "diamonds", diamonds, note=note)
    session.refresh(row)
    return User.from_row(row)


def get_user(session: Session, user_id: str) -> User:
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id!r} does not exist")
    return User.from_row(row)


def find_user(session: Session, username: str) -> User:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound(f"username: no user named {username!r}")
    return User.from_row(row)


def list_users(session: Session) -> list[User]:
    return [User.from_row(r) for r in session.scalars(select(UserRow).order_by(UserRow.created_at))]


def set_password(session: Session, user_id: str, password: str) -> None:
    validate_password(password)
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"user {user_id!r} does not exist")
    row.password_hash = hash_password(password)


def login(session: Session, username: str, password: str, ttl_seconds: int) -> IssuedToken:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    # Always run the KDF, so response time does not reveal whether the username exists.
    ok = verify_password(password, row.password_hash if row else DUMMY_PASSWORD_HASH)
    if row is None or not ok:
        raise Unauthorized("username or password is wrong")
    return _issue(session, row.id, "login", LOGIN_TOKEN_PREFIX, alias="login", ttl_seconds=ttl_seconds)


def _issue(session: Session, user_id: str, kind: str, prefix: str, alias: str,
           ttl_seconds: int | None = None) -> IssuedToken:
    plaintext = new_token(prefix)
    now = utcnow()
    row = TokenRow(
        id=new_id(), user_id=user_id, kind=kind, token_hash=hash_token(plaintext),
        display=mask_token(plaintext), alias=alias, created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds) if ttl_seconds else None,
    )
    session.add(row)
    session.flush()
    return IssuedToken(_token(row), plaintext)


def create_api_token(session: Session, user_id: str, alias: str) -> IssuedToken:
    alias = alias.strip()
    if not 1 <= len(alias) <= 128:
        raise BadInput("alias", f"must be 1-128 characters, got {len(alias)}")
    return _issue(session, user_id, "api", API_TOKEN_PREFIX, alias=alias)


def list_api_tokens(session: Session, user_id: str) -> list[Token]:
    rows = session.scalars(
        select(TokenRow)
        .where(TokenRow.user_id == user_id, TokenRow.kind == "api", TokenRow.deleted_at.is_(None))
        .order_by(TokenRow.created_at.desc(), TokenRow.id.desc())
    )
    return [_token(r) for r in rows]


def delete_api_token(session: Session, user_id: str, token_id: str) -> None:
    row = session.get(TokenRow, token_id) if is_id(token_id) else None
    if row is None or row.user_id != user_id or row.kind != "api" or row.deleted_at is not None:
        raise NotFound(f"_id: no token {token_id!r}")
    row.deleted_at = utcnow()


def authenticate(session: Session, bearer: str) -> tuple[User, Token]:
    """The user behind a bearer token; deleted and expired tokens are refused at once."""
    if not bearer.startswith((API_TOKEN_PREFIX, LOGIN_TOKEN_PREFIX)):
        raise Unauthorized("the bearer token is not a videotwin token (expected sk_... or a login token)")
    digest = hash_token(bearer)
    # One Core query for token and user (no ORM objects): this runs on every request.
    t, u = TokenRow.__table__.c, UserRow.__table__.c
    row = session.execute(
        select(t.id, t.user_id, t.kind, t.alias, t.display, t.created_at, t.expires_at, t.deleted_at,
               t.token_hash, u.username, u.is_admin, u.coins, u.diamonds, u.created_at.label("user_created_at"))
        .join_from(TokenRow.__table__, UserRow.__table__, u.id == t.user_id)
        .where(t.token_hash == digest)
    ).first()
    # The lookup is by hash; compare again in constant time so no timing depends on the token.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        raise Unauthorized("the bearer token is not valid")
    if row.deleted_at is not None:
        raise Unauthorized("the bearer token was deleted")
    if row.expires_at is not None and row.expires_at <= utcnow():
        raise Unauthorized("the login token has expired; log in again")
    user = User(row.user_id, row.username, row.is_admin, row.coins, row.diamonds, row.user_created_at)
    return user, Token(row.id, row.user_id, row.kind, row.alias, row.display, row.created_at, row.expires_at)
