"""Alembic environment: migrations run as the table owner, then refresh row-level security."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

from yuqing.extensions import db
from yuqing.tenancy.rls import application_role, install_rls

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_metadata = db.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=current_app.config["YUQING_DATABASE_OWNER_URL"],
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    owner_url = current_app.config["YUQING_DATABASE_OWNER_URL"]
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            # Policies follow the tables: every run re-applies them, so a new tenant-owned
            # table can never ship without its second wall.
            app_role = application_role(current_app.config["SQLALCHEMY_DATABASE_URI"], owner_url)
            install_rls(connection, target_metadata, app_role)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
