"""The one SQLAlchemy MetaData every Haven table is defined on (bot/directory/, bot/staff/, bot/handoff/
models.py), so foreign keys between them resolve and one Alembic chain (bot/database/migrations/) covers
them all. Rasa's `events` table is not on it: Rasa creates and owns that one."""

from sqlalchemy import MetaData

METADATA = MetaData()
