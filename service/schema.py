"""The database schema's version: Alembic migrations in `service/migrations`.

`cuewatch db upgrade` brings a database to this code's revision; the embedded default
(SQLite) does so itself on start. Every process checks the revision before it touches a row
and refuses to start at one it does not know (a newer cuewatch's, or none of ours), instead
of writing rows that code does not expect.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import NamedTuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
# The revision that is the schema `create_schema` made before migrations existed.
FIRST_REVISION = "0001"
# Any number, the same in every process: PostgreSQL's advisory lock for one upgrader at a time.
_PG_LOCK_KEY = 0x63756577  # "cuew"


class Upgrade(NamedTuple):
    """What `upgrade` did."""

    before: str | None  # the revision it found (None: an empty database)
    after: str
    adopted: bool  # tables made before migrations, now marked as `FIRST_REVISION`

    def describe(self) -> str:
        """One line for the operator."""
        said = "made before migrations, adopted as" if self.adopted else "at"
        if self.before == self.after:
            return f"database {said} schema revision {self.after}; nothing to upgrade"
        start = self.before or "none (empty)"
        return f"database {said} schema revision {start}, upgraded to {self.after}"


class SchemaError(RuntimeError):
    """The database is not at a schema revision this code can use (a one-line reason)."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The revision this code's tables are at."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(conn: Connection) -> str | None:
    """The database's revision; `FIRST_REVISION` for tables made before migrations."""
    revision = MigrationContext.configure(conn).get_current_revision()
    if revision is None and inspect(conn).has_table("analyses"):
        return FIRST_REVISION
    return revision


def _check_known(revision: str | None) -> None:
    if revision is None:
        return
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    if revision not in known:
        raise SchemaError(
            f"the database is at schema revision {revision!r}, which this cuewatch does not "
            f"know (its newest is {head()!r}): run the cuewatch version that upgraded it"
        )


def upgrade(engine: Engine) -> Upgrade:
    """Brings the database to this code's revision; safe with several processes at once.

    Args:
        engine: the job-state database.

    Returns:
        The revisions before and after.

    Raises:
        SchemaError: the database is at a revision this code does not know.
    """
    with engine.begin() as conn:  # on SQLite, BEGIN IMMEDIATE: one upgrader at a time
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        before = current(conn)
        _check_known(before)
        config = _config()
        config.attributes["connection"] = conn
        adopted = before == FIRST_REVISION and not _versioned(conn)
        if adopted:
            command.stamp(config, FIRST_REVISION)  # made by create_schema: adopt it
        if before != head():
            log.info("database schema: upgrading from %s to %s", before or "empty", head())
            command.upgrade(config, "head")
    return Upgrade(before, head(), adopted)


def _versioned(conn: Connection) -> bool:
    return MigrationContext.configure(conn).get_current_revision() is not None


def require_current(engine: Engine) -> None:
    """Checks that the database is at this code's revision, without changing it.

    Raises:
        SchemaError: it is at an older revision (naming the command that upgrades it) or at
            one this code does not know.
    """
    with engine.connect() as conn:
        revision = current(conn)
    _check_known(revision)
    if revision != head():
        raise SchemaError(
            f"the database is at schema revision {revision or 'none (empty)'!s}, this cuewatch "
            f"needs {head()!r}: run `cuewatch db upgrade` first"
        )


def prepare(engine: Engine) -> None:
    """What a process does with the schema at start: the embedded default upgrades its own
    SQLite file; a shared database (PostgreSQL) is upgraded by `cuewatch db upgrade` alone,
    so that the operator decides when, and is only checked here.

    Raises:
        SchemaError: the database cannot be used by this code.
    """
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    else:
        require_current(engine)
