#!/usr/bin/env python3
"""Before and after a change: two versions of lambdalint timed in turns on one corpus.

    python benchmarks/compare.py OLD [NEW] [--corpus DIR] [--rounds 8] [--jobs 1]

OLD and NEW are git revisions (NEW defaults to the working tree).  Run it with the
interpreter of the environment lambdalint is installed in: both versions run there, each
as `python -m lambdalint check --no-cache` with its own checkout first on `sys.path`.  The
corpus defaults to benchmarks/run.py's handler-dense corpus (300 files).

On a shared machine a lone time moves by ±30% from one minute to the next; runs of the two
versions taken in turns, in the same minutes, move together, so their ratio means
something.  The best and the median of each are printed, and whether the two versions
report the same findings (JSON output compared byte for byte).

Two traps this avoids: `python -m` puts the working directory first on `sys.path`, so
from a checkout both runs would import that checkout; and a corpus without a
pyproject.toml inside the working directory would make the whole working directory the
project.  Every run starts in an empty temporary directory.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
import run  # noqa: E402 - benchmarks/run.py: its corpora and tool environment


def checkout(revision: Optional[str], into: Path) -> Path:
    """A directory holding `revision`'s tree (a detached worktree), or the working tree."""
    if revision is None:
        return REPO
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(into), revision],
        check=True,
    )
    return into


def _env(source: Path) -> Dict[str, str]:
    env = run.tool_env()  # as every benchmark runs its tools: bytecode caching on
    env["PYTHONPATH"] = str(source)
    return env


def imported_from(source: Path, cwd: Path) -> Path:
    """Where `import lambdalint` finds the package, run as the timed runs are."""
    done = subprocess.run(
        [sys.executable, "-c", "import lambdalint; print(lambdalint.__file__)"],
        env=_env(source),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip()).resolve().parent.parent


def lint(
    source: Path, corpus: Path, jobs: int, cwd: Path, output_format: str = "concise"
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "lambdalint", "check", "--exit-zero", "--no-cache", "--jobs", str(jobs)]
    return subprocess.run(
        [*command, "--format", output_format, str(corpus)], env=_env(source), cwd=cwd, capture_output=True
    )


def compare(sources: Dict[str, Path], corpus: Path, rounds: int, jobs: int, cwd: Path) -> str:
    for name, source in sources.items():
        found = imported_from(source, cwd)
        if found != source.resolve():
            raise SystemExit(f"{name}: `import lambdalint` finds {found}, not {source}")
    outputs = {name: lint(source, corpus, jobs, cwd, "json") for name, source in sources.items()}
    for name, done in outputs.items():
        if done.returncode != 0:
            raise SystemExit(f"{name}: lambdalint failed ({done.returncode}):\n{done.stderr.decode()}")
    times: Dict[str, List[float]] = {name: [] for name in sources}
    for _ in range(rounds):
        for name, source in sources.items():  # in turns: both see the same minutes
            start = time.perf_counter()
            lint(source, corpus, jobs, cwd)
            times[name].append(time.perf_counter() - start)
    (old, old_times), (new, new_times) = times.items()
    rows = [
        f"corpus: {corpus} ({sum(1 for _ in corpus.rglob('*.py'))} files), {jobs} job(s), {rounds} rounds in turns",
        "",
        "| version | best s | median s |",
        "|---|---:|---:|",
    ]
    for name, values in times.items():
        rows.append(f"| {name} | {min(values):.3f} | {statistics.median(values):.3f} |")
    rows += [
        "",
        f"new ÷ old: best {min(new_times) / min(old_times):.2f}×, "
        f"median {statistics.median(new_times) / statistics.median(old_times):.2f}×",
        "same findings: " + ("yes" if outputs[old].stdout == outputs[new].stdout else "NO (JSON output differs)"),
    ]
    return "\n".join(rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="git revision of the version before the change")
    parser.add_argument("new", nargs="?", help="git revision after the change (default: the working tree)")
    parser.add_argument("--corpus", type=Path, help="directory to lint (default: the handler-dense corpus)")
    parser.add_argument("--rounds", type=int, default=8, help="runs of each version, taken in turns")
    parser.add_argument("--jobs", type=int, default=1, help="lambdalint --jobs for every run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lambdalint-compare-") as tmp:
        scratch = Path(tmp)
        corpus = args.corpus.resolve() if args.corpus else scratch / "handler-dense"
        if args.corpus is None:
            run.build_handler_dense(corpus, 300)
        (scratch / "cwd").mkdir()
        made = []
        try:
            sources = {}
            for label, revision in (("old", args.old), ("new", args.new)):
                name = f"{label} ({revision or 'working tree'})"
                sources[name] = checkout(revision, scratch / label)
                if revision is not None:
                    made.append(sources[name])
            print(compare(sources, corpus, args.rounds, args.jobs, scratch / "cwd"))
        finally:
            for tree in made:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
