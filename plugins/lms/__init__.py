"""The LMS as a delivery channel (entry point ``lms``)."""
