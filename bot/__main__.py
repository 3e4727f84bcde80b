"""`python -m bot …` is the same as the `progressbot` command."""

from bot.cli import main

main()
