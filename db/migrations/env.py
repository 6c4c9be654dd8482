"""Alembic environment: runs on the connection newsmon hands over, or on sqlalchemy.url from the CLI.

The revisions hold everything they use; newsmon's models are read only to autogenerate a new revision.
"""

from typing import Any

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def target_metadata() -> Any:
    """The models' metadata when autogenerating (`alembic revision --autogenerate`), else None: an upgrade does not
    depend on where the models live today."""
    if not getattr(config.cmd_opts, "autogenerate", False):
        return None
    from db.models import Base

    return Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata(),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata(), render_as_batch=conn.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata(), literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run()
