"""Zalo Official Accounts: the OAs and their tokens, consents under way, delivery and reading receipts

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zalo_oa_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("oa_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refresh_obtained_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("refresh_failed_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_until", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("paused_reason", sa.String(length=200), nullable=True),
        sa.Column("last_event_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_zalo_oa_accounts_area_id_areas"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zalo_oa_accounts")),
        sa.UniqueConstraint("oa_id", name=op.f("uq_zalo_oa_accounts_oa_id")),
    )
    with op.batch_alter_table("zalo_oa_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zalo_oa_accounts_area_id"), ["area_id"], unique=False)

    op.create_table(
        "zalo_oa_consents",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_zalo_oa_consents_area_id_areas"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_zalo_oa_consents")),
    )
    op.create_table(
        "zalo_oa_receipts",
        sa.Column("msg_id", sa.String(length=64), nullable=False),
        sa.Column("oa_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("delivered_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("msg_id", name=op.f("pk_zalo_oa_receipts")),
    )


def downgrade() -> None:
    op.drop_table("zalo_oa_receipts")
    op.drop_table("zalo_oa_consents")
    with op.batch_alter_table("zalo_oa_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zalo_oa_accounts_area_id"))
    op.drop_table("zalo_oa_accounts")
