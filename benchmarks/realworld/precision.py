#!/usr/bin/env python3
"""Per-rule precision of a corpus run, measured against the judged findings (stdlib only).

    python benchmarks/realworld/precision.py FINDINGS.json [--verdicts verdicts.json]
                                             [--rule CODE ...] [--list-gone]
                                             [--unjudged N [--seed S]]

FINDINGS.json is what `run.py --out` wrote; verdicts.json holds one judged finding per
entry (repo, path inside the repository, line, column, code, verdict right/wrong, reason).

A verdict is matched to a finding of the same repository, path and code: first at the same
line and column, then at the same line, then at the nearest line at most 3 lines away (a
rule that now reports the same problem on a neighbouring node).  Each finding and each
verdict is matched at most once; the loose matches are counted, since they are worth a
look.  For each rule this prints the findings, the judged findings still reported (right,
wrong, and the precision on that sample), the judged findings no longer reported (formerly
right: true positives lost; formerly wrong: false positives fixed) and the unjudged ones.

`--unjudged N` lists, per rule, N unjudged findings to judge next, drawn round-robin across
the repositories that have unjudged findings of that rule (repository order and the order
inside each repository shuffled with `--seed`, so a sample can be drawn again).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import table  # noqa: E402  (same folder, not a package)

LOOSE_LINES = 3


def split_path(path: str, repos: dict[str, str]) -> tuple[str, str]:
    """(owner/name, path inside the repository) of a run.py finding path."""
    folder, _, rest = path.partition("/")
    repo = repos.get(folder) or folder.replace("__", "/", 1)
    return repo, rest


def manifest_repos(manifest: Path) -> dict[str, str]:
    """Corpus folder name -> owner/name, as rebuild.py names the folders."""
    if not manifest.is_file():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    entries = data["repositories"] if isinstance(data, dict) else data
    return {e["repo"].replace("/", "__"): e["repo"] for e in entries}


def load_findings(path: Path, repos: dict[str, str]) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for f in data["findings"]:
        repo, rel = split_path(f["path"], repos)
        out.append(
            {
                "repo": repo,
                "path": rel,
                "line": int(f["line"]),
                "column": int(f.get("column") or 0),
                "code": f["code"],
            }
        )
    return out


def where(f: dict) -> tuple:
    return (f["repo"], f["path"], f["line"], f["column"], f["code"])


def match(findings: Sequence[dict], verdicts: Sequence[dict], settled: frozenset = frozenset()) -> tuple[dict, dict]:
    """finding index -> (verdict index, how): how is "exact", "line" or "loose".

    A finding in `settled` (one an earlier run reports at the same place) is its own
    finding, not a judged one that moved, so it is never matched loosely.
    """
    by_file: dict[tuple, list[int]] = collections.defaultdict(list)
    for i, f in enumerate(findings):
        by_file[(f["repo"], f["path"], f["code"])].append(i)
    taken: dict[int, tuple[int, str]] = {}
    used: set[int] = set()

    def candidates(v: dict) -> list[int]:
        files = by_file.get((v["repo"], v["path"], v["code"]), [])
        return [i for i in files if i not in taken]

    # Three passes so that an exact match is never taken away by a loose one.
    for how in ("exact", "line", "loose"):
        for j, v in enumerate(verdicts):
            if j in used:
                continue
            line, column = int(v["line"]), int(v.get("column") or 0)
            best = None
            for i in candidates(v):
                f = findings[i]
                distance = abs(f["line"] - line)
                if how == "exact" and (distance or f["column"] != column):
                    continue
                if how == "line" and distance:
                    continue
                if how == "loose" and (distance > LOOSE_LINES or where(f) in settled):
                    continue
                rank = (distance, abs(f["column"] - column), i)
                if best is None or rank < best[0]:
                    best = (rank, i)
            if best is not None:
                taken[best[1]] = (j, how)
                used.add(j)
    return taken, {j: i for i, (j, _) in taken.items()}


def measure(
    findings: Sequence[dict],
    verdicts: Sequence[dict],
    reference: Sequence[dict] | None = None,
) -> dict:
    """Per-rule counts; with a reference run, only verdicts it reports can be "gone"."""
    in_reference = None
    settled: frozenset = frozenset()
    if reference is not None:
        settled = frozenset(where(f) for f in reference)
        in_reference = set(match(reference, verdicts, settled)[1])
    taken, verdict_to_finding = match(findings, verdicts, settled)
    rows: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for i, f in enumerate(findings):
        row = rows[f["code"]]
        row["findings"] += 1
        if i in taken:
            j, how = taken[i]
            row["judged"] += 1
            row[verdicts[j]["verdict"]] += 1
            if how == "loose":
                row["loose"] += 1
        else:
            row["unjudged"] += 1
    gone, loose = [], []
    for j, v in enumerate(verdicts):
        if j in verdict_to_finding:
            i = verdict_to_finding[j]
            if taken[i][1] == "loose":
                loose.append((v, findings[i]))
        elif in_reference is None or j in in_reference:
            rows[v["code"]]["gone_" + v["verdict"]] += 1
            gone.append(v)
    unjudged = [f for i, f in enumerate(findings) if i not in taken]
    return {"rows": rows, "gone": gone, "loose": loose, "unjudged": unjudged}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def precision_table(rows: dict, only: Sequence[str]) -> str:
    codes = sorted(c for c in rows if not only or c in only)
    total: collections.Counter = collections.Counter()
    out = []
    for code in codes:
        r = rows[code]
        total.update(r)
        out.append(line_of(code, r))
    out.append(line_of("all", total))
    return table(
        out,
        (
            "rule",
            "findings",
            "judged",
            "right",
            "wrong",
            "precision",
            "gone (right: TP lost)",
            "gone (wrong: FP fixed)",
            "unjudged",
            "loose",
        ),
    )


def line_of(code: str, r: collections.Counter) -> list:
    return [
        code,
        r["findings"],
        r["judged"],
        r["right"],
        r["wrong"],
        percent(r["right"], r["right"] + r["wrong"]),
        r["gone_right"],
        r["gone_wrong"],
        r["unjudged"],
        r["loose"],
    ]


def round_robin(findings: Iterable[dict], n: int, rng: random.Random) -> list[dict]:
    """n findings taken one repository at a time, in a shuffled repository order."""
    by_repo: dict[str, list[dict]] = collections.defaultdict(list)
    for f in sorted(findings, key=lambda f: (f["repo"], f["path"], f["line"], f["column"])):
        by_repo[f["repo"]].append(f)
    order = sorted(by_repo)
    rng.shuffle(order)
    for repo in order:
        rng.shuffle(by_repo[repo])
    picked: list[dict] = []
    while len(picked) < n and any(by_repo[r] for r in order):
        for repo in order:
            if by_repo[repo] and len(picked) < n:
                picked.append(by_repo[repo].pop(0))
    return picked


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("findings", type=Path, help="a findings JSON written by run.py --out")
    parser.add_argument("--verdicts", type=Path, default=HERE / "verdicts.json")
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.json")
    parser.add_argument("--rule", action="append", default=[], help="only this rule (repeatable)")
    parser.add_argument(
        "--reference",
        type=Path,
        metavar="FINDINGS.json",
        help="an earlier run: only judged findings it reports count as no longer reported"
        " (verdicts judged on other branches are left out)",
    )
    parser.add_argument(
        "--list-gone",
        action="store_true",
        help="list the judged findings no longer reported and the loose matches",
    )
    parser.add_argument(
        "--unjudged",
        type=int,
        default=0,
        metavar="N",
        help="list N unjudged findings per rule to judge next",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    args = parser.parse_args(argv)
    repos = manifest_repos(args.manifest)
    findings = load_findings(args.findings, repos)
    verdicts = json.loads(args.verdicts.read_text(encoding="utf-8"))
    bad = [v for v in verdicts if v.get("verdict") not in ("right", "wrong")]
    if bad:
        sys.exit(f"precision.py: {len(bad)} verdicts are neither right nor wrong")
    reference = load_findings(args.reference, repos) if args.reference else None
    result = measure(findings, verdicts, reference)
    rows = result["rows"]
    only = set(args.rule)
    print(f"{args.findings}: {len(findings)} findings; {len(verdicts)} verdicts")
    if args.reference:
        print(f"no longer reported: judged findings that {args.reference} reports")
    print()
    print(precision_table(rows, only))
    loose = sum(r["loose"] for code, r in rows.items() if not only or code in only)
    print(f"\n{loose} verdicts matched loosely (same repository, path and code, nearest line within {LOOSE_LINES})")
    if args.list_gone:
        print("\njudged findings no longer reported:")
        for v in sorted(result["gone"], key=lambda v: (v["code"], v["repo"], v["path"], v["line"])):
            if not only or v["code"] in only:
                print(f"  {v['code']} {v['verdict']:<5} {v['repo']} {v['path']}:{v['line']}")
        print("\nloose matches (verdict line -> finding line):")
        for v, f in result["loose"]:
            if not only or v["code"] in only:
                print(f"  {v['code']} {v['repo']} {v['path']}:{v['line']} -> {f['line']}")
    if args.unjudged > 0:
        by_rule: dict[str, list[dict]] = collections.defaultdict(list)
        for f in result["unjudged"]:
            by_rule[f["code"]].append(f)
        for code in sorted(by_rule):
            if only and code not in only:
                continue
            rng = random.Random(f"{args.seed}:{code}")
            sample = round_robin(by_rule[code], args.unjudged, rng)
            print(f"\n{code}: {len(sample)} of {len(by_rule[code])} unjudged findings")
            for f in sample:
                print(f"  {f['repo']} {f['path']}:{f['line']}:{f['column']} {f['code']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
