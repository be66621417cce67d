"""The installed `lambdalint` command, run as a user runs it."""

import json
import subprocess
import sys
import textwrap

from conftest import ROOT, lambdalint_command, run_cli

BAD = textwrap.dedent(
    """
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.list_buckets()
    """
).lstrip()

GOOD = textwrap.dedent(
    """
    import boto3

    s3 = boto3.client("s3")


    def lambda_handler(event, context):
        return s3.list_buckets()
    """
).lstrip()


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("lambdalint ")


def test_python_dash_m():
    result = subprocess.run([sys.executable, "-m", "lambdalint", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "lambdalint" in result.stdout


def test_examples_have_findings_and_exit_1():
    result = run_cli("check", "examples/", cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert "examples/orders_bad.py:12:16: LAM201" in result.stdout
    assert "help: Move `dynamodb = boto3.resource(\"dynamodb\")`" in result.stdout


def test_json_matches_spec(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BAD)
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert set(doc) == {"version", "findings", "errors", "summary"}
    (finding,) = doc["findings"]
    assert set(finding) == {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "message",
        "handler",
        "call_chain",
        "suggestion",
        "fix",
    }
    assert finding["path"] == "src/app.py"
    assert (finding["line"], finding["column"]) == (5, 10)
    assert (finding["end_line"], finding["end_column"]) == (5, 28)
    assert finding["code"] == "LAM201" and finding["name"] == "client-in-handler"
    assert finding["handler"] == "src/app.py:lambda_handler"
    assert finding["call_chain"] == ["src/app.py:lambda_handler"]
    assert set(finding["fix"]) == {"applicability", "description", "diff"}
    assert finding["fix"]["applicability"] == "safe"
    assert finding["fix"]["description"] == "move `s3 = ...` to module level"
    assert '+s3 = boto3.client("s3")' in finding["fix"]["diff"]
    assert doc["summary"] == {"files": 1, "findings": 1, "fixable": 1, "errors": 0}


def test_clean_file_exits_0(tmp_path):
    (tmp_path / "app.py").write_text(GOOD)
    result = run_cli("check", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "No findings in 1 file checked." in result.stdout


def test_exit_zero(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    assert run_cli("check", "--exit-zero", "app.py", cwd=tmp_path).returncode == 0


def test_concise(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", "--format", "concise", "app.py", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "app.py:5:10: LAM201 AWS SDK client `boto3.client(\"s3\")` is created on every "
        "invocation, so every warm request pays again for its set-up and new connections"
    ]


def test_select_and_ignore(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    assert run_cli("check", "--ignore", "LAM2", "app.py", cwd=tmp_path).returncode == 0
    assert run_cli("check", "--select", "LAM201", "app.py", cwd=tmp_path).returncode == 1
    assert run_cli("check", "--select", "LAM1", "app.py", cwd=tmp_path).returncode == 0
    bad = run_cli("check", "--select", "E501", "app.py", cwd=tmp_path)
    assert bad.returncode == 2 and "E501" in bad.stderr


def test_noqa(tmp_path):
    (tmp_path / "a.py").write_text(BAD.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa: LAM201'))
    (tmp_path / "b.py").write_text(BAD.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa'))
    (tmp_path / "c.py").write_text(BAD.replace('boto3.client("s3")', 'boto3.client("s3")  # noqa: LAM101'))
    result = run_cli("check", "--format", "concise", ".", cwd=tmp_path)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["c.py"]


def test_handler_option_adds_entry_point(tmp_path):
    source = BAD.replace("def lambda_handler(event, context)", "def run(payload, ctx_obj)")
    (tmp_path / "thumbs.py").write_text(source)
    assert run_cli("check", "thumbs.py", cwd=tmp_path).returncode == 0
    result = run_cli("check", "--handler", "thumbs.py:run", "--format", "json", "thumbs.py", cwd=tmp_path)
    assert result.returncode == 1
    assert json.loads(result.stdout)["findings"][0]["handler"] == "thumbs.py:run"


def test_config_handlers_and_factories(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
        [tool.lambdalint]
        handlers = ["svc/thumbs.py:run"]
        client-factories = ["mylib.db.connect"]
        """
        )
    )
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "thumbs.py").write_text(
        textwrap.dedent(
            """
        from mylib.db import connect


        def run(payload, ctx_obj):
            db = connect("orders")
            return db.get(payload["id"])
        """
        )
    )
    result = run_cli("check", "--format", "concise", cwd=tmp_path / "svc")
    assert result.returncode == 1, result.stderr
    assert "thumbs.py:6:10: LAM201" in result.stdout


def test_unknown_config_key_exits_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\nselekt = ['LAM']\n")
    (tmp_path / "app.py").write_text(GOOD)
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "selekt" in result.stderr


def test_bad_config_type_exits_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\nhandlers = 'app.py:run'\n")
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 2 and "handlers" in result.stderr


def test_syntax_error_is_reported_and_run_goes_on(tmp_path):
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return (\n")
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert result.returncode == 1
    assert [e["path"] for e in doc["errors"]] == ["broken.py"]
    assert "syntax error" in doc["errors"][0]["message"]
    assert [f["path"] for f in doc["findings"]] == ["app.py"]


def test_missing_path_exits_2(tmp_path):
    result = run_cli("check", "nope.py", cwd=tmp_path)
    assert result.returncode == 2 and "nope.py" in result.stderr


def test_discovery_skips_venvs_and_excludes(tmp_path):
    for rel in ("app.py", ".venv/lib/x.py", "node_modules/y.py", "build/z.py", "gen/w.py"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(BAD)
    result = run_cli("check", "--format", "concise", "--exclude", "gen", ".", cwd=tmp_path)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["app.py"]


def test_fix_writes_and_second_run_is_clean(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(BAD)
    result = run_cli("check", "--fix", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Fixed 1 finding" in result.stdout
    assert path.read_text() == GOOD
    assert run_cli("check", "app.py", cwd=tmp_path).returncode == 0


def test_diff_changes_nothing_and_exits_1(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(BAD)
    result = run_cli("check", "--diff", "app.py", cwd=tmp_path)
    assert result.returncode == 1
    assert path.read_text() == BAD
    assert "+s3 = boto3.client(\"s3\")" in result.stdout


def test_rules_and_explain():
    rules = run_cli("rules", "--format", "json")
    assert rules.returncode == 0
    assert "LAM201" in [r["code"] for r in json.loads(rules.stdout)]
    explain = run_cli("explain", "LAM201")
    assert explain.returncode == 0 and "client-in-handler" in explain.stdout
    assert run_cli("explain", "LAM999").returncode == 2


def test_handler_names_add_to_the_conventional_names(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nhandler-names = ["main"]\n')
    (tmp_path / "a.py").write_text(BAD.replace("def lambda_handler(event, context)", "def main(payload)"))
    (tmp_path / "b.py").write_text(BAD)
    result = run_cli("check", "--format", "concise", ".", cwd=tmp_path)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["a.py", "b.py"]


def test_examples_cover_every_bug_class():
    """The Quickstart's first command shows one finding of each kind a newcomer should see."""
    result = run_cli("check", "--format", "json", "examples/", cwd=ROOT)
    found = {(f["path"], f["code"]) for f in json.loads(result.stdout)["findings"]}
    assert {
        ("examples/state_leak.py", "LAM101"),
        ("examples/state_leak.py", "LAM102"),
        ("examples/orders_bad.py", "LAM201"),
        ("examples/config_loader.py", "LAM202"),
        ("examples/config_loader.py", "LAM203"),
        ("examples/report_service/src/reports.py", "LAM105"),
        ("examples/report_service/src/reports.py", "LAM301"),
    } <= found
    assert not any(path in ("examples/orders_good.py", "examples/tenant_clients.py") for path, _ in found)


def test_output_piped_into_head_does_not_trace_back():
    script = f"{lambdalint_command()} rules | head -1"
    result = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True)
    assert result.stdout.startswith("LAM0")
    assert "Traceback" not in result.stderr and "Broken pipe" not in result.stderr
