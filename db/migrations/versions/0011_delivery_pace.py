"""delivery pace shared by every worker process (PostgreSQL only)

Revision ID: 0011
Revises: 0010

One row per limit (a channel's overall rate, one chat, one group chat) holding the earliest moment the
next send may leave (a "theoretical arrival time", seconds since the epoch on the database's clock), and
the function that reserves a moment in every limit of one send at once, under row locks. UNLOGGED: the
pace is worth nothing after a crash (the worst case is one burst of `count` sends), so it skips the WAL.
SQLite runs one process and keeps its limits in memory; nothing is created there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

# Keys are locked in the order given (the channel's first), and new keys are inserted in sorted order
# before any lock is taken, so two callers never wait on each other in a cycle.
# Returns >= 0: reserved, send after that many seconds. < 0: a chat or group of this send is busy for
# more than `p_horizon` beyond the channel's next moment; nothing is reserved, try again after -result.
# p_priority (an interactive reply): goes now, and every limit's next moment moves on past it.
_PACE = """
CREATE FUNCTION cdsbot_pace(p_channel text, p_keys text[], p_intervals float8[], p_horizon float8,
                            p_priority boolean) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    v_now float8 := extract(epoch FROM clock_timestamp());
    v_tat float8;
    v_channel float8 := 0;
    v_other float8 := 0;
    v_at float8;
BEGIN
    INSERT INTO delivery_pace (channel, key, tat)
        SELECT p_channel, k, 0 FROM unnest(p_keys) AS k ORDER BY k
        ON CONFLICT DO NOTHING;
    FOR i IN 1 .. array_length(p_keys, 1) LOOP
        SELECT tat INTO v_tat FROM delivery_pace WHERE channel = p_channel AND key = p_keys[i] FOR UPDATE;
        IF i = 1 THEN v_channel := v_tat; ELSE v_other := greatest(v_other, v_tat); END IF;
    END LOOP;
    IF p_priority THEN
        v_at := v_now;
    ELSE
        v_at := greatest(v_now, v_channel);
        IF v_other > v_at + p_horizon THEN
            RETURN -(v_other - v_now);
        END IF;
        v_at := greatest(v_at, v_other);
    END IF;
    FOR i IN 1 .. array_length(p_keys, 1) LOOP
        UPDATE delivery_pace SET tat = greatest(tat, v_at) + p_intervals[i]
            WHERE channel = p_channel AND key = p_keys[i];
    END LOOP;
    RETURN v_at - v_now;
END $$
"""


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE UNLOGGED TABLE delivery_pace ("
        " channel varchar(16) NOT NULL, key varchar(80) NOT NULL, tat float8 NOT NULL,"
        " CONSTRAINT pk_delivery_pace PRIMARY KEY (channel, key))"
    )
    op.execute(_PACE)


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION cdsbot_pace(text, text[], float8[], float8, boolean)")
    op.execute("DROP TABLE delivery_pace")
