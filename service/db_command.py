"""`cuewatch db upgrade`: brings the job-state database to this code's schema revision.

Run it before starting a new version's API and workers on a shared database (the compose
file does, as its `migrate` service); the embedded default upgrades its SQLite file itself.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from service import schema
from service.db import make_engine
from service.settings import Settings, SettingsError, apply_cli_overrides


def schema_problem(settings: Settings) -> str | None:
    """Why a process must not start on this database, if it must not (one line).

    Upgrades the embedded default's SQLite file on the way (`schema.prepare`).
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    try:
        schema.prepare(engine)
    except schema.SchemaError as exc:
        return str(exc)
    except SQLAlchemyError as exc:
        return f"cannot reach the database: {_first_line(exc)}"
    finally:
        engine.dispose()
    return None


def _first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def db_main(args: argparse.Namespace) -> int:
    """Upgrades the database of the configured settings, saying from which revision to which.

    Args:
        args: `data_dir` (optional) from the command line.

    Returns:
        0 when done (or already current); 2 for a database this code cannot upgrade, bad
        settings or an unreachable database.
    """
    try:
        settings = apply_cli_overrides(data_dir=args.data_dir)
        settings.data_dir.mkdir(parents=True, exist_ok=True)  # the SQLite file lives there
        engine = make_engine(settings.db_url)
        try:
            done = schema.upgrade(engine)
        finally:
            engine.dispose()
    except (SettingsError, schema.SchemaError) as exc:
        print(f"cuewatch db upgrade: {exc}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        reason = _first_line(exc)
        print(f"cuewatch db upgrade: cannot reach the database: {reason}", file=sys.stderr)
        return 2
    print(done.describe())
    return 0
