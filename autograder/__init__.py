"""autograder: the check functions test cells call, the nbgrader course, and the instructor CLI.

The folder tree is the architecture (docs/ARCHITECTURE.md draws it):

* inside the learner's kernel: :mod:`autograder.checks` (feedback from the test cells) and
  :mod:`autograder.figures` (the lessons' pictures);
* the course on disk: :mod:`autograder.course` (generate, validate, sample submissions);
* where learner code is confined while graded: :mod:`autograder.sandbox`;
* what decides and stores scores: :mod:`autograder.grading`;
* the learner's self-study (self-check, hints, solutions, progress): :mod:`autograder.selfstudy`;
* ``python -m autograder`` / ``poolcourse-grade``: :mod:`autograder.cli`.
"""

import pooling_ref  # noqa: F401  (quiets TensorFlow before any check imports Keras)
