"""Haven, a discreet support chat for survivors of domestic abuse.

The top level says which program runs what (docs/architecture.md):
- `bot.gateway` runs in the gateway process (`python -m bot`): the only public port.
- `bot.assistant` runs inside the Rasa server (`python -m bot.assistant run`).
- `actions/` (beside this package) runs in the action server.
- Everything else here is shared domain code that imports no Sanic, Rasa or TensorFlow at module level:
  settings, risk, facts and wording, hours, the NLU rules (`nlp`), `privacy`, `directory`, `staff`,
  `handoff`, and the one database layer (`database`).
"""
