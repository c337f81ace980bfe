"""Slack delivery channel (entry point ``slack``)."""
