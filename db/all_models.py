"""Import every model module so the metadata is complete (Alembic, tests)."""

from db import (  # noqa: F401
    models,
    models_audit,
    models_campaigns,
    models_faq,
    models_handoff,
    models_inbox,
    models_outbox,
    models_visits,
    models_web,
    models_zalo_oa,
)
