"""Run the engine over many files: the cheap text pre-pass and the cache in this process,
the LibCST work in a process pool when there is enough of it."""

from __future__ import annotations

import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lambdalint.engine import EMPTY_FILE, Options, check_file, needs_analysis
from lambdalint.files import decoded, read_source
from lambdalint.model import FileReport

# Below this many files that need LibCST, a pool costs more than it saves: each worker
# imports libcst (~0.3 s) before doing anything.
MIN_FILES_PER_PROCESS = 8


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


EMPTY_VERDICT = "empty"  # the stat index's verdict for an empty file (no cache entry)


def run(files: Sequence[Tuple[str, str]], options: Options, jobs: Optional[int] = None,
        cache=None, sources: Optional[Dict[str, str]] = None,
        progress: Optional[Callable[[int, int], None]] = None) -> List[FileReport]:
    """Check (real path, display path) pairs; reports come back in the input order.

    `cache` is a `lambdalint.cache.ResultCache` (ignored when fixing); `sources` maps real
    paths to text that stands in for the file (never cached); `progress(done, total)` is
    called as files are done (a progress bar)."""
    if options.fix or sources:
        cache = None
    sources = sources or {}
    reports: List[Optional[FileReport]] = [None] * len(files)
    work: List[Tuple[int, str, str, Optional[bytes], Optional[str], Optional[list]]] = []
    for index, (real, shown) in enumerate(files):
        signature = None
        if cache is not None:
            signature, verdict = cache.known(real, shown)
            if verdict in ("", EMPTY_VERDICT):  # unchanged since a run found no entry point
                reports[index] = FileReport(shown, notes=[EMPTY_FILE] if verdict else [])
                cache.remember(real, shown, signature, verdict)
                continue
            cached = cache.get(verdict) if verdict else None
            if cached is not None:
                cached.path = shown
                reports[index] = cached
                cache.remember(real, shown, signature, verdict)
                continue
        if os.path.realpath(real) in sources:
            data, source, error = decoded(sources[os.path.realpath(real)].encode("utf-8"), real)
        else:
            data, source, error, _ = read_source(real)
        # No entry point: nothing to analyse, only a syntax check (SPEC reports every
        # unparsable file), which runs with the rest so that a pool shares it out.
        light = error is None and source is not None and not needs_analysis(source.text, shown, options)
        key = None
        if cache is not None and data is not None and error is None and not light:
            key = cache.key(real, shown, data)
            cached = cache.get(key)
            if cached is not None:
                cached.path = shown
                reports[index] = cached
                cache.remember(real, shown, signature, key)
                continue
        work.append((index, real, shown, data, key, signature, light))

    tick = _ticker(progress, len(files))
    tick(len(files) - len(work))  # answered by the cache
    jobs = default_jobs() if jobs is None or jobs <= 0 else jobs
    # Only the files that need LibCST pay for a pool; the light ones ride along when it runs.
    jobs = min(jobs, sum(1 for *_, light in work if not light) // MIN_FILES_PER_PROCESS)
    items = [(real, shown, data) for _, real, shown, data, _, _, _ in work]
    # --fix stays in this process: its writes defer Ctrl-C until a file is whole, which a
    # pool's workers (interrupted with or without the parent) cannot promise as simply.
    if jobs > 1 and not options.fix:
        results = _in_pool(items, options, jobs, tick)
    else:
        results = []
        for item in items:
            results.append(_check(item, options))
            tick(1)
    for (index, real, shown, _, key, signature, light), report in zip(work, results):
        reports[index] = report
        if light and cache is not None and not report.errors:
            cache.remember(real, shown, signature, EMPTY_VERDICT if report.notes else "")
        elif key is not None:
            cache.put(key, report)
            cache.remember(real, shown, signature, key)
    if cache is not None:
        cache.save()
    return reports  # type: ignore[return-value]


def _ticker(progress: Optional[Callable[[int, int], None]], total: int) -> Callable[[int], None]:
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None and count:
            progress(done, total)

    return tick


def _check(item: Tuple[str, str, Optional[bytes]], options: Options) -> FileReport:
    real, shown, data = item
    return check_file(real, shown, options, data=data)


# -- the pool -----------------------------------------------------------------------------

_worker_options: Optional[Options] = None


def _init_worker(options: Options) -> None:
    global _worker_options
    _worker_options = options


def _check_chunk(chunk: List[Tuple[str, str, Optional[bytes]]]) -> List[FileReport]:
    from lambdalint.cache import portable

    assert _worker_options is not None
    # CST nodes in fixes are only needed in the process that applies them
    return portable(_check(item, _worker_options) for item in chunk)


def _in_pool(items, options: Options, jobs: int, tick: Callable[[int], None]) -> List[FileReport]:
    from concurrent.futures import ProcessPoolExecutor

    # A few chunks per worker: big enough to amortise pickling, small enough to balance
    # files of very different sizes.
    size = max(1, len(items) // (jobs * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(options,))
    try:
        reports: List[FileReport] = []
        for chunk in pool.map(_check_chunk, chunks):
            reports.extend(chunk)
            tick(len(chunk))
        return reports
    except KeyboardInterrupt:
        # Check mode only (nothing is written): stop the workers now rather than wait.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
