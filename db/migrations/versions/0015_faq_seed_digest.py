"""the digest of the shipped FAQ base last seeded: a start with the same files skips the seed

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("faq_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seed_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faq_revision", schema=None) as batch_op:
        batch_op.drop_column("seed_digest")
