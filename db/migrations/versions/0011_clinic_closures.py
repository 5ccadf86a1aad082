"""clinic closures: dated closures of the whole clinic

A closure (a holiday: whole days, or part of a day) blocks every doctor: no slot is offered in
it, and creating one cancels, once an admin confirms, the appointments booked in it. Closures
are removed by an admin; the appointments a closure cancelled stay cancelled.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinic_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("whole_days", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_clinic_closures_range_valid")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_clinic_closures_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_closures")),
    )
    op.create_index("ix_clinic_closures_ends_at", "clinic_closures", ["ends_at"], unique=False)


def downgrade() -> None:
    # Slots in former closures become bookable again; the appointments they cancelled stay so.
    op.drop_index("ix_clinic_closures_ends_at", table_name="clinic_closures")
    op.drop_table("clinic_closures")
