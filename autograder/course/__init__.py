"""The course on disk: the nbgrader assignments and the sample submissions.

* :mod:`.assignments`: paths and config, deterministic ``generate`` (solutions/ ->
  notebooks/), ``validate`` (solutions pass, student versions fail);
* :mod:`.samples`: the bundled sample students (``data/sample_solutions.py``) used by the
  demo, the benchmarks and the tests;
* :mod:`.exercises`: each source notebook's exercises, read at ``generate`` time into the
  self-study data of :mod:`autograder.selfstudy`;
* :mod:`.learner`: the packaged student notebooks, a fresh copy for a learner, the set-up
  cell.

Nothing here runs learner code or decides a score. Imports: pooling_ref only.
"""
