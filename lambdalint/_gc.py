"""The garbage collector's thresholds while linting."""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

# A LibCST parse allocates hundreds of thousands of nodes that live until their file is
# done, and importing libcst and reading templates allocate as many: with CPython's
# default thresholds (700, 10, 10) the collector ran about 500 times over 430 handler files
# and took a tenth of the run.  These cut that to about 30 collections and a third of the
# time (mypy raises its own the same way); cycles are still collected.
LINT_GC_THRESHOLDS = (10_000, 50, 100)


@contextlib.contextmanager
def collecting_less_often() -> Iterator[None]:
    """`LINT_GC_THRESHOLDS` for the duration; the caller's own thresholds after."""
    previous = gc.get_threshold()
    gc.set_threshold(*LINT_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
