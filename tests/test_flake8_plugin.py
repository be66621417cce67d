"""The flake8 plugin, through the real `flake8` installed beside this interpreter."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from test_cli import BAD, GOOD

FLAKE8 = Path(sys.executable).with_name("flake8")
FORMAT = "--format=%(path)s:%(row)d:%(col)d: %(code)s %(text)s"


def flake8(*args, cwd, input=None):
    return subprocess.run(
        [str(FLAKE8), "--isolated", FORMAT, *map(str, args)],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        timeout=300,
    )


def reported(output: str):
    """{(path, line, code)} from `path:line:col: CODE text` lines."""
    out = set()
    for line in output.splitlines():
        path, row, _col, rest = line.split(":", 3)
        out.add((path.removeprefix("./"), int(row), rest.split()[0]))
    return out


def test_plugin_is_registered():
    result = subprocess.run([str(FLAKE8), "--version"], capture_output=True, text=True)
    assert "lambdalint" in result.stdout


def test_same_findings_as_the_cli_on_every_fixture():
    result = flake8("--select", "LAM", ".", cwd=FIXTURES)
    cli = run_cli("check", "--no-cache", "--format", "json", ".", cwd=FIXTURES)
    expected = {
        (f["path"], f["line"], f["code"])
        for f in json.loads(cli.stdout)["findings"]
        if f["path"].endswith(".py")  # template findings (LAM304) have no flake8 equivalent
    }
    assert expected, "the fixtures should have findings"
    assert reported(result.stdout) == expected, result.stderr


def test_columns_are_the_cli_columns(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    result = flake8("--select", "LAM", "app.py", cwd=tmp_path)
    assert result.stdout.startswith("app.py:5:10: LAM201 AWS SDK client `boto3.client(\"s3\")`")
    assert result.returncode == 1


def test_messages_carry_no_workflow_command(tmp_path):
    """flake8 prints the message as given; code quoted in it must not run as a GitHub
    Actions command in a CI log (the runner honours `##[command]` anywhere in a line)."""
    (tmp_path / "app.py").write_text(
        'import boto3\n\n\ndef lambda_handler(event, context):\n    return boto3.client("##[add-mask]s3")\n'
    )
    result = flake8("--select", "LAM", "app.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "LAM201" in result.stdout and "#\\x23[add-mask]s3" in result.stdout
    assert "##[" not in result.stdout + result.stderr


def test_noqa_silences_in_both(tmp_path):
    line = 'boto3.client("s3")'
    (tmp_path / "coded.py").write_text(BAD.replace(line, line + "  # noqa: LAM201"))
    (tmp_path / "bare.py").write_text(BAD.replace(line, line + "  # noqa"))
    (tmp_path / "other.py").write_text(BAD.replace(line, line + "  # noqa: E501"))
    flake = reported(flake8("--select", "LAM", ".", cwd=tmp_path).stdout)
    cli = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tmp_path)
    assert flake == {("other.py", 5, "LAM201")}
    assert reported(cli.stdout) == flake


def test_flake8_owns_noqa(tmp_path):
    """The plugin must not filter noqa itself, or `--disable-noqa` could not undo it."""
    line = 'boto3.client("s3")'
    (tmp_path / "app.py").write_text(BAD.replace(line, line + "  # noqa: LAM201"))
    result = flake8("--select", "LAM", "--disable-noqa", "app.py", cwd=tmp_path)
    assert reported(result.stdout) == {("app.py", 5, "LAM201")}


def test_select_and_extend_select(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    on_by_default = reported(flake8("app.py", cwd=tmp_path).stdout)
    assert ("app.py", 5, "LAM201") in on_by_default
    assert reported(flake8("--select", "E", "app.py", cwd=tmp_path).stdout) == set()
    assert reported(flake8("--select", "LAM1", "app.py", cwd=tmp_path).stdout) == set()
    extended = flake8("--select", "E", "--extend-select", "LAM201", "app.py", cwd=tmp_path)
    assert reported(extended.stdout) == {("app.py", 5, "LAM201")}
    ignored = flake8("--extend-ignore", "LAM2", "app.py", cwd=tmp_path)
    assert not any(code.startswith("LAM") for _, _, code in reported(ignored.stdout))


def test_per_file_ignores(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "legacy.py").write_text(BAD)
    result = flake8("--select", "LAM", "--per-file-ignores", "legacy.py:LAM201", ".", cwd=tmp_path)
    assert reported(result.stdout) == {("app.py", 5, "LAM201")}


def test_jobs_2_gives_the_same_findings():
    one = flake8("--select", "LAM", "--jobs", "1", ".", cwd=FIXTURES)
    two = flake8("--select", "LAM", "--jobs", "2", ".", cwd=FIXTURES)
    assert two.returncode == one.returncode == 1, two.stderr
    assert sorted(two.stdout.splitlines()) == sorted(one.stdout.splitlines())


def test_stdin(tmp_path):
    result = flake8("--select", "LAM", "--stdin-display-name", "src/app.py", "-", cwd=tmp_path, input=BAD)
    assert reported(result.stdout) == {("src/app.py", 5, "LAM201")}
    clean = flake8("--select", "LAM", "--stdin-display-name", "app.py", "-", cwd=tmp_path, input=GOOD)
    assert clean.returncode == 0 and clean.stdout == ""


CUSTOM = textwrap.dedent(
    """
    from mylib.db import connect


    def run(payload, ctx_obj):
        db = connect("orders")
        return db.get(payload["id"])
    """
).lstrip()


def test_lambdalint_configuration_applies(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
        [tool.lambdalint]
        handlers = ["svc/thumbs.py:run"]
        client-factories = ["mylib.db.connect"]
        # flake8 filters for itself: lambdalint's own filters do not hide plugin findings
        ignore = ["LAM201"]
        """
        )
    )
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "thumbs.py").write_text(CUSTOM)
    (tmp_path / "svc" / "other.py").write_text(CUSTOM)
    result = flake8("--select", "LAM", "svc", cwd=tmp_path)
    assert reported(result.stdout) == {("svc/thumbs.py", 5, "LAM201")}, result.stderr
    piped = flake8("--select", "LAM", "--stdin-display-name", "svc/thumbs.py", "-", cwd=tmp_path, input=CUSTOM)
    assert reported(piped.stdout) == {("svc/thumbs.py", 5, "LAM201")}


