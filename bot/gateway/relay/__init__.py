"""How the gateway reaches beyond one socket: Rasa (`rasa_client.py`), the other gateway processes (`bus.py`,
`redis_bus.py`), and the handoff orchestration that uses both with the database (`handoff.py`). The
survivor socket and the staff console build on this; it imports neither."""
