"""members, invites, visits and report downloads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:19:47.456170
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "download_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_download_files")),
    )
    with op.batch_alter_table("download_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_download_files_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("revoked_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_invites_area_id_areas"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_invites_created_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invites_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invites_created_by"), ["created_by"], unique=False)

    op.create_table(
        "join_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_join_failures_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_failures")),
    )
    with op.batch_alter_table("join_failures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_join_failures_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_join_failures_user_id"), ["user_id"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=16), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("deleted_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_visits_area_id_areas"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by"], ["users.id"], name=op.f("fk_visits_deleted_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["users.id"], name=op.f("fk_visits_member_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_visits_updated_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index("ix_visits_area_id_visit_date", ["area_id", "visit_date"], unique=False)
        batch_op.create_index("ix_visits_member_id_visit_date", ["member_id", "visit_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_visit_date"), ["visit_date"], unique=False)

    op.create_table(
        "invite_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invite_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("used_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invite_id"], ["invites.id"], name=op.f("fk_invite_uses_invite_id_invites"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invite_uses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite_uses")),
        sa.UniqueConstraint("invite_id", "user_id", name=op.f("uq_invite_uses_invite_id_user_id")),
    )
    with op.batch_alter_table("invite_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_uses_invite_id"), ["invite_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invite_uses_user_id"), ["user_id"], unique=False)

    op.create_table(
        "visit_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_visit_changes_actor_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_changes_visit_id_visits"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_changes")),
        sa.UniqueConstraint("token", name=op.f("uq_visit_changes_token")),
    )
    with op.batch_alter_table("visit_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_changes_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "visit_services",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_services_visit_id_visits"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("visit_id", "service", name=op.f("pk_visit_services")),
    )


def downgrade() -> None:
    op.drop_table("visit_services")
    with op.batch_alter_table("visit_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_changes_visit_id"))

    op.drop_table("visit_changes")
    with op.batch_alter_table("invite_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_uses_user_id"))
        batch_op.drop_index(batch_op.f("ix_invite_uses_invite_id"))

    op.drop_table("invite_uses")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_visit_date"))
        batch_op.drop_index("ix_visits_member_id_visit_date")
        batch_op.drop_index("ix_visits_area_id_visit_date")

    op.drop_table("visits")
    with op.batch_alter_table("join_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_failures_user_id"))
        batch_op.drop_index(batch_op.f("ix_join_failures_created_at"))

    op.drop_table("join_failures")
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invites_created_by"))
        batch_op.drop_index(batch_op.f("ix_invites_area_id"))

    op.drop_table("invites")
    with op.batch_alter_table("download_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_download_files_expires_at"))

    op.drop_table("download_files")