def test_lambdalint_config_option(tmp_path):
    (tmp_path / "lint.toml").write_text('handlers = ["thumbs.py:run"]\nclient-factories = ["mylib.db.connect"]\n')
    (tmp_path / "thumbs.py").write_text(CUSTOM)
    assert reported(flake8("--select", "LAM", "thumbs.py", cwd=tmp_path).stdout) == set()
    result = flake8("--select", "LAM", "--lambdalint-config", "lint.toml", "thumbs.py", cwd=tmp_path)
    assert reported(result.stdout) == {("thumbs.py", 5, "LAM201")}, result.stderr


def test_bad_configuration_is_a_clear_failure(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\nselekt = ['LAM']\n")
    (tmp_path / "app.py").write_text(BAD)
    result = flake8("--select", "LAM", "app.py", cwd=tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "lambdalint configuration error" in output and "selekt" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("fixture, imported", [("no_entry_point.py", False), ("positives.py", True)])
def test_libcst_is_imported_only_for_files_that_may_hold_a_handler(tmp_path, fixture, imported):
    (tmp_path / "mod.py").write_text((FIXTURES / "LAM201" / fixture).read_text())
    probe = textwrap.dedent(
        """
        import sys
        from flake8.main.cli import main
        exit_code = main(["--isolated", "--select", "LAM", "--jobs", "1", "--quiet", "mod.py"])
        print(exit_code, "libcst" in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    *_, exit_code, libcst_imported = result.stdout.split()
    assert (exit_code, libcst_imported) == (str(int(imported)), str(imported))


TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Thumbs:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: thumbs.run
"""


def test_template_handlers_apply(tmp_path):
    """A handler named only by a SAM template, as `lambdalint check` finds it: when flake8
    gets the directory, one file (pre-commit style, in a git checkout) or the file on stdin
    (editors)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src").mkdir()
    source = BAD.replace("def lambda_handler(event, context)", "def run(payload, ctx_obj)")
    (tmp_path / "src" / "thumbs.py").write_text(source)
    expected = {("src/thumbs.py", 5, "LAM201")}
    assert reported(flake8("--select", "LAM", ".", cwd=tmp_path).stdout) == expected
    assert reported(flake8("--select", "LAM", "src/thumbs.py", cwd=tmp_path).stdout) == expected
    piped = flake8("--select", "LAM", "--stdin-display-name", "src/thumbs.py", "-", cwd=tmp_path, input=source)
    assert reported(piped.stdout) == expected
    (tmp_path / "template.yaml").unlink()
    assert reported(flake8("--select", "LAM", ".", cwd=tmp_path).stdout) == set()


# Counts the plugin's set-up calls in the flake8 process (workers are forked and leave
# with os._exit, so only the parent reports), and can refuse to import libcst.
SITECUSTOMIZE = """
import atexit, os, sys

if os.environ.get("BLOCK_LIBCST"):
    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name == "libcst" or name.startswith("libcst."):
                raise ImportError("libcst is blocked in this test")
    sys.meta_path.insert(0, _Block())

from lambdalint import pipeline

_prepare = pipeline.prepare
calls = []

def prepare(request):
    calls.append(1)
    return _prepare(request)

pipeline.prepare = prepare
atexit.register(lambda: open(os.environ["PREPARE_LOG"], "a").write(f"{len(calls)}\\n"))
"""


def test_project_model_once_per_process_and_results_cached(tmp_path):
    """One set-up for many files and jobs; a second run answers from lambdalint's result
    cache without parsing (libcst cannot even be imported then) and finds the same."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    project = tmp_path / "project"
    (project / "svc").mkdir(parents=True)
    (project / "svc" / "db.py").write_text("import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb')\n")
    for name in ("orders", "users", "billing"):
        (project / "svc" / f"{name}.py").write_text(
            BAD + "\n\nfrom db import table\n\n\ndef handler(event, context):\n    return table()\n"
        )
    for path in (project / "svc").iterdir():  # older than the stat index's racy window
        os.utime(path, (path.stat().st_mtime - 60,) * 2)
    cache = tmp_path / "cache"
    log = tmp_path / "prepare.log"
    env = {**os.environ, "PYTHONPATH": str(shim), "LAMBDALINT_CACHE_DIR": str(cache), "PREPARE_LOG": str(log)}

    def run(*args, **extra):
        return subprocess.run(
            [str(FLAKE8), "--isolated", FORMAT, "--select", "LAM", *args, "svc"],
            cwd=project,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=300,
        )

    first = run("--jobs", "1")
    assert first.returncode == 1, first.stderr
    found = reported(first.stdout)
    assert ("svc/db.py", 5, "LAM201") in found and ("svc/orders.py", 5, "LAM201") in found
    assert log.read_text().split() == ["1"]  # one set-up for five files
    assert list(cache.rglob("index-*.json")), "the stat index is saved"

    warm = run("--jobs", "2", BLOCK_LIBCST="1")
    assert warm.returncode == 1, warm.stderr
    assert "libcst is blocked" not in warm.stderr
    assert reported(warm.stdout) == found
    assert log.read_text().split() == ["1", "1"]

    # an edited helper is linted again (and with libcst blocked, that fails loudly)
    (project / "svc" / "db.py").write_text(
        "import boto3\n\nDB = boto3.resource('dynamodb')\n\n\ndef table():\n    return DB\n"
    )
    edited = run("--jobs", "1")
    assert ("svc/db.py", 5, "LAM201") not in reported(edited.stdout), edited.stderr
    assert ("svc/orders.py", 5, "LAM201") in reported(edited.stdout)


def test_noqa_findings_are_not_shared_with_the_cli_cache(tmp_path):
    """flake8 gets every finding (it applies noqa itself): a CLI run's cached results,
    where noqa already silenced them, must not be served to it, nor the other way round."""
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nselect = ["LAM"]\n')
    line = 'boto3.client("s3")'
    (tmp_path / "app.py").write_text(BAD.replace(line, line + "  # noqa: LAM201"))
    env = {**os.environ, "LAMBDALINT_CACHE_DIR": str(tmp_path / "cache")}
    cli = subprocess.run(
        [str(FLAKE8.with_name("lambdalint")), "check", "--format", "concise", "app.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0 and "LAM201" not in cli.stdout, cli.stdout + cli.stderr
    result = subprocess.run(
        [str(FLAKE8), "--isolated", FORMAT, "--select", "LAM", "--disable-noqa", "app.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert reported(result.stdout) == {("app.py", 5, "LAM201")}, result.stderr
    again = subprocess.run(
        [str(FLAKE8.with_name("lambdalint")), "check", "--format", "concise", "app.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "LAM201" not in again.stdout
