"""The Flask app factory and the host's own routes (health, OpenAPI, errors)."""
