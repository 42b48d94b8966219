"""Import every model module so the metadata is complete (Alembic, tests)."""

from db import models, models_audit, models_faq, models_outbox, models_visits  # noqa: F401
