#!/usr/bin/env python3
"""Lint and fix every `.py` of large installed trees, and check that nothing breaks.

    nice python benchmarks/scale_site_packages.py [--tree DIR ...] [--jobs 2] [--keep]

Run it with the interpreter of the environment lambdalint is installed in (e.g.
`.venv/bin/python`).  Not part of the test run: it takes minutes.

The corpus is a copy (the `.py` files only) of the trees: by default this environment's
site-packages (boto3, botocore, moto, hypothesis, libcst, ...) and the base interpreter's
library (standard library and its site-packages); `--tree` adds more (another Python's
standard library).  It holds code lambdalint was never tuned on, some of it unparsable on
this Python.  Each top-level package of a tree is a project of its own (a `pyproject.toml`
at its top; the loose modules of a tree are one more project), linted by its own run, as a
repository would be.  The script checks, through the installed CLI:

1. `lambdalint check --no-cache` over each project: no traceback, no internal error, done
   within `--run-timeout` seconds;
2. every file on its own through the engine, timed: none takes over 60 s (a file that does
   is stopped and reported);
3. `lambdalint check --fix --unsafe-fixes` over a copy: no traceback; every changed file
   still compiles; no file without a fixable finding differs by a byte; pyflakes reports no
   name warning (undefined, redefined or unused names) that it did not report before;
4. a second `--fix --unsafe-fixes` changes nothing.

It prints the numbers and exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Tuple

BIN = Path(sys.executable).parent
PER_FILE_LIMIT = 60  # seconds
TARGET_FILES = 20_000


def default_trees() -> List[Path]:
    trees = [Path(sysconfig.get_paths()["purelib"])]
    base = Path(sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})["stdlib"])
    trees.append(base)
    return [t for t in trees if t.is_dir()]


def copy_corpus(trees: List[Path], corpus: Path, templates: bool = False) -> int:
    """Copy the `.py` files of each tree under `corpus/<n>_<name>/` (and, with `templates`,
    the SAM / CloudFormation / Serverless templates and `cdk.json` files that name their
    handlers); symbolic links and `__pycache__` are left out.  Returns the number of `.py`
    files copied."""
    from lambdalint.templates import is_template_name

    count = 0
    seen = set()
    for index, tree in enumerate(trees):
        target_root = corpus / f"{index}_{tree.name}"
        for directory, dirs, files in os.walk(tree):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            real = os.path.realpath(directory)
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            # tool folders (`site-packages`, `build`, ...) keep their files but not their
            # names, which lambdalint skips
            rel = os.path.join(*[_unskipped(part) for part in Path(os.path.relpath(directory, tree)).parts] or ["."])
            # the trees nest (the interpreter's library holds its site-packages): each file once
            if index and any(os.path.realpath(directory).startswith(str(t) + os.sep) for t in trees[:index]):
                continue
            for name in files:
                source = os.path.join(directory, name)
                python = name.endswith(".py")
                wanted = python or (templates and (is_template_name(name) or name == "cdk.json"))
                if not wanted or os.path.islink(source) or not os.path.isfile(source):
                    continue
                destination = target_root / rel / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)
                count += python
    for tree_root in corpus.iterdir():
        loose = [p for p in tree_root.iterdir() if p.is_file()]
        if loose:
            (tree_root / "_modules").mkdir(exist_ok=True)
            for path in loose:
                path.rename(tree_root / "_modules" / path.name)
        for project in tree_root.iterdir():
            (project / "pyproject.toml").write_text("")  # one project per top-level package
    return count


def projects_of(corpus: Path) -> List[Path]:
    return sorted(p for tree in corpus.iterdir() for p in tree.iterdir() if p.is_dir())


def _unskipped(part: str) -> str:
    from lambdalint.discovery import SKIP_DIRS

    return part + "_" if part in SKIP_DIRS or part.endswith(".egg-info") else part


def digests(root: Path) -> Dict[str, str]:
    out = {}
    for path in root.rglob("*.py"):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def cli(*args: str, cwd: Path, timeout: float) -> Tuple[Optional[subprocess.CompletedProcess], float]:
    """The installed CLI; None when it did not finish within `timeout` seconds."""
    start = time.perf_counter()
    env = dict(os.environ)
    env.pop("LAMBDALINT_CACHE_DIR", None)
    try:
        result = subprocess.run(
            [str(BIN / "lambdalint"), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="backslashreplace",
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        result = None
    return result, time.perf_counter() - start


def each_project(projects: List[Path], args: List[str], jobs: int, timeout: float):
    """(project, result or None, seconds) for `lambdalint ARGS .` in every project, `jobs`
    runs at a time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [(project, pool.submit(cli, *args, ".", cwd=project, timeout=timeout)) for project in projects]
        for project, future in futures:
            result, seconds = future.result()
            yield project, result, seconds


