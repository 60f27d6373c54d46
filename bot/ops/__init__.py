"""Running Haven as a charity's IT volunteer does, as `python -m bot.ops`: encrypted backups and restores
(`backup.py`; the file format in `sealed.py`; `sqlite_file.py` and `pg_tools.py` for each database; what a
database holds in `contents.py`) and the production check (`check.py`).

Shared domain: it imports no gateway, assistant or actions code, and no Sanic, Rasa or TensorFlow."""
