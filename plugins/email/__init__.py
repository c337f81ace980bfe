"""E-mail delivery channel (entry point ``email``)."""
