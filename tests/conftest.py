from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.processes import model_server_for_tests
from videotwin.app import create_app
from videotwin.bootstrap import ensure_admin, migrate
from videotwin.config import Settings
from videotwin.domain import accounts
from videotwin.inference.registry import ModelRegistry
from videotwin.models import build_models
from videotwin.runtime import Runtime, build_runtime

TEST_PLUGIN = "tests.support.plugin"
# Set to a Postgres URL to run the suite against Postgres instead of SQLite (the schema is reset per test).
TEST_DATABASE_URL = os.environ.get("VIDEOTWIN_TEST_DATABASE_URL")


def make_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        # Leases long enough that a loaded CI machine never lets a live worker's lease lapse.
        data_dir=tmp_path / "data", job_lease_seconds=3.0, reaper_interval_seconds=0.3,
        progress_interval_seconds=0.2, queue_poll_max_seconds=0.2, plugins=[TEST_PLUGIN],
        fetch_allow_hosts=[], worker_niceness=0,
    )
    if TEST_DATABASE_URL:
        values["database_url"] = TEST_DATABASE_URL
        _reset_database(TEST_DATABASE_URL)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session", autouse=True)
def model_server() -> Iterator[str]:
    """One real model server for the whole session (it keeps no state, so every test's API can use
    it): every Settings made in this process points at it through VIDEOTWIN_MODEL_SERVER_URL."""
    with tempfile.TemporaryDirectory(prefix="vt-models-") as tmp, model_server_for_tests(Path(tmp)) as url:
        os.environ["VIDEOTWIN_MODEL_SERVER_URL"] = url
        yield url
        os.environ.pop("VIDEOTWIN_MODEL_SERVER_URL", None)


@pytest.fixture(scope="session")
def models(tmp_path_factory) -> Iterator[ModelRegistry]:
    """A model registry for tests that run models themselves (tracking, lip-sync predictions)."""
    registry = build_models(Settings(data_dir=tmp_path_factory.mktemp("models")))
    yield registry
    registry.close()


def _reset_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def runtime(settings) -> Iterator[Runtime]:
    migrate(settings)
    rt = build_runtime(settings, models=True)
    ensure_admin(rt)
    yield rt
    rt.close()


@pytest.fixture
def client(runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def admin_token(runtime) -> str:
    return runtime.settings.admin_token_path.read_text().strip()


@dataclass
class Account:
    id: str
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(runtime: Runtime, username: str, coins: int = 0, diamonds: int = 0) -> Account:
    password = f"pw-{username}-secret"
    with runtime.db.write() as session:
        user = accounts.create_user(session, username, password, coins=coins, diamonds=diamonds)
        token = accounts.create_api_token(session, user.id, "test").plaintext
    return Account(user.id, username, password, token)


@pytest.fixture
def alice(runtime) -> Account:
    return make_account(runtime, "alice", coins=1000, diamonds=5)


@pytest.fixture
def bob(runtime) -> Account:
    return make_account(runtime, "bob", coins=1000)
