"""Persistence: SQLAlchemy 2 async models, repositories, the session factory and Alembic migrations."""
