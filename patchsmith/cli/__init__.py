"""The command line: argument parsing and the commands, the only layer that knows every other."""
