"""Language understanding: danger rules, the UK gazetteer and the project's own spaCy pipeline."""
