"""Shared fixtures. Importing pooling_ref first keeps TensorFlow quiet in test output."""

import os

import pooling_ref  # noqa: F401

os.environ.setdefault("MPLBACKEND", "Agg")
