"""`lambdalint check` options a ruff user expects, through the installed command."""

import json
import re
import shutil
import subprocess
import textwrap
import xml.etree.ElementTree as ET

import pytest
from conftest import lambdalint_command, run_cli
from test_cli import BAD, GOOD

from lambdalint.registry import all_rules

STALE = BAD.replace("return s3.list_buckets()", "return s3.list_buckets()  # noqa: LAM203")
TWO = textwrap.dedent(
    """
    import boto3


    def lambda_handler(event, context):
        import statistics
        s3 = boto3.client("s3")
        return statistics.fmean(len(b["Name"]) for b in s3.list_buckets()["Buckets"])
    """
).lstrip()


def codes(result):
    return [line.split()[1] for line in result.stdout.splitlines() if re.match(r"\S+:\d+:\d+: ", line)]


def unregistered_code():
    """A code in a family that has rules, that no rule has (today LAM104 or later)."""
    return next(f"LAM{n}" for n in range(101, 200) if f"LAM{n}" not in all_rules())


# -- selection ------------------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--select", "--extend-select", "--ignore"])
@pytest.mark.parametrize("code", ["LAM999", "LAM9", "unregistered"])
def test_a_code_that_names_no_rule_is_exit_2(tmp_path, option, code):
    code = unregistered_code() if code == "unregistered" else code
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", option, code, "app.py", cwd=tmp_path)
    assert result.returncode == 2
    assert f"'{code}' names no lambdalint rule" in result.stderr
    assert result.stderr.startswith("usage: lambdalint check")


@pytest.mark.parametrize("key", ["select", "extend-select", "ignore"])
def test_a_configured_code_that_names_no_rule_is_exit_2(tmp_path, key):
    (tmp_path / "pyproject.toml").write_text(f'[tool.lambdalint]\n{key} = ["LAM201", "LAM999"]\n')
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", "app.py", cwd=tmp_path)
    assert result.returncode == 2
    assert f"`{key}`: 'LAM999' names no lambdalint rule" in result.stderr
    assert "pyproject.toml" in result.stderr


def test_a_configured_per_file_ignore_that_names_no_rule_is_exit_2(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint.per-file-ignores]\n"tests/*" = ["LAM2", "LAM29"]\n')
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", "app.py", cwd=tmp_path)
    assert result.returncode == 2 and "'LAM29' names no lambdalint rule" in result.stderr


def test_repeated_select_adds_up(tmp_path):
    (tmp_path / "app.py").write_text(TWO)
    both = run_cli("check", "--format", "concise", "--select", "LAM201", "--select", "LAM203", "app.py", cwd=tmp_path)
    assert sorted(codes(both)) == ["LAM201", "LAM203"]
    commas = run_cli("check", "--format", "concise", "--select", "LAM201,LAM203", "app.py", cwd=tmp_path)
    assert codes(commas) == codes(both)
    one = run_cli("check", "--format", "concise", "--select", "LAM203", "app.py", cwd=tmp_path)
    assert codes(one) == ["LAM203"]


def test_select_all_and_opt_in_rules(tmp_path):
    (tmp_path / "app.py").write_text(STALE)
    default = run_cli("check", "--format", "concise", "app.py", cwd=tmp_path)
    assert codes(default) == ["LAM201"]  # LAM001 is off unless selected
    assert codes(run_cli("check", "--format", "concise", "--select", "LAM", "app.py", cwd=tmp_path)) == ["LAM201"]
    every = run_cli("check", "--format", "concise", "--select", "ALL", "app.py", cwd=tmp_path)
    assert sorted(codes(every)) == ["LAM001", "LAM201"]
    extended = run_cli("check", "--format", "concise", "--extend-select", "LAM001", "app.py", cwd=tmp_path)
    assert sorted(codes(extended)) == ["LAM001", "LAM201"]
    family = run_cli("check", "--format", "concise", "--select", "LAM0", "app.py", cwd=tmp_path)
    assert codes(family) == []  # LAM203's rule did not run: its comment is not judged


def test_command_line_layers_on_the_configuration_as_in_ruff(tmp_path):
    (tmp_path / "app.py").write_text(TWO)
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nselect = ["LAM2"]\nignore = ["LAM203"]\n')

    def run(*args):
        return sorted(codes(run_cli("check", "--format", "concise", *args, "app.py", cwd=tmp_path)))

    assert run() == ["LAM201"]
    assert run("--extend-select", "LAM203") == ["LAM201", "LAM203"]  # more specific than the ignore
    assert run("--ignore", "LAM201") == []  # adds to the configured ignore
    assert run("--select", "LAM203") == ["LAM203"]  # a new selection: the configured ignore is gone
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nextend-select = ["LAM001"]\n')
    (tmp_path / "app.py").write_text(STALE)
    assert run() == ["LAM001", "LAM201"]


# -- output -----------------------------------------------------------------------------------


