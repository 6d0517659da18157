"""The instructor's grading pipeline: what decides and stores the scores.

* :mod:`.pipeline`: ``grade`` a class in parallel with nbgrader's autograde (the parent is
  the single gradebook writer; resumable per-submission records);
* :mod:`.submission`: check/repair a submitted notebook before nbgrader, or reject it;
* :mod:`.safeguards`: the per-submission glue (sandboxed execution, repair, trusted re-check);
* :mod:`.trusted`: the verdict computed outside the learner's kernel;
* :mod:`.report`: score table, grades.csv, plots, anomalies;
* :mod:`.demo`: the throw-away demo course, graded end to end.

Learner code never runs in this package's processes: it runs in :mod:`autograder.sandbox`.
Imports: pooling_ref <- checks <- grading; course and sandbox <- grading; nothing back.
"""
