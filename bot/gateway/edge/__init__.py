"""What every request and socket in the gateway passes through: security headers, origin checks and signed
conversation ids (`security.py`), and the content-free counters an operator scrapes (`metrics.py`). It
imports nothing else from the gateway, so the routes, sockets and relay can all use it."""
