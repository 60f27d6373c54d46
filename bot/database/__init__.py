"""The one database layer: one engine factory (`engine.py`), one way to run a blocking call off the event
loop (`offloop.py`), the tables' shared metadata (`schema.py`) and one Alembic chain for every table
(`migrate.py`, `migrations/`). Rasa's own `events` table is Rasa's."""
