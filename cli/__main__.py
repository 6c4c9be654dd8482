"""`python -m cli` runs the newsmon command."""

from cli.app import main

main()
