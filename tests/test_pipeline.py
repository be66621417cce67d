"""Settings and templates come from the linted paths, never from the working directory."""

import json
import os
import textwrap

from conftest import ROOT, run_cli

HANDLER = textwrap.dedent(
    """
    import boto3


    def run(event, context):
        s3 = boto3.client("s3")
        return s3.list_buckets()
    """
).lstrip()

TEMPLATE = textwrap.dedent(
    """
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          CodeUri: src/
          Handler: app.run
    """
).lstrip()


def findings(result):
    return {(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]}


def make_project(tmp_path, pyproject="[tool.lambdalint]\n"):
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    return tmp_path


def test_template_above_a_subdirectory_is_found_from_inside_it(tmp_path):
    make_project(tmp_path)
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path / "src")
    assert findings(result) == {("app.py", 5, "LAM201")}, result.stderr


def test_bundled_example_from_inside_its_src_directory():
    src = ROOT / "examples" / "report_service" / "src"
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=src)
    assert result.returncode == 1
    assert {code for _, _, code in findings(result)} == {"LAM105", "LAM301"}


def test_per_file_ignores_hold_from_a_subdirectory(tmp_path):
    make_project(tmp_path, '[tool.lambdalint]\nper-file-ignores = {"src/app.py" = ["LAM201"]}\n')
    from_root = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    from_src = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path / "src")
    assert findings(from_root) == findings(from_src) == set()
    assert from_src.returncode == 0, from_src.stdout


def test_configuration_is_read_for_an_absolute_path_from_outside(tmp_path):
    (tmp_path / "project").mkdir()
    project = make_project(tmp_path / "project", '[tool.lambdalint]\nignore = ["LAM201"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("check", "--format", "json", "--no-cache", str(project / "src"), cwd=elsewhere)
    assert findings(result) == set(), result.stdout
    (elsewhere / "empty.toml").write_text("")
    unconfigured = run_cli(
        "check", "--format", "json", "--no-cache", "--config", "empty.toml", str(project / "src"), cwd=elsewhere
    )
    assert {code for _, _, code in findings(unconfigured)} == {"LAM201"}


def test_exclude_globs_are_relative_to_the_settings(tmp_path):
    make_project(tmp_path, '[tool.lambdalint]\nexclude = ["src/app.py"]\n')
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path / "src")
    assert json.loads(result.stdout)["summary"]["files"] == 0


def test_a_units_analyses_and_trees_are_freed_once_it_is_reported(tmp_path, monkeypatch):
    """Nothing keeps a linted unit's analyses (and so its syntax trees) alive after its
    reports are made: a long run holds one unit's trees at a time, not every unit's."""
    import gc
    import shutil
    import weakref

    from lambdalint import pipeline
    from lambdalint.analysis import ModuleAnalysis

    fixtures = ROOT / "tests" / "fixtures"
    # the state rules' per-module results, the durable model
    for code, name in (
        ("LAM101", "positives"),
        ("LAM102", "positives"),
        ("LAM501", "aliases"),
        ("LAM502", "aws_calls"),
    ):
        shutil.copy(fixtures / code / f"{name}.py", tmp_path / f"{code.lower()}.py")
    (tmp_path / "pyproject.toml").write_text("")
    made: list = []
    real_init = ModuleAnalysis.__init__

    def recording_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    monkeypatch.setattr(ModuleAnalysis, "__init__", recording_init)
    project = pipeline.prepare(pipeline.Request(paths=[str(tmp_path)], cache=False, jobs=1))
    reports = pipeline.check(project)
    assert {f.code for r in reports for f in r.findings} >= {"LAM101", "LAM102", "LAM501", "LAM502"}
    gc.collect()
    assert len(made) == 4
    assert [ref() for ref in made if ref() is not None] == []


def test_real_paths_agree_with_realpath_on_links_and_relative_paths(tmp_path, monkeypatch):
    """`files.RealPaths` resolves each directory once; every answer must still be what
    `os.path.realpath` says: relative paths, `.` and `..`, links to files and directories,
    a link that points back up the tree, a dangling link."""
    from lambdalint.files import RealPaths

    (tmp_path / "real" / "pkg").mkdir(parents=True)
    (tmp_path / "real" / "pkg" / "mod.py").write_text("")
    (tmp_path / "real" / "top.py").write_text("")
    (tmp_path / "linked_dir").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "pkg" / "up").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "alias.py").symlink_to(tmp_path / "real" / "pkg" / "mod.py")
    (tmp_path / "real" / "dangling.py").symlink_to(tmp_path / "missing.py")
    names = [
        "real/top.py",
        "./real/top.py",
        "real/pkg/../top.py",
        "linked_dir/pkg/mod.py",
        "linked_dir/pkg/up/pkg/mod.py",
        "linked_dir/pkg/up/../top.py",
        "real/alias.py",
        "real/dangling.py",
        "real/missing_file.py",
        "real/pkg",
        "real/pkg/.",
        ".",
    ]
    monkeypatch.chdir(tmp_path)
    real_paths = RealPaths()
    for name in names:
        for path in (name, os.path.join(str(tmp_path), name)):
            assert real_paths(path) == os.path.realpath(path), path


def test_linting_collects_garbage_less_often_and_gives_the_callers_thresholds_back(tmp_path, monkeypatch):
    import gc

    from lambdalint import pipeline, runner

    make_project(tmp_path)
    during = []
    real_run_task = runner._run_task

    def recording_run_task(task, options):
        during.append(gc.get_threshold())
        return real_run_task(task, options)

    monkeypatch.setattr(runner, "_run_task", recording_run_task)
    before = gc.get_threshold()
    gc.set_threshold(123, 4, 5)
    try:
        reports = pipeline.check(pipeline.prepare(pipeline.Request(paths=[str(tmp_path)], cache=False, jobs=1)))
        after = gc.get_threshold()
    finally:
        gc.set_threshold(*before)
    assert [f.code for r in reports for f in r.findings] == ["LAM201"]
    assert during == [runner.LINT_GC_THRESHOLDS]
    assert after == (123, 4, 5)


def test_the_command_line_collects_less_often_from_its_set_up_on(tmp_path, monkeypatch, capsys):
    """Set-up (imports, the tree walk, templates) allocates as much as linting does."""
    import gc

    from lambdalint import cli, pipeline
    from lambdalint._gc import LINT_GC_THRESHOLDS

    make_project(tmp_path)
    seen = []
    real_prepare = pipeline.prepare

    def recording_prepare(request):
        seen.append(gc.get_threshold())
        return real_prepare(request)

    monkeypatch.setattr(pipeline, "prepare", recording_prepare)
    before = gc.get_threshold()
    assert cli.main(["check", "--no-cache", str(tmp_path)]) == 1
    assert seen == [LINT_GC_THRESHOLDS]
    assert gc.get_threshold() == before
    assert "LAM201" in capsys.readouterr().out
