"""Alembic's environment: migrations run on the connection `service.schema` hands over.

`cuewatch db upgrade` (and the embedded server at start) call Alembic through
`service.schema`, which opens the connection, takes the migration lock and passes the
connection in `config.attributes`; there is no alembic.ini.
"""

from __future__ import annotations

from alembic import context

from service.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters tables by copying them: the only way to add constraints or change types.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
