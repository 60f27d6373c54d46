"""Minimum data: erasing a survivor's conversation."""
