"""Learner model: knowledge tracing and mastery estimates."""
