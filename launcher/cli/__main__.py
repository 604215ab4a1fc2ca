"""`python -m launcher.cli`: `byoc` without its script (what `byoc serve --detach` starts)."""

from launcher.cli import main

if __name__ == "__main__":
    main()
