"""faq entries: details behind «Xem thêm», editors' notes for officers, scam warnings

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

_COLUMNS = ("details", "note", "warning")


def upgrade() -> None:
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("faq_entries", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
