"""Built-in moodle plugin; registers through the `learnwire` entry-point group like any
third-party plugin. Its sources arrive with the source-plugins issue; until then it
registers nothing rather than fake data."""
