"""Bad input never crashes a run: each bad file is one clear error naming it, the other
files in the same run are still checked, and the exit code says what happened."""

import ctypes
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli
from test_cli import BAD, GOOD

PLUGINS = Path(__file__).resolve().parent / "plugins"
GOOD_FINDING = ("good.py", 5, "LAM201")  # BAD's client construction, in good.py


def check(tmp_path, *paths, extra=(), **kwargs):
    """Run `lambdalint check --format json` next to a fixable good.py; (result, json)."""
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", "--format", "json", "--no-cache", *extra, *paths, cwd=tmp_path, **kwargs)
    assert result.stdout, result.stderr
    doc = json.loads(result.stdout)
    assert "Traceback" not in result.stderr, result.stderr
    return result, doc


def assert_good_file_checked(doc):
    assert GOOD_FINDING in {(f["path"], f["line"], f["code"]) for f in doc["findings"]}


def only_error(doc, path):
    (error,) = doc["errors"]
    assert error["path"] == path
    return error["message"]


def test_syntax_error_names_line_and_column(tmp_path):
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return )\n")
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    assert only_error(doc, "broken.py").startswith("syntax error at line 2, column 12")
    assert_good_file_checked(doc)


def test_error_is_one_line_naming_the_file_in_text_and_concise(tmp_path):
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return )\n")
    (tmp_path / "good.py").write_text(BAD)
    text = run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert text.returncode == 1
    (line,) = [line for line in text.stdout.splitlines() if "broken.py" in line]
    assert line == "error: broken.py: syntax error at line 2, column 12: unmatched ')'"
    concise = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tmp_path)
    assert len([line for line in concise.stderr.splitlines() if "broken.py" in line]) == 1
    assert "good.py:5:10: LAM201" in concise.stdout


def test_undeclared_non_utf8_bytes(tmp_path):
    (tmp_path / "latin.py").write_bytes(b'def lambda_handler(event, context):\n    return "caf\xe9"\n')
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    message = only_error(doc, "latin.py")
    assert message.startswith("cannot decode as utf-8: byte 0xe9 at line 2, column 16 (")
    assert "PEP 263" in message
    assert_good_file_checked(doc)


def test_coding_cookie_and_bom_are_honoured(tmp_path):
    body = BAD.replace('"s3"', '"s3é"')
    (tmp_path / "latin.py").write_bytes(("# -*- coding: latin-1 -*-\n" + body).encode("latin-1"))
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1 and doc["errors"] == []
    assert {(f["path"], f["line"]) for f in doc["findings"]} == {("bom.py", 5), ("latin.py", 6), ("good.py", 5)}
    assert "s3é" in next(f for f in doc["findings"] if f["path"] == "latin.py")["message"]


def test_bom_contradicting_the_coding_cookie(tmp_path):
    (tmp_path / "odd.py").write_bytes(b"\xef\xbb\xbf# coding: latin-1\n" + BAD.encode())
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    assert only_error(doc, "odd.py").startswith("bad encoding declaration")
    assert_good_file_checked(doc)


def test_binary_file_with_py_name(tmp_path):
    (tmp_path / "blob.py").write_bytes(bytes(range(256)) * 4)
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    assert only_error(doc, "blob.py") == "binary file (contains NUL bytes), not Python source"
    assert_good_file_checked(doc)


def test_empty_files_are_valid_python(tmp_path):
    # An empty module (every other __init__.py) is not an error: reporting it would fail
    # every pre-commit run of a normal package.
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "blank.py").write_text("\n\n")
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1 and doc["errors"] == []
    assert doc["summary"]["files"] == 3
    assert_good_file_checked(doc)
    # ... but a clear message names them: one note line on stderr.
    assert "note: skipped 2 empty files (nothing to check): __init__.py, blank.py" in result.stderr
    text = run_cli("check", "__init__.py", cwd=tmp_path)
    assert text.returncode == 0
    assert text.stderr == "note: skipped 1 empty file (nothing to check): __init__.py\n"


