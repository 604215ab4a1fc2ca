"""`python -m launcher.cli`: `byoc` without its script (what `byoc serve --detach` starts)."""

from launcher.cli import main

main()
