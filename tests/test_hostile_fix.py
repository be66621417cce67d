"""`--fix` and the cache under hostile conditions, through the installed CLI: fixes are
written only inside the linted paths, two runs at once lose nothing, and a damaged or
unwritable cache is a miss with one warning, never a traceback."""

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import default_cache_env, lambdalint_command, run_cli
from test_cli import BAD, GOOD

TEMPLATE = """Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, CodeUri: ., Handler: app.run}
"""
NAMED = BAD.replace("def lambda_handler(event, context)", "def run(payload, ctx_obj)")  # entry point by template only


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def no_traceback(result):
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_fix_of_a_template_alone_does_not_write_the_module_it_names(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "app.py").write_text(NAMED)
    result = no_traceback(run_cli("check", "--fix", "--no-cache", "template.yaml", cwd=tmp_path))
    assert (tmp_path / "app.py").read_text() == NAMED
    assert "outside the paths given to lint" in result.stderr
    assert (
        "app.py:5:10: LAM201"
        in run_cli("check", "--no-cache", "--format", "concise", "template.yaml", cwd=tmp_path).stdout
    )  # still reported
    run_cli("check", "--fix", "--no-cache", ".", cwd=tmp_path)
    assert (tmp_path / "app.py").read_text() != NAMED  # fixed when it is linted itself


def test_fix_does_not_follow_a_link_out_of_the_linted_directory(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "shared.py").write_text(BAD)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "link.py").symlink_to(tmp_path / "lib" / "shared.py")
    (tmp_path / "src" / "own.py").write_text(BAD)
    before = digest(tmp_path / "lib" / "shared.py")
    result = no_traceback(run_cli("check", "--fix", "--no-cache", "src", cwd=tmp_path))
    assert digest(tmp_path / "lib" / "shared.py") == before
    assert (tmp_path / "src" / "link.py").is_symlink()
    assert (tmp_path / "src" / "own.py").read_text() == GOOD
    assert "outside the paths given to lint" in result.stderr


def test_fix_never_writes_outside_the_project_through_a_link(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.py").write_text(BAD)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("")
    (project / "link.py").symlink_to(outside / "victim.py")
    (project / "linkdir").symlink_to(outside, target_is_directory=True)
    for args in (["."], ["link.py"], ["linkdir"], ["linkdir/victim.py"]):
        result = no_traceback(run_cli("check", "--fix", "--unsafe-fixes", "--no-cache", *args, cwd=project))
        assert "outside the project" in result.stdout, (args, result.stdout)
        assert (outside / "victim.py").read_text() == BAD, args


def test_add_noqa_does_not_write_a_template_above_the_linted_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("app.run", "app.missing"))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BAD)
    (tmp_path / "template.yaml").write_text(
        TEMPLATE.replace("CodeUri: .", "CodeUri: src").replace("app.run", "app.missing")
    )
    before = (tmp_path / "template.yaml").read_text()
    no_traceback(run_cli("check", "--add-noqa", "--no-cache", "src/app.py", cwd=tmp_path))
    assert (tmp_path / "template.yaml").read_text() == before
    assert "# noqa: LAM201" in (tmp_path / "src" / "app.py").read_text()


@pytest.mark.slow
def test_two_fix_runs_at_once_lose_nothing(tmp_path):
    """Both runs read, fix and replace the same files; every file ends fully fixed (the
    other run's replace is refused or writes the same bytes), never half written."""
    tree = tmp_path / "tree"
    for index in range(60):
        package = tree / f"pkg{index % 6}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"mod{index}.py").write_text(BAD.replace("s3", f"s3_{index}"))
    (tree / "pyproject.toml").write_text("")
    expected = {p: GOOD.replace("s3", f"s3_{p.stem[3:]}") for p in tree.rglob("*.py")}
    runs = [
        subprocess.Popen(
            [lambdalint_command(), "check", "--fix", "--no-cache", "."],
            cwd=tree,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for _, err in outputs:
        assert "Traceback" not in err, err
    for path, text in expected.items():
        assert path.read_text() == text, path
    assert not [p for p in tree.rglob("*") if p.name.startswith(".lambdalint-")]
    again = run_cli("check", "--no-cache", ".", cwd=tree)
    assert again.returncode == 0, again.stdout


def _cached_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("")
    (project / "app.py").write_text(BAD)
    (project / "clean.py").write_text("x = 1\n")
    return project


def _findings(result):
    return sorted((f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)["findings"])


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong_types", "empty", "directory"])
def test_a_damaged_cache_is_a_miss(tmp_path, damage):
    project = _cached_project(tmp_path)
    cache = tmp_path / "cache"
    env = default_cache_env(LAMBDALINT_CACHE_DIR=cache)
    first = run_cli("check", "--format", "json", ".", cwd=project, env=env)
    entries = [p for p in cache.rglob("*.json") if not p.name.startswith("index-")]
    indexes = list(cache.rglob("index-*.json"))
    assert entries
    for path in entries + indexes:
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            path.write_bytes(os.urandom(64))
        elif damage == "wrong_types":
            doc = json.loads(data)
            if isinstance(doc, dict) and "findings" in doc:
                for finding in doc["findings"]:
                    finding["line"] = "five"
                doc["errors"] = [{"path": 1, "message": None}]
            path.write_text(json.dumps(doc))
        elif damage == "empty":
            path.write_bytes(b"")
        else:
            path.unlink()
            path.mkdir()
    second = no_traceback(run_cli("check", "--format", "json", ".", cwd=project, env=env))
    assert _findings(second) == _findings(first) == [("app.py", 5, "LAM201")]
    assert second.returncode == 1


@pytest.mark.parametrize("where", ["a_file", "under_a_file"])
def test_a_cache_directory_that_cannot_be_written_is_one_warning(tmp_path, where):
    project = _cached_project(tmp_path)
    (project / "more.py").write_text(BAD)
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    cache = blocker if where == "a_file" else blocker / "cache"
    env = default_cache_env(LAMBDALINT_CACHE_DIR=cache)
    result = no_traceback(run_cli("check", "--format", "concise", ".", cwd=project, env=env))
    warnings = [line for line in result.stderr.splitlines() if "cache" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: cannot write the lambdalint cache"), result.stderr
    assert str(blocker) in warnings[0]
    assert result.stdout.count("LAM201") == 2 and result.returncode == 1
    assert blocker.read_text() == "not a directory"


def test_a_read_only_project_cache_is_one_warning(tmp_path):
    """The default cache, in the project, where `.lambdalint_cache` is a file."""
    project = _cached_project(tmp_path)
    (project / ".lambdalint_cache").write_text("planted")
    result = no_traceback(run_cli("check", "--format", "concise", ".", cwd=project, env=default_cache_env()))
    assert sum("cannot write the lambdalint cache" in line for line in result.stderr.splitlines()) == 1
    assert "app.py:5:10: LAM201" in result.stdout