def test_a_warm_run_names_the_empty_files_a_cold_run_names(tmp_path):
    """An empty `__init__.py` analysed with the handler that imports its package: the
    result cache keeps the note too, so the second run says the same."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "util.py").write_text("def go():\n    return 1\n")
    (tmp_path / "app.py").write_text("from pkg import util\n\n\ndef handler(event, context):\n    return util.go()\n")
    env = {**os.environ, "LAMBDALINT_CACHE_DIR": str(tmp_path / "cache")}
    runs = [run_cli("check", ".", cwd=tmp_path, env=env) for _ in range(2)]
    assert [r.stderr for r in runs] == ["note: skipped 1 empty file (nothing to check): pkg/__init__.py\n"] * 2


def test_many_empty_files_are_one_short_line_before_the_summary(tmp_path):
    package = tmp_path / "pkg"
    for index in range(40):
        (package / f"sub{index:02d}").mkdir(parents=True)
        (package / f"sub{index:02d}" / "__init__.py").write_text("")
    (tmp_path / "app.py").write_text(BAD)
    # one stream, as a terminal shows it: the note comes right before the summary
    result = run_cli("check", ".", cwd=tmp_path, stderr=subprocess.STDOUT)
    lines = result.stdout.splitlines()
    notes = [line for line in lines if line.startswith("note:")]
    assert notes == [
        "note: skipped 40 empty files (nothing to check): pkg/sub00/__init__.py, "
        "pkg/sub01/__init__.py, pkg/sub02/__init__.py and 37 more"
    ]
    assert lines[-1].startswith("Found 1 finding in 1 file") and lines[-2] == notes[0]


def test_syntax_errors_in_files_without_handlers(tmp_path):
    # Such files never reach LibCST, yet an unparsable file is always an error.
    (tmp_path / "util.py").write_text("def helper(:\n    pass\n")
    for _ in range(2):  # the second run must not let the result cache hide it
        result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
        doc = json.loads(result.stdout)
        assert result.returncode == 1
        assert only_error(doc, "util.py") == "syntax error at line 1, column 12: invalid syntax"


def test_five_megabyte_generated_files(tmp_path):
    rows = "".join(f"    {{'id': {i}, 'name': 'item-{i:07d}', 'tags': ['a', 'b']}},\n" for i in range(80_000))
    data = f"ITEMS = [\n{rows}]\n"
    assert len(data) > 5_000_000
    (tmp_path / "generated_data.py").write_text(data)  # no entry point: never parsed
    (tmp_path / "generated_handler.py").write_text(
        data + "\n\ndef lambda_handler(event, context):\n    return ITEMS[event['i']]\n"
    )
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    message = only_error(doc, "generated_handler.py")
    assert message.startswith("too large to analyse (")
    assert "--exclude" in message
    assert_good_file_checked(doc)


@pytest.mark.parametrize(
    "body",
    [
        "(" * 5000 + "1" + ")" * 5000,  # LibCST's native parser overflows the C stack on this
        "[" * 5000 + "]" * 5000,
        "+".join(["1"] * 5000),  # left-nested BinaryOperation 5000 deep
        "x" + "[0]" * 5000,
        "lambda: " * 5000 + "1",
        "-" * 5000 + "x",
    ],
    ids=["parens", "lists", "plus-chain", "subscripts", "lambdas", "unary"],
)
def test_deeply_nested_expressions(tmp_path, body):
    (tmp_path / "deep.py").write_text(f"def lambda_handler(event, context):\n    return {body}\n")
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    assert only_error(doc, "deep.py").startswith("too deeply nested to parse")
    assert_good_file_checked(doc)


def test_nesting_python_accepts_but_recursion_cannot_analyse(tmp_path):
    # CPython parses a 1,500-term chain; walking it recursively exceeds the recursion limit.
    # (900 terms used to: the analysis walk now takes one frame per level.)
    chain = " + ".join(["event"] * 1500)
    (tmp_path / "chain.py").write_text(f"def lambda_handler(event, context):\n    return {chain}\n")
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    assert "too deeply nested" in only_error(doc, "chain.py")
    assert_good_file_checked(doc)


def test_symlink_loop_and_dangling_link(tmp_path):
    os.symlink("loop_b.py", tmp_path / "loop_a.py")
    os.symlink("loop_a.py", tmp_path / "loop_b.py")
    os.symlink("gone.py", tmp_path / "dangling.py")
    os.mkdir(tmp_path / "pkg")
    os.symlink("..", tmp_path / "pkg" / "parent")  # a directory loop
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1
    errors = {e["path"]: e["message"] for e in doc["errors"]}
    assert errors == {
        "dangling.py": "cannot read: dangling symbolic link to 'gone.py'",
        "loop_a.py": "cannot read: symbolic link loop",
        "loop_b.py": "cannot read: symbolic link loop",
    }
    assert_good_file_checked(doc)
    assert [f["path"] for f in doc["findings"]] == ["good.py"]  # not again via pkg/parent


def test_fifo_with_py_name_does_not_hang_the_run(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(tmp_path / "pipe.py")
    result, doc = check(tmp_path, ".")  # opening the FIFO would block forever
    assert result.returncode == 1
    assert only_error(doc, "pipe.py").startswith("not a regular file")
    assert_good_file_checked(doc)


def _without_root_file_access():
    """As root, chmod 000 does not stop reads: drop the capabilities that bypass file
    permissions in the child (Linux), so the test sees what a normal user sees."""
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)

    def drop():
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return drop


def test_unreadable_file(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text(BAD)
    secret.chmod(0)
    preexec = _without_root_file_access()
    probe = subprocess.run(
        [sys.executable, "-c", f"open({str(secret)!r}).read()"], preexec_fn=preexec, capture_output=True
    )
    if probe.returncode == 0:
        pytest.skip("running with privileges that read chmod-000 files and cannot be dropped")
    result, doc = check(tmp_path, ".", preexec_fn=preexec)
    assert result.returncode == 1
    assert only_error(doc, "secret.py") == "cannot read: permission denied"
    assert_good_file_checked(doc)


def test_path_that_does_not_exist_exits_2_and_fixes_nothing(tmp_path):
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", "--fix", "good.py", "missing.py", "also/missing", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "lambdalint: missing.py: no such file or directory",
        "lambdalint: also/missing: no such file or directory",
    ]
    assert (tmp_path / "good.py").read_text() == BAD


def test_directory_named_like_a_python_file(tmp_path):
    (tmp_path / "pkg.py").mkdir()
    (tmp_path / "pkg.py" / "inner.py").write_text(BAD)
    for given in (["."], ["pkg.py", "good.py"]):
        result, doc = check(tmp_path, *given)
        assert result.returncode == 1 and doc["errors"] == []
        assert {f["path"] for f in doc["findings"]} == {"good.py", "pkg.py/inner.py"}


@pytest.mark.parametrize(
    "config, named",
    [
        ("selekt = ['LAM']", "selekt"),
        ("select = 'LAM201'", "select"),
        ("select = ['E501']", "select"),
        ("ignore = [201]", "ignore"),
        ("handlers = ['app.py']", "handlers"),
        ("per-file-ignores = ['tests/*']", "per-file-ignores"),
        ("per-file-ignores = {'tests/*' = 'LAM2'}", "per-file-ignores.tests/*"),
        ("exclude = 'build'", "exclude"),
        ("client-factories = [['a']]", "client-factories"),
        ("templates = {}", "templates"),
        ("handler-names = 'run'", "handler-names"),
        ("io-functions = true", "io-functions"),
    ],
)
def test_bad_configuration_exits_2_naming_the_key(tmp_path, config, named):
    (tmp_path / "pyproject.toml").write_text(f"[tool.lambdalint]\n{config}\n")
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("lambdalint: configuration error: ")
    assert "pyproject.toml" in line and f"`{named}`" in line
    assert (tmp_path / "good.py").read_text() == BAD


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[tool.lambdalint\nselect = ['LAM']\n", "invalid TOML"),
        ("[tool]\nlambdalint = 'LAM201'\n", "[tool.lambdalint] must be a table"),
    ],
)
def test_broken_pyproject_for_lambdalint_exits_2(tmp_path, text, expected):
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "pyproject.toml" in result.stderr and expected in result.stderr


def test_broken_pyproject_of_another_tool_is_ignored(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.black\nline-length = 100\n")
    result, doc = check(tmp_path, ".")
    assert result.returncode == 1 and doc["errors"] == []
    assert_good_file_checked(doc)


def test_missing_config_file_exits_2(tmp_path):
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", "--config", "nope.toml", ".", cwd=tmp_path)
    assert result.returncode == 2 and "nope.toml" in result.stderr


def plugin_env(**extra):
    """Environment that adds the test-only rules in tests/plugins to the installed CLI."""
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PLUGINS), env.get("PYTHONPATH")]))
    return env


def test_internal_error_in_one_rule_is_an_error_for_that_file_and_rule(tmp_path):
    (tmp_path / "crash.py").write_text(
        BAD
        + textwrap.dedent(
            """

        def lambdalint_test_crash():
            pass
        """
        )
    )
    result, doc = check(tmp_path, ".", env=plugin_env())
    assert result.returncode == 1
    message = only_error(doc, "crash.py")
    assert message.startswith(
        "internal error in LAM990 (test-crash): ValueError: "
        "deliberate failure for the test suite; this is a lambdalint bug"
    )
    assert "please report it" in message and "https://" in message
    # The same file's other rules and the other files still ran.
    assert {(f["path"], f["code"]) for f in doc["findings"]} == {("crash.py", "LAM201"), ("good.py", "LAM201")}


def test_fix_skips_bad_files_and_fixes_the_rest(tmp_path):
    broken = b"def lambda_handler(event, context):\n    return )\n"
    (tmp_path / "broken.py").write_bytes(broken)
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\ndef lambda_handler(event, context): pass\n")
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", "--fix", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert "Fixed 1 finding" in result.stdout and "2 errors" in result.stdout
    assert (tmp_path / "good.py").read_text() == GOOD
    assert (tmp_path / "broken.py").read_bytes() == broken


def test_bad_files_are_sarif_tool_execution_notifications(tmp_path):
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return )\n")
    (tmp_path / "blob.py").write_bytes(b"\x00\x01")
    (tmp_path / "good.py").write_text(BAD)
    result = run_cli("check", "--no-cache", "--format", "sarif", ".", cwd=tmp_path)
    assert result.returncode == 1
    (run,) = json.loads(result.stdout)["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n
        for n in invocation["toolExecutionNotifications"]
    }
    assert set(notes) == {"broken.py", "blob.py"}
    assert notes["broken.py"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 12}
    assert notes["blob.py"]["message"]["text"].startswith("binary file")
    assert [r["ruleId"] for r in run["results"]] == ["LAM201"]
