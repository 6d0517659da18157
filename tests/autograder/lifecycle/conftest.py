"""Fixtures of the lifecycle tests. The helpers live in ``lifecycle_support`` (a unique module
name: a spawned child process, or any test module, that imported ``conftest`` by name could get
another folder's conftest)."""

from lifecycle_support import fresh_database, postgres_server  # noqa: F401  (fixtures)
