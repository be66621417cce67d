"""Run the engine over a plan: light files and cached results in this process, the LibCST
work (one task per unit of modules linted together) in a process pool when there is
enough of it.  Reports come back in the order of the linted files."""

from __future__ import annotations

import gc
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from lambdalint._gc import LINT_GC_THRESHOLDS, collecting_less_often
from lambdalint.engine import EMPTY_FILE, Options, check_file, check_unit
from lambdalint.files import RealPaths, read_source
from lambdalint.model import FileReport
from lambdalint.project import Plan

# Below this many modules that need LibCST, a pool costs more than it saves: each worker
# imports libcst (~0.3 s) before doing anything.
MIN_FILES_PER_PROCESS = 8
EMPTY_VERDICT = "empty"  # the stat index's verdict for an empty file (no cache entry)

# A task: ("light", real, shown, data, signature) or ("unit", unit, datas, key, signatures)
Task = Tuple


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def run(
    plan: Plan,
    files: Sequence[Tuple[str, str]],
    options: Options,
    jobs: Optional[int] = None,
    cache=None,
    sources: Optional[Dict[str, str]] = None,
    progress: Optional[Callable[[int, int], None]] = None,
) -> List[FileReport]:
    """Reports for the linted `files` ((real path, display path) pairs), in that order.

    `cache` is a `lambdalint.cache.ResultCache` (ignored when fixing); `sources` maps real
    paths to text that stands in for the file (never cached); `progress(done, total)` is
    called as files are done (a progress bar)."""
    if options.fix or sources:
        cache = None
    sources = sources or {}
    realpath = RealPaths()

    def read(path: str) -> Optional[bytes]:
        """The file's bytes, or None (the engine reads it again and words the error)."""
        real = realpath(path)
        if real in sources:
            return sources[real].encode("utf-8")
        data, _, error, _ = read_source(path)
        return None if error is not None else data

    reports: Dict[str, FileReport] = {}
    tasks: List[Task] = []
    for real, shown in plan.light:
        signature = None
        if cache is not None:
            signature, facts = cache.facts(real)
            verdict = facts.get("light")
            if verdict in ("", EMPTY_VERDICT):  # unchanged since a run found nothing to check
                reports[realpath(real)] = FileReport(shown, notes=[EMPTY_FILE] if verdict else [])
                continue
        tasks.append(("light", real, shown, read(real), signature))
    for unit in plan.units:
        datas: List[Optional[bytes]] = [None] * len(unit.members)
        key = None
        if cache is not None:
            digests = []
            for index, (member, _) in enumerate(unit.members):
                signature, facts = cache.facts(member)
                if "digest" not in facts:
                    datas[index] = read(member)
                    if datas[index] is None:
                        break
                    facts = {"digest": cache.content_digest(datas[index])}
                    cache.remember(member, signature, **facts)
                digests.append(facts["digest"])
            else:
                key = cache.unit_key(unit.members, digests)
                cached = [cache.get(cache.member_key(key, real)) for real in unit.linted]
                if all(c is not None for c in cached):
                    shown_as = dict(unit.members)
                    for real, report in zip(unit.linted, cached):
                        report.path = shown_as[real]
                        reports[real] = report
                    continue
        datas = [data if data is not None else read(member) for data, (member, _) in zip(datas, unit.members)]
        tasks.append(("unit", unit, datas, key, None))

    tick = _ticker(progress, len(files))
    tick(len(files) - sum(_linted(task) for task in tasks))  # answered by the cache
    jobs = default_jobs() if jobs is None or jobs <= 0 else jobs
    heavy = sum(len(task[1].members) for task in tasks if task[0] == "unit")
    jobs = min(jobs, heavy // MIN_FILES_PER_PROCESS)
    # --fix stays in this process: its writes defer Ctrl-C until a file is whole, which a
    # pool's workers (interrupted with or without the parent) cannot promise as simply.
    if jobs > 1 and not options.fix:
        results = _in_pool(tasks, options, jobs, tick)
    else:
        results = []
        with collecting_less_often():
            for task in tasks:
                results.append(_run_task(task, options))
                tick(_linted(task))
    for task, task_reports in zip(tasks, results):
        if task[0] == "light":
            _, real, shown, _, signature = task
            (report,) = task_reports
            reports[realpath(real)] = report
            if cache is not None and not report.errors:
                cache.remember(real, signature, light=EMPTY_VERDICT if report.notes else "")
            continue
        _, unit, _, key, _ = task
        for real, report in zip(unit.linted, task_reports):
            reports[real] = report
            if key is not None:
                cache.put(cache.member_key(key, real), report)
    if cache is not None:
        cache.save()
    return [reports.get(realpath(real)) or FileReport(shown) for real, shown in files]


def _run_task(task: Task, options: Options) -> List[FileReport]:
    if task[0] == "light":
        _, real, shown, data, _ = task
        return [check_file(real, shown, options, data=data, light=True)]  # the plan found no entry point
    _, unit, datas, _, _ = task
    members = [(real, shown, data) for (real, shown), data in zip(unit.members, datas)]
    return check_unit(members, unit.linted, options, options.layout)


def _linted(task: Task) -> int:
    """How many linted files a task reports on (for the progress bar)."""
    return 1 if task[0] == "light" else len(task[1].linted)


def _ticker(progress: Optional[Callable[[int, int], None]], total: int) -> Callable[[int], None]:
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None and count:
            progress(done, total)

    return tick


# -- the pool -----------------------------------------------------------------------------

_worker_options: Optional[Options] = None


def _init_worker(options: Options) -> None:
    global _worker_options
    _worker_options = options
    gc.set_threshold(*LINT_GC_THRESHOLDS)  # the worker's whole life is linting


def _run_chunk(chunk: List[Task]) -> List[List[FileReport]]:
    from lambdalint.cache import portable

    assert _worker_options is not None
    # CST nodes in fixes are only needed in the process that applies them
    return [portable(_run_task(task, _worker_options)) for task in chunk]


# LibCST's parse and the analysis cost about this many times CPython's syntax check
LIBCST_COST = 10


def _cost(task: Task) -> int:
    if task[0] == "light":
        return len(task[3] or b"") + 1
    return LIBCST_COST * sum(len(data or b"") + 1 for data in task[2])


def _balanced_chunks(tasks: List[Task], count: int) -> List[List[int]]:
    """Task indexes dealt into `count` chunks of about equal cost, heaviest task first
    (light files and units are far apart in cost, and in the plan the units come last,
    so equal-length slices left one worker with every unit)."""
    costs = [_cost(task) for task in tasks]
    totals = [0] * min(count, len(tasks))
    chunks: List[List[int]] = [[] for _ in totals]
    for index in sorted(range(len(tasks)), key=lambda i: -costs[i]):
        lightest = min(range(len(totals)), key=totals.__getitem__)
        chunks[lightest].append(index)
        totals[lightest] += costs[index]
    return [chunk for _, chunk in sorted(zip(totals, chunks), key=lambda pair: -pair[0]) if chunk]


def _in_pool(tasks: List[Task], options: Options, jobs: int, tick: Callable[[int], None]) -> List[List[FileReport]]:
    from concurrent.futures import ProcessPoolExecutor

    chunks = _balanced_chunks(tasks, jobs * 4)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(options,))
    try:
        results: List[Optional[List[FileReport]]] = [None] * len(tasks)
        for chunk, done in zip(chunks, pool.map(_run_chunk, [[tasks[i] for i in chunk] for chunk in chunks])):
            for index, reports in zip(chunk, done):
                results[index] = reports
            tick(sum(_linted(tasks[index]) for index in chunk))
        return [reports or [] for reports in results]
    except KeyboardInterrupt:
        # Check mode only (nothing is written): stop the workers now rather than wait.
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
