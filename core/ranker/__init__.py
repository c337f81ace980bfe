"""Ranking: candidates, named ranking signals, pedagogy and explanations."""
