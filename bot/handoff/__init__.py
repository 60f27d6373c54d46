"""Human handoff: the queue of survivors waiting for a person, who holds which conversation, presence."""
