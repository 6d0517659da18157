"""nbgrader reads this file from the directory it runs in; the course's settings
live in autograder/nbgrader_config.py."""

from pathlib import Path

load_subconfig(str(Path(__file__).resolve().parent / "autograder" / "nbgrader_config.py"))  # noqa: F821
