"""Haven: the NLU helpers and custom components of the support chat."""
