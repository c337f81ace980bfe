"""Protocol adapters any LMS speaks (LTI 1.3, xAPI). Framework-free except ``flask.py``."""
