"""Persistence: SQLAlchemy 2.x models, engine set-up, Alembic migrations and backups."""
