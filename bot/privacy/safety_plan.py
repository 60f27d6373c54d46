"""What is stored of a safety plan: placeholders, never the survivor's answers (docs/privacy.md).

A code word, where the passports are hidden, when he is out: the most dangerous things Haven could hold.
The tracker store (bot/assistant/tracker_store.py) writes these placeholders in every copy, from the first
write; the plan's actions (actions/safety_plan.py) mark the summary, and read the placeholders back.
"""

SAFETY_PLAN_FORM = "safety_plan_form"
PLAN_ANSWER = "[safety plan answer]"
"""Stored instead of a survivor's answer: her message, its parse data's text and entities, and the slots it set."""
PLAN_SUMMARY = "[safety plan summary]"
"""Stored instead of the summary that shows her plan back to her."""
STORED_AS = "stored_as"
"""Key in a bot message's metadata: the text stored instead of the one the survivor sees."""
