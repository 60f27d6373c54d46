"""Haven's NLU components, named in config.yml; the rules they apply live in `bot.nlp`."""
