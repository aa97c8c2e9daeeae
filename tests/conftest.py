"""Shared fixtures: one app per test session on SQLite or PostgreSQL, real Redis.

``YUQING_TEST_DATABASE_URL`` (a PostgreSQL superuser URL) switches the suite to PostgreSQL: a
fresh database owned by ``yuqing_owner`` is created, and the app connects as ``yuqing_app``, a
role that owns nothing and cannot bypass row-level security — as in production.
``YUQING_TEST_REDIS_URL`` points at a Redis; without it a redis-server child process is started
on a unix socket, like the embedded default.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import socket
import threading
import uuid
from pathlib import Path

import pytest
import redis as redis_lib
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from tests.factories import Factories

PG_OWNER = "yuqing_owner"
PG_APP = "yuqing_app"
PG_PASSWORD = "yuqing-test"


def _setup_postgres(admin_url: str) -> tuple[str, str, callable]:
    admin = sa.engine.make_url(admin_url)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    name = f"yuqing_test_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        for role, extra in ((PG_OWNER, " CREATEDB"), (PG_APP, " NOBYPASSRLS")):
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname=:r"), {"r": role}
            ).scalar()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(
                sa.text(f"{verb} ROLE {role} LOGIN NOSUPERUSER{extra} PASSWORD '{PG_PASSWORD}'")
            )
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER {PG_OWNER}'))
    engine.dispose()

    def url_for(role: str) -> str:
        return admin.set(username=role, password=PG_PASSWORD, database=name).render_as_string(
            hide_password=False
        )

    def drop() -> None:
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return url_for(PG_APP), url_for(PG_OWNER), drop


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    admin_url = os.environ.get("YUQING_TEST_DATABASE_URL")
    if admin_url:
        app_url, owner_url, drop = _setup_postgres(admin_url)
        yield app_url, owner_url
        drop()
    else:
        path = tmp_path_factory.mktemp("db") / "yuqing.db"
        yield f"sqlite:///{path}", f"sqlite:///{path}"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    configured = os.environ.get("YUQING_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    from yuqing.runtime import ensure_embedded_redis, stop_child

    # Unix socket paths are limited to ~100 bytes; keep it short.
    socket_dir = Path("/tmp") / f"yq-{uuid.uuid4().hex[:8]}"
    socket_path = socket_dir / "redis.sock"
    child = ensure_embedded_redis(socket_path)
    yield f"unix://{socket_path}"
    if child is not None:
        stop_child(child)


class FreshContextClient(FlaskClient):
    """Each request in its own app context and its own copy of the context variables.

    The factories keep an app context pushed for the whole test, and Flask would reuse it for
    requests: ``g`` (Flask-Login's cached user, the CSRF token, the tenant) and the database
    session would leak from one request, or one client, into the next. In production every
    request starts clean; so do these.
    """

    def open(self, *args, **kwargs):
        def run():
            with self.application.app_context():
                return super(FreshContextClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(run)


def compile_translations() -> list[Path]:
    """Compile each ``messages.po`` whose ``.mo`` is missing or older (``make setup`` does this).

    The ``.mo`` files are not in git; without them a fresh clone would show Chinese under
    ``?lang=en``. Flask-Babel caches a locale's catalog for the whole process, so this runs
    before the app is made, not just before the i18n tests.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    import yuqing

    compiled = []
    for po_path in sorted(
        (Path(yuqing.__file__).parent / "translations").glob("*/LC_MESSAGES/*.po")
    ):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        partial.replace(mo_path)  # atomic: a parallel run never reads half a catalog
        compiled.append(mo_path)
    return compiled


@pytest.fixture(scope="session")
def compiled_translations():
    compile_translations()


@pytest.fixture(scope="session")
def app(database_urls, redis_url, tmp_path_factory, compiled_translations):
    app_url, owner_url = database_urls
    instance = tmp_path_factory.mktemp("instance")
    # Child processes (RQ workers, the CLI) read the same settings from the environment.
    os.environ.update(
        {
            "YUQING_DATABASE_URL": app_url,
            "YUQING_DATABASE_OWNER_URL": owner_url,
            "YUQING_REDIS_URL": redis_url,
            "YUQING_SECRET_KEY": "test-secret",
            "YUQING_INSTANCE_PATH": str(instance),
        }
    )
    from yuqing.app import create_app
    from yuqing.extensions import db
    from yuqing.tenancy.rls import application_role, install_rls

    app = create_app(
        {"TESTING": True, "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False},
        instance_path=instance,
    )
    owner_engine = sa.create_engine(owner_url)
    with owner_engine.begin() as conn:
        db.metadata.create_all(conn)
        install_rls(conn, db.metadata, application_role(app_url, owner_url))
    owner_engine.dispose()
    app.config["OWNER_ENGINE_URL"] = owner_url
    app.test_client_class = FreshContextClient
    yield app


def _wipe_database(owner_url: str) -> None:
    from yuqing.extensions import db

    engine = sa.create_engine(owner_url)
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # TRUNCATE is not subject to row-level security, so the owner can clear every tenant.
            conn.execute(
                sa.text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
    engine.dispose()


@pytest.fixture
def redis_client(redis_url):
    if redis_url.startswith("unix://"):
        return redis_lib.Redis(unix_socket_path=redis_url.removeprefix("unix://"))
    return redis_lib.Redis.from_url(redis_url)


@pytest.fixture(autouse=True)
def _clean_state(request):
    uses_app = "app" in request.fixturenames
    app = request.getfixturevalue("app") if uses_app else None
    redis_client = request.getfixturevalue("redis_client") if uses_app else None
    yield
    if app is None:
        return
    from yuqing.extensions import db
    from yuqing.tenancy.scope import enter_request_scope

    with app.app_context():
        db.session.remove()
    enter_request_scope(None)
    _wipe_database(app.config["OWNER_ENGINE_URL"])
    redis_client.flushdb()


@pytest.fixture
def app_ctx(app):
    from yuqing.extensions import db

    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def make(app_ctx) -> Factories:
    return Factories()


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, email: str, password: str):
    page = client.get("/login")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


# --- browser tests ---------------------------------------------------------------------

CHROMIUM = shutil.which("chromium")

#: Without the background-networking switches chromium keeps dialling out of a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")


@pytest.fixture
def live_server(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
