#!/usr/bin/env python3
"""Run lambdalint over the real-world corpus and compare the findings with a baseline.

    python benchmarks/realworld/run.py CORPUS_DIR [--lambdalint PATH] [--out findings.json]
                                       [--compare BASELINE.json] [--show-handlers]
                                       [--repo OWNER__NAME ...] [--list-changes]
                                       [--manifest MANIFEST.json]

CORPUS_DIR is what `rebuild.py` wrote: one directory per repository.  Each repository is
linted by its own `lambdalint check --format json --no-cache --exit-zero .` started inside
its directory, so each is its own project, and a second `--show-handlers` run counts its
entry points.  The findings file keeps only where each finding is and what it is (path
relative to CORPUS_DIR, line, column, code, handler, call chain, fix applicability): never a
message, a suggestion or a snippet, so no code of the corpus ends up in it.

With `--manifest`, a repository whose entry has `settings` (`snapstart` / `managed-instances`:
true, or a list of `path:function` relative to the repository) is linted with those settings:
they are written to a `[tool.lambdalint]` file in a temporary directory outside the corpus and
passed with `--config`.  `--config` replaces a `pyproject.toml` of the repository's own, so a
repository that configures lambdalint itself is reported and left without the settings.

Unknown fields of lambdalint's JSON are ignored, so newer versions can be compared with
older baselines.  Findings are matched by (path, line, column, code); the corpus is pinned,
so a changed count is a change of lambdalint.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

HANDLER_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<func>\S+)\s+\((?P<source>.*)\)\s*$")
Key = tuple[str, int, int, str]


def find_lambdalint(given: str | None) -> str:
    if given:
        return given
    beside = Path(sys.executable).parent / "lambdalint"
    if beside.exists():
        return str(beside)
    found = shutil.which("lambdalint")
    if not found:
        sys.exit("run.py: no lambdalint found; pass --lambdalint PATH")
    return found


def repo_dirs(corpus: Path, only: Sequence[str]) -> list[Path]:
    dirs = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    if only:
        wanted = {name.replace("/", "__") for name in only}
        dirs = [p for p in dirs if p.name in wanted]
    return dirs


def manifest_settings(manifest: Path | None) -> dict[str, dict]:
    """The `settings` of each manifest entry, by corpus folder name (OWNER__NAME)."""
    if manifest is None:
        return {}
    entries = json.loads(manifest.read_text(encoding="utf-8"))["repositories"]
    return {e["repo"].replace("/", "__"): e["settings"] for e in entries if e.get("settings")}


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(str(v)) for v in value) + "]"
    raise ValueError(f"unsupported setting value {value!r}")


def write_config(repo: Path, settings: dict, directory: Path) -> list[str]:
    """`--config FILE` arguments for a repository's settings, the file written outside the
    corpus; list entries (`path:function`, relative to the repository) are made absolute."""
    if not settings:
        return []
    own = [p for p in repo.rglob("pyproject.toml") if "tool.lambdalint" in p.read_text("utf-8", "replace")]
    if own:
        print(f"warning: {repo.name}: configures lambdalint itself ({own[0]}); settings not applied", file=sys.stderr)
        return []
    lines = ["[tool.lambdalint]"]
    for name, value in sorted(settings.items()):
        if isinstance(value, list):
            value = [str((repo / v).resolve()) for v in value]
        lines.append(f"{name} = {toml_value(value)}")
    path = directory / f"{repo.name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--config", str(path)]


def run_check(lambdalint: str, repo: Path, timeout: float, config: Sequence[str] = ()) -> tuple[dict | None, str]:
    """lambdalint's JSON report for one repository, or None and why not."""
    command = [
        lambdalint,
        "check",
        "--format",
        "json",
        "--no-cache",
        "--exit-zero",
        *config,
        ".",
    ]
    try:
        result = subprocess.run(command, cwd=repo, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0:
        tail = stderr.splitlines()[-1] if stderr else ""
        return None, f"exit {result.returncode}: {tail}"
    try:
        return json.loads(result.stdout), stderr
    except ValueError as error:
        return None, f"output is not JSON ({error})"


def run_show_handlers(lambdalint: str, repo: Path, timeout: float, config: Sequence[str] = ()) -> list[dict]:
    command = [lambdalint, "check", "--show-handlers", "--no-cache", *config, "."]
    try:
        result = subprocess.run(
            command,
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return []
    handlers = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        match = HANDLER_LINE.match(line.strip())
        if match:
            handlers.append(
                {
                    "path": match["path"],
                    "line": int(match["line"]),
                    "function": match["func"],
                    "source": match["source"],
                }
            )
    return handlers


def slim(finding: dict, prefix: str) -> dict:
    """The fields a baseline keeps: where and what, never the text of the code."""
    fix = finding.get("fix")
    out = {
        "path": f"{prefix}/{finding['path']}",
        "line": int(finding["line"]),
        "column": int(finding.get("column") or 0),
        "code": finding["code"],
        "handler": finding.get("handler"),
        "fix": fix.get("applicability") if isinstance(fix, dict) else None,
    }
    chain = finding.get("call_chain")
    if isinstance(chain, list):
        out["call_chain"] = [str(link) for link in chain]
    return out


def key(finding: dict) -> Key:
    return (finding["path"], finding["line"], finding["column"], finding["code"])


def lint_corpus(
    corpus: Path, lambdalint: str, only: Sequence[str], timeout: float, handlers: bool, settings: dict | None = None
) -> dict:
    repos, findings, entry_points = {}, [], []
    config_dir = Path(tempfile.mkdtemp(prefix="lambdalint-corpus-config-"))
    for repo in repo_dirs(corpus, only):
        config = write_config(repo, (settings or {}).get(repo.name, {}), config_dir)
        start = time.perf_counter()
        report, note = run_check(lambdalint, repo, timeout, config)
        seconds = time.perf_counter() - start
        stats = {"seconds": round(seconds, 2)}
        if report is None:
            stats["failure"] = note
            print(f"error: {repo.name}: {note}", file=sys.stderr)
        else:
            found = [slim(f, repo.name) for f in report.get("findings", [])]
            findings.extend(found)
            errors = report.get("errors", [])
            stats.update(
                files=report.get("summary", {}).get("files", 0),
                findings=len(found),
                errors=len(errors),
                error_paths=sorted(f"{repo.name}/{e.get('path')}" for e in errors),
            )
        if handlers:
            points = run_show_handlers(lambdalint, repo, timeout, config)
            for point in points:
                point["path"] = f"{repo.name}/{point['path']}"
            entry_points.extend(points)
            stats["entry_points"] = len(points)
            stats["handler_files"] = len({p["path"] for p in points})
        if config:
            stats["settings"] = (settings or {})[repo.name]
        repos[repo.name] = stats
        print(f"  {repo.name:<72} {seconds:6.1f} s", file=sys.stderr)
    shutil.rmtree(config_dir, ignore_errors=True)
    findings.sort(key=key)
    return {"repositories": repos, "findings": findings, "entry_points": entry_points}


def version(lambdalint: str) -> str:
    result = subprocess.run(
        [lambdalint, "--version"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.stdout.decode().strip()


def table(rows: Iterable[Sequence[object]], header: Sequence[str]) -> str:
    rows = [list(map(str, r)) for r in rows]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def summarize(result: dict, show_handlers: bool) -> str:
    repos = result["repositories"]
    findings = result["findings"]
    by_rule = collections.Counter(f["code"] for f in findings)
    repos_by_rule: dict[str, set] = collections.defaultdict(set)
    fixable = collections.Counter()
    for f in findings:
        repos_by_rule[f["code"]].add(f["path"].split("/", 1)[0])
        if f.get("fix"):
            fixable[f["code"]] += 1
    out = []
    total_files = sum(r.get("files", 0) for r in repos.values())
    out.append(
        f"repositories: {len(repos)}   files: {total_files}   findings: {len(findings)}"
        f"   lint time: {sum(r['seconds'] for r in repos.values()):.1f} s"
    )
    if any("handler_files" in r for r in repos.values()):
        out.append(
            f"handler files: {sum(r.get('handler_files', 0) for r in repos.values())}"
            f"   entry points: {sum(r.get('entry_points', 0) for r in repos.values())}"
        )
    out.append("")
    out.append(
        table(
            ((code, by_rule[code], len(repos_by_rule[code]), fixable[code]) for code in sorted(by_rule)),
            ("rule", "findings", "repositories", "with fix"),
        )
    )
    out.append("")
    rows = []
    for name, r in sorted(repos.items()):
        rows.append(
            (
                name,
                r.get("files", "-"),
                r.get("handler_files", "-"),
                r.get("entry_points", "-"),
                r.get("findings", "-"),
                r.get("errors", "-"),
                f"{r['seconds']:.1f}",
                r.get("failure", ""),
            )
        )
    out.append(
        table(
            rows,
            (
                "repository",
                "files",
                "handler files",
                "entry points",
                "findings",
                "file errors",
                "seconds",
                "failure",
            ),
        )
    )
    if show_handlers:
        out.append("")
        for point in result.get("entry_points", []):
            out.append(f"{point['path']}:{point['line']}: {point['function']}  ({point['source']})")
    return "\n".join(out)


def compare(result: dict, baseline: dict, list_changes: bool) -> str:
    now = collections.Counter(key(f) for f in result["findings"])
    before = collections.Counter(key(f) for f in baseline["findings"])
    compared = set(result["repositories"])
    before = collections.Counter({k: n for k, n in before.items() if k[0].split("/", 1)[0] in compared})
    added, removed = now - before, before - now
    codes = sorted({k[3] for k in now} | {k[3] for k in before})
    rows = []
    for code in codes:
        n_before = sum(n for k, n in before.items() if k[3] == code)
        n_now = sum(n for k, n in now.items() if k[3] == code)
        n_added = sum(n for k, n in added.items() if k[3] == code)
        n_removed = sum(n for k, n in removed.items() if k[3] == code)
        rows.append((code, n_before, n_now, f"+{n_added}", f"-{n_removed}"))
    out = [
        (
            f"compared with {baseline.get('lambdalint', 'the baseline')}"
            f" ({sum(before.values())} -> {sum(now.values())} findings)"
        ),
        "",
        table(rows, ("rule", "baseline", "now", "added", "removed")),
    ]
    if list_changes:
        for label, changed in (("added", added), ("removed", removed)):
            for k in sorted(changed):
                out.append(f"{label}: {k[0]}:{k[1]}:{k[2]} {k[3]}")
    return "\n".join(out)


def dump(result: dict) -> str:
    """JSON with one finding / entry point per line, so baselines diff well."""
    lines = ["{"]
    keys = sorted(result)
    for i, name in enumerate(keys):
        value = result[name]
        comma = "," if i < len(keys) - 1 else ""
        if isinstance(value, list):
            rows = [json.dumps(item, sort_keys=True) for item in value]
            body = ",\n".join("  " + row for row in rows)
            lines.append(f"{json.dumps(name)}: [\n{body}\n]{comma}" if rows else f"{json.dumps(name)}: []{comma}")
        elif isinstance(value, dict):
            rows = [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(value.items())]
            lines.append(f"{json.dumps(name)}: {{\n" + ",\n".join(rows) + f"\n}}{comma}")
        else:
            lines.append(f"{json.dumps(name)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the directory rebuild.py wrote")
    parser.add_argument(
        "--lambdalint",
        help="the lambdalint executable (default: beside this Python, else on PATH)",
    )
    parser.add_argument("--out", type=Path, help="write the findings (no messages) here")
    parser.add_argument("--compare", type=Path, help="a findings file to compare with")
    parser.add_argument(
        "--show-handlers",
        action="store_true",
        help="also print every entry point found",
    )
    parser.add_argument(
        "--no-handlers",
        action="store_true",
        help="skip the --show-handlers pass (no handler counts)",
    )
    parser.add_argument(
        "--list-changes",
        action="store_true",
        help="with --compare, print each added and removed finding",
    )
    parser.add_argument(
        "--repo",
        action="append",
        default=[],
        help="only this repository (OWNER/NAME or OWNER__NAME; repeatable)",
    )
    parser.add_argument(
        "--manifest",
        type=Path,
        help="apply the `settings` of this manifest's entries (snapstart, managed-instances)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="seconds allowed for one repository (default 900)",
    )
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a directory")
    lambdalint = find_lambdalint(args.lambdalint)
    start = time.perf_counter()
    result = lint_corpus(
        args.corpus,
        lambdalint,
        args.repo,
        args.timeout,
        handlers=not args.no_handlers or args.show_handlers,
        settings=manifest_settings(args.manifest),
    )
    result = {
        "lambdalint": version(lambdalint),
        **result,
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(summarize(result, args.show_handlers))
    print(f"\nwall time: {result['seconds']:.1f} s")
    if args.compare:
        baseline = json.loads(args.compare.read_text(encoding="utf-8"))
        print()
        print(compare(result, baseline, args.list_changes))
    if args.out:
        args.out.write_text(dump(result), encoding="utf-8")
    failures = [name for name, r in result["repositories"].items() if "failure" in r]
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
