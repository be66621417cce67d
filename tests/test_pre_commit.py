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
    "GIT_AUTHOR_NAME": "lambdalint tests",
    "GIT_AUTHOR_EMAIL": "tests@lambdalint.invalid",
    "GIT_COMMITTER_NAME": "lambdalint tests",
    "GIT_COMMITTER_EMAIL": "tests@lambdalint.invalid",
}
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "*.egg-info",
    ".pytest_cache",
    ".hypothesis",
    ".lambdalint_cache",
    "build",
    "dist",
)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")]


def git(*args, cwd):
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_IDENTITY},
    )


def snapshot_files(root: Path):
    """This checkout's files as git sees them (tracked or new, not ignored), if it is one."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
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
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    return repo, rev


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path, hook_repo, pre_commit_home):
    repo, rev = hook_repo
    (tmp_path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: lambdalint\n      - id: lambdalint-fix\n"
    )
    git("init", "-q", cwd=tmp_path)

    def commit(files):
        for name, text in files.items():
            (tmp_path / name).write_text(text)
        git("add", "-A", cwd=tmp_path)
        git("commit", "-q", "-m", "change", cwd=tmp_path)

    def run_hook(hook_id, *files):
        env = {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(pre_commit_home), "PRE_COMMIT_COLOR": "never"}
        which = list(files) or ["--all-files"]
        return subprocess.run(
            [str(PRE_COMMIT), "run", hook_id, *which],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    return tmp_path, commit, run_hook


def test_manifest_is_valid():
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"lambdalint", "lambdalint-fix"}
    for hook in hooks.values():
        # templates too: a commit that only renames a handler in template.yaml is checked
        assert hook["types_or"] == ["python", "yaml", "json"] and hook["pass_filenames"]
        assert hook["require_serial"]  # one run sees the template and the modules together


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


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.{handler}
"""

# `process` is an entry point only once the template names it
APP = """\
import boto3


def lambda_handler(event, context):
    return {{}}


def process(payload, ctx):
    s3 = boto3.client("s3")
    return s3.list_buckets()
"""


def test_a_commit_that_only_changes_the_template_is_checked(project):
    path, commit, run_hook = project
    (path / "src").mkdir()
    commit(
        {"template.yaml": TEMPLATE.format(handler="lambda_handler"), "src/app.py": APP.format(), "package.json": "{}\n"}
    )
    assert run_hook("lambdalint", "--files", "template.yaml").returncode == 0
    # renamed to a function that does not exist
    commit({"template.yaml": TEMPLATE.format(handler="missing")})
    missing = run_hook("lambdalint", "--files", "template.yaml")
    assert missing.returncode == 1, missing.stdout
    assert "template.yaml:8:16: LAM304" in missing.stdout
    # renamed to a function that exists: its module is checked with the template
    commit({"template.yaml": TEMPLATE.format(handler="process")})
    renamed = run_hook("lambdalint", "--files", "template.yaml", "package.json")
    assert renamed.returncode == 1, renamed.stdout
    assert "src/app.py:9:10: LAM201" in renamed.stdout


def readme_block(marker):
    """The YAML block of the README that follows `marker`."""
    text = (ROOT / "README.md").read_text()
    start = text.index("```yaml", text.index(marker)) + len("```yaml\n")
    return text[start : text.index("```", start)]


def test_the_readme_recipe_works_as_written_and_prints_each_finding_once(tmp_path, pre_commit_home):
    config = readme_block("<!-- pre-commit recipe -->")
    assert "repo: local" in config and "rev: v" not in config
    (tmp_path / ".pre-commit-config.yaml").write_text(config)
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "two.py").write_text(BAD.replace("def lambda_handler", "def handler"))
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    env = {
        **os.environ,
        **GIT_IDENTITY,
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "PRE_COMMIT_COLOR": "never",
        # `language: system`: lambdalint installed in the project's environment, as here
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    first = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert first.returncode == 1, first.stdout + first.stderr
    assert first.stdout.count("Fixed 2 findings (0 remaining)") == 1  # one hook: said once
    assert (tmp_path / "app.py").read_text() == GOOD
    (tmp_path / "bad.py").write_text(
        BAD.replace('s3 = boto3.client("s3")', 'files.append(event)').replace(
            "import boto3", "import boto3\nfiles = []"
        )
    )
    git("add", "-A", cwd=tmp_path)
    second = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert second.returncode == 1
    assert second.stdout.count("bad.py:6:5: LAM101") == 1  # each remaining finding once


def test_a_commit_of_one_helper_module_gets_its_project_wide_findings(project):
    """pre-commit passes only the changed file; its findings are those of a whole-project
    run (the handler that calls it is in another file, not passed to the hook)."""
    from conftest import PROJECTS, project_expectations

    path, commit, run_hook = project
    app = PROJECTS / "relative_imports"
    files = {p.relative_to(app).as_posix(): p.read_text() for p in app.rglob("*") if p.is_file()}
    for name in files:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
    commit(files)
    changed = "app/clients.py"
    commit({changed: files[changed] + "\n# touched\n"})
    result = run_hook("lambdalint", "--files", changed)
    assert result.returncode == 1, result.stdout + result.stderr
    expected = {(p, line, code) for p, line, code in project_expectations(app) if p == changed}
    reported = {
        (line.split(":")[0], int(line.split(":")[1]), line.split()[1])
        for line in result.stdout.splitlines()
        if line.startswith(changed + ":")
    }
    assert reported == expected == {(changed, 5, "LAM201")}
    assert "app/shared/config.py" not in result.stdout  # not passed, not reported
