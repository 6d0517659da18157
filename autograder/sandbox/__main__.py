"""``python -m autograder.sandbox kernel POLICY.json -f CONNECTION``: a confined kernel."""

import sys

from .policy import kernel_main

if sys.argv[1:2] == ["kernel"]:
    kernel_main(sys.argv[2:])
else:
    raise SystemExit("usage: python -m autograder.sandbox kernel POLICY.json -f CONNECTION")
