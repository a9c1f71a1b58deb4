"""Drift found by `digikel watch` (drift_records) and the state each site was last notified in
(notified_states).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from digikel.store.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drift_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=60), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("drifted", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.Column("diff", sa.Text(), nullable=True),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_drift_records_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drift_records")),
    )
    op.create_index(
        op.f("ix_drift_records_site"),
        "drift_records",
        ["site", "component", "target", "found_at"],
    )
    op.create_index(op.f("ix_drift_records_found"), "drift_records", ["found_at", "drifted"])
    op.create_table(
        "notified_states",
        sa.Column("site", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_notified_states")),
    )


def downgrade() -> None:
    op.drop_table("notified_states")
    op.drop_index(op.f("ix_drift_records_found"), table_name="drift_records")
    op.drop_index(op.f("ix_drift_records_site"), table_name="drift_records")
    op.drop_table("drift_records")