def _alarm(signum, frame):
    raise TimeoutError


def _time_file(path: str) -> Tuple[str, float, Optional[str]]:
    """Lint one file on its own through the engine, stopped after PER_FILE_LIMIT s."""
    from lambdalint.config import Config
    from lambdalint.engine import Options, check_file

    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(PER_FILE_LIMIT)
    start = time.perf_counter()
    problem = None
    try:
        report = check_file(path, path, Options(Config()))
        internal = [e.message for e in report.errors if "internal error" in e.message]
        problem = internal[0] if internal else None
    except TimeoutError:
        problem = f"over {PER_FILE_LIMIT} s"
    except BaseException as exc:  # check_file never raises: anything here is a bug
        problem = f"{type(exc).__name__}: {exc}"
    finally:
        signal.alarm(0)
    return path, time.perf_counter() - start, problem


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", default=[], help="another tree of .py files to add")
    parser.add_argument("--jobs", type=int, default=2, help="runs (and timing processes) at a time")
    parser.add_argument("--run-timeout", type=float, default=900, help="seconds one project's run may take")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus")
    parser.add_argument("--only", action="store_true", help="only the --tree directories")
    parser.add_argument("--check-only", action="store_true", help="stop after step 1 (check each project)")
    parser.add_argument(
        "--with-templates",
        action="store_true",
        help="copy templates too (for Lambda projects, e.g. the real-world corpus)",
    )
    args = parser.parse_args(argv)
    trees = ([] if args.only else default_trees()) + [Path(t).resolve() for t in args.tree]
    work = Path(tempfile.mkdtemp(prefix="lambdalint-scale-"))
    failures: List[str] = []
    try:
        corpus = work / "corpus"
        copied = copy_corpus(trees, corpus, templates=args.with_templates)
        print(f"trees: {', '.join(map(str, trees))}")
        print(
            f"copied {copied} .py files"
            + ("" if copied >= TARGET_FILES else f" (fewer than the {TARGET_FILES} aimed at)")
        )

        # 1. check each project, no cache
        projects = projects_of(corpus)
        start = time.perf_counter()
        doc: dict = {"findings": [], "errors": []}
        linted = 0
        run_times: List[Tuple[float, str]] = []
        for project, result, seconds in each_project(
            projects, ["check", "--no-cache", "--format", "json", "--jobs", "1"], args.jobs, args.run_timeout
        ):
            name = str(project.relative_to(corpus))
            run_times.append((seconds, name))
            if result is None:
                failures.append(f"check: {name}: not done in {args.run_timeout:.0f} s")
                continue
            if "Traceback" in result.stderr or result.returncode not in (0, 1):
                failures.append(f"check: {name}: exit {result.returncode}: {result.stderr[-2000:]}")
                continue
            part = json.loads(result.stdout)
            linted += part["summary"]["files"]
            for key in ("findings", "errors"):
                for item in part[key]:
                    item["path"] = f"{name}/{item['path']}"
                    doc[key].append(item)
        internal = [e for e in doc["errors"] if "internal error" in e["message"]]
        failures.extend(f"check: {e['path']}: {e['message']}" for e in internal[:20])
        by_code: Dict[str, int] = {}
        for f in doc["findings"]:
            by_code[f["code"]] = by_code.get(f["code"], 0) + 1
        print(
            f"check --no-cache: {len(projects)} projects, {linted} files linted in "
            f"{time.perf_counter() - start:.1f} s, {len(doc['findings'])} findings "
            f"({', '.join(f'{c} {n}' for c, n in sorted(by_code.items()))}), {len(doc['errors'])} file errors, "
            f"{len(internal)} internal errors; slowest runs: "
            + ", ".join(f"{n} {s:.1f} s" for s, n in sorted(run_times, reverse=True)[:5])
        )
        for error in doc["errors"][:20]:
            print(f"  {error['path']}: {error['message'][:120]}")
        if args.check_only:
            return verdict(failures)

        # 2. every file on its own, timed
        files = sorted(str(p) for p in corpus.rglob("*.py"))
        start = time.perf_counter()
        timings: List[Tuple[str, float, Optional[str]]] = []
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for item in pool.map(_time_file, files, chunksize=64):
                timings.append(item)
        slowest = sorted(timings, key=lambda t: -t[1])[:5]
        problems = [t for t in timings if t[2]]
        failures.extend(f"per file: {os.path.relpath(p, corpus)}: {problem}" for p, _, problem in problems[:20])
        print(
            f"per file: {len(timings)} files in {time.perf_counter() - start:.1f} s; "
            f"{sum(1 for t in timings if t[1] > PER_FILE_LIMIT)} over {PER_FILE_LIMIT} s; "
            f"{len(problems)} with a problem; slowest: "
            + ", ".join(f"{os.path.relpath(p, corpus)} {s:.2f} s" for p, s, _ in slowest)
        )

        # 3. fix a copy
        fixable = {f["path"] for f in doc["findings"] if f.get("fix")}
        before = digests(corpus)
        # newer syntax than this interpreter's (a 3.12 f-string): such a file must still
        # parse with LibCST after its fix, as it did before
        uncompilable = {rel for rel in fixable if compile_error((corpus / rel).read_bytes(), rel)}
        # what pyflakes says of names before the fixes: a fix that leaves a name undefined,
        # or defined twice, shows up as a new warning
        names_before = name_warnings(corpus, sorted(fixable - uncompilable))
        start = time.perf_counter()
        for project, result, _ in each_project(
            projects,
            ["check", "--no-cache", "--fix", "--unsafe-fixes", "--quiet", "--jobs", "1"],
            args.jobs,
            args.run_timeout,
        ):
            name = str(project.relative_to(corpus))
            if result is None:
                failures.append(f"fix: {name}: not done in {args.run_timeout:.0f} s")
            elif "Traceback" in result.stderr or result.returncode not in (0, 1):
                failures.append(f"fix: {name}: exit {result.returncode}: {result.stderr[-2000:]}")
        seconds = time.perf_counter() - start
        after = digests(corpus)
        changed = sorted(p for p in before if after.get(p) != before[p])
        unexpected = [p for p in changed if p not in fixable]
        failures.extend(f"fix: {p} changed without a fixable finding" for p in unexpected[:20])
        not_compiling = []
        for rel in changed:
            data = (corpus / rel).read_bytes()
            error = libcst_error(data) if rel in uncompilable else compile_error(data, rel)
            if error:
                not_compiling.append(f"{rel}: {error}")
        failures.extend(f"fix: {m} no longer compiles" for m in not_compiling[:20])
        names_after = name_warnings(corpus, [rel for rel in changed if rel not in uncompilable])
        new_warnings = sorted(key for key, count in names_after.items() if count > names_before.get(key, 0))
        failures.extend(f"fix: {path}: a new pyflakes {code} after the fix" for path, code in new_warnings[:20])
        print(
            f"--fix --unsafe-fixes: {len(changed)} files changed in {seconds:.1f} s "
            f"({len(fixable)} had a fixable finding); {len(not_compiling)} changed files do not compile "
            f"({len(uncompilable)} fixable files need a newer Python than this one: checked with LibCST); "
            f"{len(unexpected)} files changed without a fixable finding; "
            f"{len(new_warnings)} new pyflakes name warnings ({', '.join(NAME_WARNINGS)})"
        )

        # 4. a second fix changes nothing
        start = time.perf_counter()
        for project, result, _ in each_project(
            projects,
            ["check", "--no-cache", "--fix", "--unsafe-fixes", "--quiet", "--jobs", "1"],
            args.jobs,
            args.run_timeout,
        ):
            if result is not None and "Traceback" in result.stderr:
                failures.append(f"second fix: {project.relative_to(corpus)}: {result.stderr[-2000:]}")
        seconds = time.perf_counter() - start
        again = digests(corpus)
        changed_again = sorted(p for p in after if again.get(p) != after[p])
        failures.extend(f"second fix: {p} changed again" for p in changed_again[:20])
        print(f"second --fix: {len(changed_again)} files changed in {seconds:.1f} s")
    finally:
        if args.keep:
            print(f"corpus kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return verdict(failures)


NAME_WARNINGS = ("F821", "F822", "F823", "F811", "F841", "F401")  # undefined, redefined, unused


def name_warnings(root: Path, files: List[str]) -> Dict[Tuple[str, str], int]:
    """(file, code) -> how many of the NAME_WARNINGS pyflakes (through flake8) reports."""
    counts: Dict[Tuple[str, str], int] = {}
    for start in range(0, len(files), 200):
        done = subprocess.run(
            [sys.executable, "-m", "flake8", "--isolated", "--select", ",".join(NAME_WARNINGS)]
            + ["--format", "%(path)s|%(code)s", *files[start : start + 200]],
            cwd=root,
            capture_output=True,
            text=True,
        )
        for line in done.stdout.splitlines():
            path, _, code = line.rpartition("|")
            counts[(path, code)] = counts.get((path, code), 0) + 1
    return counts


def compile_error(data: bytes, name: str) -> Optional[str]:
    try:
        compile(data, name, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:  # ValueError: a NUL byte
        return str(exc)
    return None


def libcst_error(data: bytes) -> Optional[str]:
    import libcst

    try:
        libcst.parse_module(data)
    except Exception as exc:
        return f"LibCST: {exc}"
    return None


def verdict(failures: List[str]) -> int:
    for failure in failures:
        print(f"FAIL {failure}")
    print("all checks passed" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