def test_output_format_is_an_alias_of_format(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    a = run_cli("check", "--format", "json", "app.py", cwd=tmp_path)
    b = run_cli("check", "--output-format", "json", "app.py", cwd=tmp_path)
    assert json.loads(a.stdout) == json.loads(b.stdout) and a.returncode == b.returncode == 1


def test_output_file(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    for flag in ("-o", "--output-file"):
        result = run_cli("check", "--format", "sarif", flag, "out.sarif", "app.py", cwd=tmp_path)
        assert result.returncode == 1 and result.stdout == ""
        doc = json.loads((tmp_path / "out.sarif").read_text())
        assert doc["runs"][0]["results"][0]["ruleId"] == "LAM201"
    text = run_cli("check", "--color", "always", "-o", "out.txt", "app.py", cwd=tmp_path)
    written = (tmp_path / "out.txt").read_text()
    assert "app.py:5:10: LAM201" in written and "\x1b[" not in written  # never coloured in a file
    assert text.stdout == ""


def test_quiet_prints_findings_only(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "__init__.py").write_text("")
    loud = run_cli("check", ".", cwd=tmp_path)
    assert "Found 1 finding in 1 file" in loud.stdout and "note:" in loud.stderr
    for flag in ("-q", "--quiet"):
        quiet = run_cli("check", flag, ".", cwd=tmp_path)
        assert quiet.returncode == 1
        assert "app.py:5:10: LAM201" in quiet.stdout
        assert "Found" not in quiet.stdout and quiet.stderr == ""
    fixed = run_cli("check", "-q", "--fix", ".", cwd=tmp_path)
    assert fixed.stdout == "" and fixed.returncode == 0


def test_color(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    assert "\x1b[" in run_cli("check", "--color", "always", "app.py", cwd=tmp_path).stdout
    assert "\x1b[" not in run_cli("check", "--color", "never", "app.py", cwd=tmp_path).stdout
    assert "\x1b[" not in run_cli("check", "app.py", cwd=tmp_path).stdout  # auto: piped


def test_show_fixes(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    shown = run_cli("check", "--show-fixes", "app.py", cwd=tmp_path)
    assert "fix (safe, --fix): move `s3 = ...` to module level" in shown.stdout
    assert '    +s3 = boto3.client("s3")' in shown.stdout
    assert '    -    s3 = boto3.client("s3")' in shown.stdout
    assert "+s3 =" not in run_cli("check", "app.py", cwd=tmp_path).stdout
    fixed = run_cli("check", "--fix", "--show-fixes", "app.py", cwd=tmp_path)
    assert "Fixed 1 finding:\n- app.py:\n    1 × LAM201 (client-in-handler)\n" in fixed.stdout
    assert (tmp_path / "app.py").read_text() == GOOD


def test_summary_counts_files_with_findings(tmp_path):
    (tmp_path / "a.py").write_text(TWO)
    (tmp_path / "b.py").write_text(BAD)
    (tmp_path / "clean.py").write_text(GOOD)
    (tmp_path / "util.py").write_text("X = 1\n")
    result = run_cli("check", ".", cwd=tmp_path)
    assert "Found 3 findings in 2 files (3 fixable with `--fix`)." in result.stdout
    clean = run_cli("check", "clean.py", "util.py", cwd=tmp_path)
    assert clean.stdout == "No findings in 2 files checked.\n"


def test_unknown_option_prints_checks_usage(tmp_path):
    for argv in (["check", "--bogus"], [".", "--bogus"], ["check", "--select", "LAM2", "--bogus", "."]):
        result = run_cli(*argv, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("usage: lambdalint check"), result.stderr
        assert "unrecognized arguments" in result.stderr
    result = run_cli("check", "--bogus", cwd=tmp_path)
    assert (
        "[--select CODES]" in result.stderr
        and "lambdalint check: error: unrecognized arguments: --bogus" in result.stderr
    )


# -- standard input -------------------------------------------------------------------------


def test_stdin_is_linted_as_the_named_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint.per-file-ignores]\n"legacy/*" = ["LAM201"]\n')
    result = run_cli("check", "--format", "concise", "--stdin-filename", "src/app.py", "-", cwd=tmp_path, input=BAD)
    assert result.returncode == 1
    assert result.stdout.startswith("src/app.py:5:10: LAM201 ")
    assert not (tmp_path / "src").exists()
    # without `-`: --stdin-filename alone reads standard input too; settings apply by its name
    ignored = run_cli("check", "--stdin-filename", "legacy/app.py", cwd=tmp_path, input=BAD)
    assert ignored.returncode == 0, ignored.stdout
    dash = run_cli("check", "--format", "concise", "-", cwd=tmp_path, input=BAD)
    assert dash.stdout.startswith("-:5:10: LAM201")


def test_stdin_fix_prints_the_fixed_text(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", "--fix", "--stdin-filename", "app.py", "-", cwd=tmp_path, input=BAD)
    assert result.returncode == 0
    assert result.stdout == GOOD
    assert "Fixed 1 finding (0 remaining)." in result.stderr
    assert (tmp_path / "app.py").read_text() == BAD  # the file of that name is not touched
    unchanged = run_cli("check", "--fix", "--stdin-filename", "app.py", cwd=tmp_path, input=GOOD)
    assert unchanged.stdout == GOOD and unchanged.returncode == 0
    crlf = BAD.replace("\n", "\r\n").encode()
    fixed = subprocess.run(
        [lambdalint_command(), "check", "--fix", "--stdin-filename", "app.py"],
        cwd=tmp_path,
        input=crlf,
        capture_output=True,
        timeout=300,
    )
    assert fixed.stdout == GOOD.replace("\n", "\r\n").encode()


# -- what is skipped ---------------------------------------------------------------------------


def test_file_level_noqa_skips_the_file(tmp_path):
    (tmp_path / "skipped.py").write_text("# generated code\n# lambdalint: noqa\n" + BAD)
    (tmp_path / "partly.py").write_text("# lambdalint: noqa: LAM203\n" + TWO)
    (tmp_path / "late.py").write_text("\n" * 12 + "# lambdalint: noqa\n" + BAD)
    result = run_cli("check", "--format", "concise", ".", cwd=tmp_path)
    found = sorted((line.split(":")[0], line.split()[1]) for line in result.stdout.splitlines())
    assert found == [("late.py", "LAM201"), ("partly.py", "LAM201")]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "gen.py").write_text("# lambdalint: noqa\ndef (:\n")
    assert run_cli("check", "broken", cwd=tmp_path).returncode == 0  # skipped whole: not even parsed


def _git(*args, cwd):
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True, capture_output=True)


def _gitignore_tree(root):
    (root / ".gitignore").write_text("generated/\n*_tmp.py\n!keep_tmp.py\n")
    for name in ("app.py", "generated/app.py", "scratch_tmp.py", "keep_tmp.py", "sub/app.py", "sub/local.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(BAD)
    (root / "sub" / ".gitignore").write_text("local.py\n")


EXPECTED_NOT_IGNORED = ["app.py", "keep_tmp.py", "sub/app.py"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_files_git_ignores_are_skipped(tmp_path):
    _gitignore_tree(tmp_path)
    _git("init", "-q", cwd=tmp_path)
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("mine.py\n")
    (tmp_path / "mine.py").write_text(BAD)
    result = run_cli("check", "--format", "concise", ".", cwd=tmp_path)
    assert sorted({line.split(":")[0] for line in result.stdout.splitlines()}) == EXPECTED_NOT_IGNORED
    named = run_cli("check", "--format", "concise", "generated/app.py", cwd=tmp_path)
    assert named.stdout == "" and named.returncode == 0  # like `exclude`, also when named
    everything = run_cli("check", "--format", "concise", "--no-respect-gitignore", ".", cwd=tmp_path)
    assert len(everything.stdout.splitlines()) == 7


def test_gitignore_outside_a_git_repository(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.lambdalint]\n")
    _gitignore_tree(project)
    result = run_cli("check", "--format", "concise", ".", cwd=project)
    assert sorted({line.split(":")[0] for line in result.stdout.splitlines()}) == EXPECTED_NOT_IGNORED


# -- JUnit ------------------------------------------------------------------------------------


def test_junit_is_well_formed_and_counts_every_finding(tmp_path):
    (tmp_path / "a.py").write_text(TWO)
    (tmp_path / "clean.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return )\n")
    # text from strangers: markup, a CDATA end, control characters
    hostile = BAD.replace('"s3"', '"s3<]]>&\\x1b\x0c"').replace(
        "def lambda_handler", "# \x01\x1b[31m\ndef lambda_handler"
    )
    (tmp_path / "hostile.py").write_text(hostile)
    result = run_cli("check", "--format", "junit", ".", cwd=tmp_path)
    assert result.returncode == 1
    root = ET.fromstring(result.stdout.encode("utf-8"))  # expat: a real XML parser
    assert root.tag == "testsuites" and root.get("name") == "lambdalint"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert sorted(suites) == ["a.py", "broken.py", "clean.py", "hostile.py"]
    assert suites["a.py"].get("tests") == "2" and suites["a.py"].get("failures") == "2"
    names = [case.get("name") for case in suites["a.py"].findall("testcase")]
    assert names == ["LAM203 import-in-handler at line 5, column 5", "LAM201 client-in-handler at line 6, column 10"]
    case = suites["a.py"].find("testcase")
    assert case.get("classname") == "a" and case.get("file") == "a.py" and case.get("line") == "5"
    failure = case.find("failure")
    assert failure.get("type") == "LAM203" and "help: Move `import statistics`" in failure.text
    assert suites["clean.py"].get("failures") == "0" and len(suites["clean.py"].findall("testcase")) == 1
    assert suites["broken.py"].get("errors") == "1" and suites["broken.py"].find("testcase/error") is not None
    assert root.get("tests") == "5" and root.get("failures") == "3" and root.get("errors") == "1"
    message = suites["hostile.py"].find("testcase/failure").get("message")
    assert "<]]>&" in message
