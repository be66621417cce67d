"""lambdalint: find state leaks, per-request setup and invariant I/O in AWS Lambda handlers."""

__version__ = "0.1.0"
