"""``python -m autograder {generate,validate,grade,demo}``."""

from .cli import main

raise SystemExit(main())
