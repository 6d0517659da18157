"""Tests of the autograder package; subfolders mirror its rooms (checks, figures, course, sandbox,
grading). This conftest puts ``tests/autograder`` on ``sys.path`` (pytest's rootdir-relative
import mode), so every test here can import ``fixtures.helpers`` and the shared catalogue
``wrong_implementations``."""
