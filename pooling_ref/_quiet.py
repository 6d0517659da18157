"""The one place where TensorFlow's start-up chatter is silenced.

TensorFlow prints oneDNN and CPU-feature log lines on stderr when it is first
imported. In a notebook graded by nbgrader any stderr output in a test cell
scores zero, and in test output it is noise. Importing :mod:`pooling_ref` (or
:mod:`autograder`, which imports it) before Keras sets the environment so that
TensorFlow starts quietly:

* ``TF_CPP_MIN_LOG_LEVEL=3`` hides TensorFlow's C++ info/warning lines;
* ``TF_ENABLE_ONEDNN_OPTS=0`` turns oneDNN's custom ops off. That removes the
  "oneDNN custom operations are on" line *and* makes float results
  reproducible run to run (oneDNN may reorder floating-point sums), which the
  reference comparisons rely on.

Values already set by the user are respected (``setdefault``).
"""

from __future__ import annotations

import os

QUIET_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}


def quiet_tensorflow() -> None:
    """Set the environment variables that keep TensorFlow's import silent.

    Must run before ``tensorflow`` or ``keras`` is first imported; later calls
    are harmless but come too late to change TensorFlow's C++ logging.
    """
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    try:  # Python-side absl logging (used by TF for some warnings)
        import logging

        logging.getLogger("tensorflow").setLevel(logging.ERROR)
    except Exception:  # pragma: no cover - logging never fails in practice
        pass


quiet_tensorflow()
