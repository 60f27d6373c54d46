"""The gateway process (`python -m bot`, Sanic): the only public port. The survivor socket (`chat/`), the
staff console (`console/`), the widget (`widget/`), the bus between gateway processes, the Rasa client and
the handoff orchestration (`handoff.py`). Nothing outside this package imports it."""
