"""a name for a clinic closure ("Christmas"), shown to patients and doctors

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("clinic_closures", sa.Column("name", sa.String(length=80), nullable=True))
    op.create_check_constraint(
        op.f("ck_clinic_closures_name_not_blank"),
        "clinic_closures",
        "name IS NULL OR btrim(name) <> ''",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_clinic_closures_name_not_blank"), "clinic_closures", type_="check")
    op.drop_column("clinic_closures", "name")
