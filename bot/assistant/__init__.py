"""What runs inside the Rasa server: the redacting tracker store, the Redis lock store, the NLU components
(`nlu/`) and the patches to Rasa, installed by one entry point (`python -m bot.assistant`, `patches.py`)."""
