"""The Alembic migrations build exactly the schema the models describe, on this database."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from yuqing.app import create_app
from yuqing.extensions import db


def _fresh_database_url(app) -> tuple[str, callable]:
    owner_url = sa.engine.make_url(app.config["OWNER_ENGINE_URL"])
    if owner_url.get_backend_name() == "sqlite":
        path = f"{owner_url.database}.{uuid.uuid4().hex[:6]}.migrate"
        return f"sqlite:///{path}", lambda: None
    name = f"{owner_url.database}_m{uuid.uuid4().hex[:6]}"
    with sa.create_engine(owner_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with sa.create_engine(owner_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return owner_url.set(database=name).render_as_string(hide_password=False), drop


def test_migrations_match_models(app, tmp_path):
    url, drop = _fresh_database_url(app)
    migrated = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "YUQING_DATABASE_OWNER_URL": url, "TESTING": True},
        instance_path=tmp_path,
    )
    try:
        with migrated.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            db.engine.dispose()
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        drop()
