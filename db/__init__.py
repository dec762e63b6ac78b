"""Persistence: SQLAlchemy 2 typed models, the async engine and sessions, and Alembic migrations."""
