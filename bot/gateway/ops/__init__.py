"""The operator's routes on the gateway: `/health`, `/ready` (`health.py`: the database, Redis, Rasa and the
action server answer) and `/metrics` (`operator.py`)."""
