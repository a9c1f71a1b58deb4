"""An index on the checks of one batch: (site, component, run_id, target).

`digikel status` reads the newest batch of checks per site and component; without this index
the database scanned every check of the site and component to find that run's rows.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_check_results_batch"),
        "check_results",
        ["site", "component", "run_id", "target"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_check_results_batch"), table_name="check_results")
