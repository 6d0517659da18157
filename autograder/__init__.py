"""autograder: check functions for test cells, the nbgrader course, and the instructor CLI."""

import pooling_ref  # noqa: F401  (quiets TensorFlow before any check imports Keras)
