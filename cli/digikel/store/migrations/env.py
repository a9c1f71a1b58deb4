"""Alembic environment: the store hands over an open connection (see digikel.store.engine)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from digikel.store.models import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    # Developers running `alembic` by hand (e.g. `alembic revision --autogenerate`): use the URL
    # from -x url=... so no alembic.ini with credentials is ever needed.
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///digikel-dev.db")
    engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
