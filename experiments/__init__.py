"""Studies and figures; each module is a script with one command (see README.md)."""
