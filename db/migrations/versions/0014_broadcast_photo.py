"""a broadcast's photo sent in the chat: the kept file and Telegram's id of it

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_file_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("telegram_file_id", sa.String(length=200), nullable=True))
    with op.batch_alter_table("outbox_payloads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_file_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_payloads", schema=None) as batch_op:
        batch_op.drop_column("photo_file_id")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_column("telegram_file_id")
        batch_op.drop_column("photo_file_id")
