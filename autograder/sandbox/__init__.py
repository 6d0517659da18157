"""Where learner code runs while it is graded, and what confines it.

* :mod:`.bwrap`: the OS boundary (bubblewrap: a mount namespace with only Python, the
  packages and the process's own folder; no network; another uid) around every kernel,
  the zygote and the re-check worker;
* :mod:`.policy`: the confinement of one process (rlimits, scrubbed environment, the audit
  hook as defence in depth) and the sandboxed kernel's entry point
  (``python -m autograder.sandbox kernel``);
* :mod:`.kernels`: wires nbgrader's ``Autograde`` to those kernels (:class:`.kernels.Limits`);
* :mod:`.executor`: nbgrader's ``Execute`` with time/output bounds and dead-kernel recovery;
* :mod:`.integrity`: the probe run before every grade cell (a tamper detector, not a verdict);
* :mod:`.zygote`: forks sandboxed kernels from a process that imported TensorFlow once;
* :mod:`.worker`: the confined worker that re-runs learner functions for the trusted side.

Imports flow in one direction: policy <- bwrap <- kernels, zygote, worker; executor <- kernels.
The learner-facing side (:mod:`autograder.checks`, :mod:`autograder.figures`) never
imports this package.
"""
