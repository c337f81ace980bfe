"""Built-in plugins, one package per external system."""
