"""The Python API: `lambdalint.lint_paths` / `lambdalint.lint_source` give what `check` prints."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

import lambdalint

BAD = textwrap.dedent(
    """
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.list_buckets()
    """
).lstrip()


def test_lint_paths_gives_what_check_prints():
    run = lambdalint.lint_paths([str(ROOT / "examples")])
    cli = json.loads(run_cli("check", "--format", "json", "--no-cache", str(ROOT / "examples")).stdout)
    assert [(f.path, f.line, f.column, f.code, f.message) for f in run.findings] == sorted(
        (f["path"], f["line"], f["column"], f["code"], f["message"]) for f in cli["findings"]
    )
    assert all(isinstance(f, lambdalint.Finding) for f in run.findings)
    assert run.errors == []


def test_lint_source_lints_text_as_the_named_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nignore = ["LAM201"]\n')
    assert lambdalint.lint_source(BAD, str(tmp_path / "app.py")).findings == []
    (finding,) = lambdalint.lint_source(BAD, str(tmp_path / "app.py"), select=["LAM2"], ignore=[]).findings
    assert (finding.line, finding.column, finding.code) == (5, 10, "LAM201")
    assert finding.fix is not None and finding.fix.applicability == "safe"
    assert not (tmp_path / "app.py").exists()


def test_lint_source_reports_a_syntax_error_as_an_error():
    run = lambdalint.lint_source("def handler(event, context:\n", "broken.py")
    assert run.findings == []
    (error,) = run.errors
    assert error.path == "broken.py" and "syntax error at line 1" in error.message


def test_bad_codes_and_missing_paths_raise(tmp_path):
    with pytest.raises(lambdalint.ConfigError, match="LAMX"):
        lambdalint.lint_source(BAD, select=["LAMX"])
    with pytest.raises(lambdalint.PathsNotFound):
        lambdalint.lint_paths([str(tmp_path / "missing")])


def test_lint_paths_fixes_files(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    run = lambdalint.lint_paths([str(tmp_path)], fix=True)
    assert run.fixed == 1 and run.findings == []
    assert 's3 = boto3.client("s3")\n\n\ndef lambda_handler' in (tmp_path / "app.py").read_text()


def test_the_package_is_typed(tmp_path):
    import importlib.resources

    assert importlib.resources.files("lambdalint").joinpath("py.typed").is_file()
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert mypy, "mypy is part of the test extras"
    code = "import lambdalint\nrun = lambdalint.lint_paths(['.'])\nreveal_type(run.findings)\n"
    # from a user's project: this repository's own mypy settings name files to check
    out = subprocess.run([mypy, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert "List[lambdalint.model.Finding]" in out.stdout or "list[lambdalint.model.Finding]" in out.stdout, out.stdout
