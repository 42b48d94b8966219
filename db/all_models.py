"""Import every model module so the metadata is complete (Alembic, tests)."""

from db import models  # noqa: F401
