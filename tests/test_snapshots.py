"""Every fixture's findings, pinned to line, column, message and suggestion.

`test_fixtures.py` checks *which* lines carry *which* codes; this pins what the user reads.
A change to a message or a position shows up here as a diff of the snapshot: review it, then
rewrite the snapshots with `LAMBDALINT_UPDATE_SNAPSHOTS=1 pytest tests/test_snapshots.py`.
"""

import os
from pathlib import Path

import pytest
from conftest import FIXTURES, fixture_files
from test_fixtures import lint_fixture

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("LAMBDALINT_UPDATE_SNAPSHOTS") == "1"


def render(findings) -> str:
    lines = []
    for f in sorted(findings, key=lambda f: (f.line, f.column, f.code)):
        fix = f" [fix: {f.fix.applicability}]" if f.fix is not None else ""
        lines.append(f"{f.line}:{f.column} {f.code} {f.message}{fix}\n    help: {f.suggestion}")
    return "\n".join(lines) + "\n" if lines else ""


def snapshot_path(fixture: Path) -> Path:
    return SNAPSHOTS / fixture.relative_to(FIXTURES).with_suffix(".txt")


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_findings_match_the_snapshot(path):
    rendered = render(lint_fixture(path))
    snapshot = snapshot_path(path)
    if UPDATE:
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot for {path.name}: run with LAMBDALINT_UPDATE_SNAPSHOTS=1"
    assert rendered == snapshot.read_text(encoding="utf-8")


def test_no_snapshot_outlives_its_fixture():
    wanted = {snapshot_path(p) for p in fixture_files()}
    stale = sorted(str(p.relative_to(SNAPSHOTS)) for p in SNAPSHOTS.rglob("*.txt") if p not in wanted)
    assert not stale, f"snapshots without a fixture: {stale}"
