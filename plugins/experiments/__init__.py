"""Experiments: matched-cohort comparisons of learnwire with a curriculum by role, with a
pre-registered primary outcome, governed placement and honest reports."""
