"""The course on disk: the nbgrader assignments and the sample submissions.

* :mod:`.assignments`: paths and config, deterministic ``generate`` (solutions/ ->
  notebooks/), ``validate`` (solutions pass, student versions fail);
* :mod:`.samples`: the bundled sample students (``data/sample_solutions.py``) used by the
  demo, the benchmarks and the tests.

Nothing here runs learner code or decides a score. Imports: pooling_ref only.
"""
