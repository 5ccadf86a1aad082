"""a front-desk role: staff

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_users_role_known"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_role_known"), "users", "role IN ('patient', 'doctor', 'staff', 'admin')"
    )


def downgrade() -> None:
    # Staff accounts cannot be kept under the older rule: they become patients.
    op.execute("UPDATE users SET role = 'patient' WHERE role = 'staff'")
    op.drop_constraint(op.f("ck_users_role_known"), "users", type_="check")
    op.create_check_constraint(
        op.f("ck_users_role_known"), "users", "role IN ('patient', 'doctor', 'admin')"
    )
