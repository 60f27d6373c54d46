"""The staff console in the gateway: its routes (`routes.py`), its socket (`socket.py`), page and assets."""
