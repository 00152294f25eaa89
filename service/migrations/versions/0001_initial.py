"""The schema as `create_schema` made it before migrations existed (cuewatch 0.1).

Databases made by that code have no `alembic_version` table; `service.schema` stamps them
with this revision instead of running it.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from service.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analyses",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False, unique=True),
        sa.Column("client", sa.String(128), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error_reason", sa.String(64)),
        sa.Column("error_detail", sa.Text()),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("video_name", sa.String(64)),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(255)),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_token", sa.String(64)),
        sa.Column("lease_expires_at", UTCDateTime(), index=True),
        sa.Column("result_token", sa.String(64)),
        sa.Column("enqueued_at", UTCDateTime(), index=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
        sa.UniqueConstraint("client", "idempotency_key"),
    )
    op.create_table(
        "runs",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("analysis_id", sa.String(40), nullable=False, index=True),
        sa.Column("worker", sa.String(128), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("outcome", sa.String(16)),
    )


def downgrade() -> None:
    op.drop_table("runs")
    op.drop_table("analyses")
