"""The `newsmon` command line: thin Typer commands over the library functions."""
