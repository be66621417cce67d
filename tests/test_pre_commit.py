"""The hooks in .pre-commit-hooks.yaml, run by the real `pre-commit` in a throwaway git repository.

pre-commit installs a hook repository at a commit, so the test commits a snapshot of this
checkout (including uncommitted work) to a temporary repository and points a
`.pre-commit-config.yaml` at it.  pre-commit builds one virtualenv for it per test session.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_cli import BAD, GOOD

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "lambdalint tests", "GIT_AUTHOR_EMAIL": "tests@lambdalint.invalid",
    "GIT_COMMITTER_NAME": "lambdalint tests", "GIT_COMMITTER_EMAIL": "tests@lambdalint.invalid",
}
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis",
    ".lambdalint_cache", "build", "dist",
)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def git(*args, cwd):
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_IDENTITY})


def snapshot_files(root: Path):
    """This checkout's files as git sees them (tracked or new, not ignored), if it is one."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root, capture_output=True,
    )
    if listed.returncode != 0:
        return None
    return [name for name in listed.stdout.decode().split("\0") if name and (root / name).is_file()]


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory):
    """A git repository holding this checkout's current state, and its commit."""
    repo = tmp_path_factory.mktemp("hook-repo") / "lambdalint"
    files = snapshot_files(ROOT)
    if files is None:  # an exported tree without git metadata
        shutil.copytree(ROOT, repo, ignore=SNAPSHOT_IGNORE)
    else:
        for name in files:
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "snapshot for the pre-commit test", cwd=repo)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                         check=True).stdout.strip()
    return repo, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path, hook_repo, pre_commit_home):
    repo, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {repo}\n"
        f"    rev: {rev}\n"
        "    hooks:\n"
        "      - id: lambdalint\n"
        "      - id: lambdalint-fix\n"
    )
    git("init", "-q", cwd=tmp_path)

    def commit(files):
        for name, text in files.items():
            (tmp_path / name).write_text(text)
        git("add", "-A", cwd=tmp_path)
        git("commit", "-q", "-m", "change", cwd=tmp_path)

    def run_hook(hook_id):
        env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(pre_commit_home),
               "PRE_COMMIT_COLOR": "never"}
        return subprocess.run([str(PRE_COMMIT), "run", hook_id, "--all-files"], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=900)

    return tmp_path, commit, run_hook


def test_manifest_is_valid():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"lambdalint", "lambdalint-fix"}
    for hook in hooks.values():
        assert hook["types"] == ["python"] and hook["pass_filenames"]


def test_check_hook_fails_on_a_bad_handler_and_passes_on_a_good_one(project):
    path, commit, run_hook = project
    commit({"app.py": BAD, "notes.txt": "not python\n"})
    bad = run_hook("lambdalint")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "app.py:5:10: LAM201" in bad.stdout
    assert (path / "app.py").read_text() == BAD  # checking never writes

    commit({"app.py": GOOD})
    good = run_hook("lambdalint")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_fix_hook_fixes_a_safe_finding_then_passes(project):
    path, commit, run_hook = project
    commit({"app.py": BAD})
    fixed = run_hook("lambdalint-fix")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "exit code: 1" in fixed.stdout  # the hook itself reports the change, not only pre-commit
    assert (path / "app.py").read_text() == GOOD

    git("add", "-A", cwd=path)
    again = run_hook("lambdalint-fix")
    assert again.returncode == 0, again.stdout + again.stderr
    assert (path / "app.py").read_text() == GOOD
