"""Alembic environment: always run programmatically with a connection handed in by `store.migrate`."""

from __future__ import annotations

from alembic import context

from supervisor_app.store.migrate import include_name
from supervisor_app.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through `supervisor-app db upgrade`, which hands Alembic a connection.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
