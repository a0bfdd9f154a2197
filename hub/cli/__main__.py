"""`python -m hub.cli`, for environments where the console script is not on PATH."""

from hub.cli import main

main()
