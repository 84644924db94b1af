"""Alembic environment: always runs on a connection handed in by models.migrate."""

from alembic import context

from models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `cip-graph migrate`, which provides the connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
)
with context.begin_transaction():
    context.run_migrations()
