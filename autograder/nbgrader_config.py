"""nbgrader configuration for the poolcourse course.

Loaded by the root ``nbgrader_config.py`` (so ``nbgrader ...`` run at the
repository root and JupyterLab's nbgrader extension both see it) and by
``python -m autograder``.

Layout: each notebook is its own assignment, named like the notebook::

    solutions/<assignment>/<assignment>.ipynb   instructor source (### BEGIN SOLUTION)
    notebooks/<assignment>/<assignment>.ipynb   student version, generated, never edited
"""

from pathlib import Path

c = get_config()  # noqa: F821  (injected by traitlets' config loader)

COURSE_ROOT = Path(__file__).resolve().parents[1]

c.CourseDirectory.course_id = "poolcourse"
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
# `python -m autograder grade` writes autograded/<student>/<assignment>/ and
# feedback/<student>/<assignment>/ here, where the formgrader and
# `nbgrader release_feedback` look (nbgrader's default folder names).

# nbgrader's exchange: release_assignment -> fetch_assignment -> submit -> collect,
# release_feedback -> fetch_feedback all pass through this folder (created by the
# first release). One machine: <course>/exchange; on a shared server set it to a
# folder every student can write to (nbgrader's default is /srv/nbgrader/exchange).
# Students point their own nbgrader_config.py at the same folder (README).
c.Exchange.root = str(COURSE_ROOT / "exchange")

# What a blank solution cell holds in the student version.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Per-cell timeout: long enough for TensorFlow's first import and a small
# training run, short enough that an infinite loop costs one cell only.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Keep feedback and gradebook small when a cell prints megabytes.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# TensorFlow may still write log lines on stderr (absl, oneDNN, cpu features);
# nbgrader scores any stderr output in a grade cell as a failure, so drop those.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = (
    r"(^|\n)(WARNING: All log messages before absl|I0000|W0000|E0000|"
    r"[IWE]\d{4} \d\d:\d\d|.*oneDNN custom operations|.*cpu_feature_guard|"
    r".*This TensorFlow binary is optimized)"
)

# ipykernel >= 7 logs a warning about unencrypted TCP on every kernel start to the
# grader's terminal (not into the notebook); keep the instructor's terminal readable.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
