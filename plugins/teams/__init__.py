"""Microsoft Teams delivery channel (entry point ``teams``)."""
