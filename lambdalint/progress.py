"""A progress bar on stderr for long runs, when stderr is a terminal."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Optional, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class ProgressBar:
    """`progress(done, total)` callback for `pipeline.check`: shows a rich bar once a run
    has taken longer than `delay` seconds (short runs never flash one), and removes it
    when closed."""

    def __init__(self, stream: Optional[TextIO] = None, delay: Optional[float] = None, force: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.enabled = force or _isatty(self.stream)
        # LAMBDALINT_PROGRESS_DELAY lets a test (or an impatient user) see the bar at once.
        self.delay = delay if delay is not None else _seconds(os.environ.get("LAMBDALINT_PROGRESS_DELAY"), 0.5)
        self.started = time.monotonic()
        self._bar: Optional[Progress] = None
        self._task: Optional[TaskID] = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.started < self.delay or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(file=self.stream, force_terminal=self.enabled or None)
            bar = Progress(
                TextColumn("Checking"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            self._task = bar.add_task("check", total=total)
            self._bar = bar
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _seconds(text: Optional[str], default: float) -> float:
    try:
        return max(0.0, float(text)) if text else default
    except ValueError:
        return default
