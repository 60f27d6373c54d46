"""Language rules shared by every process: the danger and self-harm checks, the UK gazetteer, the
vocabulary, and the build of the project's own spaCy pipeline. No Rasa here (bot/assistant/nlu/ has the
components that apply these inside Rasa)."""
