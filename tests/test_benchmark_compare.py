"""benchmarks/compare.py: two versions timed in turns, each importing its own checkout."""

import subprocess
import sys

from conftest import FIXTURES, ROOT


def test_compares_a_revision_with_the_working_tree_and_leaves_no_worktree(tmp_path):
    before = subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "compare.py"),
            "HEAD",
            "--corpus",
            str(FIXTURES / "LAM201"),
            "--rounds",
            "1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"corpus: {FIXTURES / 'LAM201'} (") and "1 rounds in turns" in lines[0]
    assert [line.split(" |")[0] for line in lines if line.startswith("| old") or line.startswith("| new")] == [
        "| old (HEAD)",
        "| new (working tree)",
    ]
    assert "same findings: yes" in lines
    after = subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout
    assert after == before


def test_refuses_a_checkout_that_does_not_import_itself(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import compare
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    # an empty directory on PYTHONPATH: `import lambdalint` finds the installed package instead
    assert compare.imported_from(tmp_path, tmp_path) != tmp_path.resolve()
