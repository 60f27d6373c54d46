"""Haven's custom Rasa actions (served by `rasa run actions`)."""
