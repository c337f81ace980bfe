"""Measurement: what learning did for people, read from the store and the learner model
for the purpose ``learning_analytics`` (outcomes per person, reports over groups)."""
