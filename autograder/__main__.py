"""``python -m autograder {generate,validate,grade,demo}``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
