"""Import every model module so the metadata is complete (Alembic, tests)."""

from db import models, models_faq  # noqa: F401
