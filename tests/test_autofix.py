"""Autofix end to end: fixed code parses, is stable, keeps behaviour across warm invocations."""

import json
import re
import shutil
import subprocess

import pytest
from conftest import FIXTURES, ROOT, fixture_files, load_module, run_cli

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text, lint_text
from lambdalint.parsing import parse

OPTIONS = Options(Config())


def _fixable(path):
    findings = lint_text(path.read_text(), str(path), OPTIONS).findings
    return [f for f in findings if f.fix is not None]


FIXABLE = [p for p in fixture_files() if _fixable(p)]


def test_there_are_fixable_fixtures():
    assert len(FIXABLE) >= 3


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: str(p.relative_to(FIXTURES)))
@pytest.mark.parametrize("level", ["safe", "unsafe"])
def test_fix_parses_is_idempotent_and_removes_fixed_findings(path, level):
    text = path.read_text()
    before = lint_text(text, str(path), OPTIONS).findings
    fixed, applied, after = fix_text(text, str(path), OPTIONS, level)
    module, error = parse(fixed, str(path))
    assert error is None, fixed
    expected_applicable = [f for f in before if f.fix and (level == "unsafe" or f.fix.applicability == "safe")]
    assert applied >= len(expected_applicable) > 0 or (level == "safe" and not expected_applicable)
    # Every finding a fix was offered for is gone; the unfixable ones remain.
    for code in {f.code for f in before}:
        unfixable = [f for f in before if f.code == code and f not in expected_applicable]
        remaining = [f for f in after.findings if f.code == code]
        assert len(remaining) <= len(unfixable), (code, fixed)
    again, applied_again, _ = fix_text(fixed, str(path), OPTIONS, level)
    assert again == fixed and applied_again == 0


def _diff_target(tmp_path, name="app.py"):
    source = FIXTURES / "autofix" / "s3_thumbnails.py"
    target = tmp_path / name
    shutil.copy(source, target)
    return source, target


def test_diff_applies_with_patch_p1(tmp_path):
    if shutil.which("patch") is None:
        pytest.skip("the `patch` program is not installed")
    source, target = _diff_target(tmp_path)
    result = run_cli("check", "--diff", "app.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("--- a/app.py\n+++ b/app.py\n")  # only the patch on stdout
    assert "Would fix" in result.stderr
    assert target.read_text() == source.read_text()  # --diff writes nothing
    subprocess.run(["patch", "-p1"], input=result.stdout, text=True, cwd=tmp_path, check=True, capture_output=True)
    assert run_cli("check", "app.py", cwd=tmp_path).returncode == 0


def _git(*args, cwd, **kwargs):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        **kwargs,
    )


@pytest.mark.parametrize("fmt", ["text", "concise", "json"])
def test_diff_output_is_a_patch_git_apply_takes_as_it_is(tmp_path, fmt):
    (tmp_path / "src").mkdir()
    source, target = _diff_target(tmp_path / "src")
    shutil.copy(FIXTURES / "autofix" / "sqs_batch.py", tmp_path / "batch.py")
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    _git("commit", "-q", "-m", "start", cwd=tmp_path)
    result = run_cli("check", "--diff", "--format", fmt, ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("--- a/")
    _git("apply", "--check", "-", input=result.stdout, text=True, cwd=tmp_path)
    _git("apply", "-", input=result.stdout, text=True, cwd=tmp_path)
    fixed, _, _ = fix_text(source.read_text(), "src/app.py", OPTIONS, "safe")
    assert target.read_text() == fixed


def test_diff_counts_are_what_fix_does(tmp_path):
    """--diff says what --fix then does: the same fixed and remaining counts."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for flags in ([], ["--unsafe-fixes"]):
        diff = run_cli("check", "--diff", *flags, "examples", cwd=tmp_path)
        would = re.search(r"Would fix (\d+) findings? \((\d+) remaining", diff.stderr)
        assert would, diff.stderr
        work = tmp_path / f"fixed{len(flags)}"
        shutil.copytree(tmp_path / "examples", work)
        fix = run_cli("check", "--fix", *flags, work.name, cwd=tmp_path)
        fixed = re.search(r"Fixed (\d+) findings? \((\d+) remaining", fix.stdout)
        assert fixed, fix.stdout
        assert would.groups() == fixed.groups()
        assert int(would.group(1)) > 0


def test_fix_summary_counts_safe_and_unsafe(tmp_path):
    shutil.copy(FIXTURES / "autofix" / "sqs_batch.py", tmp_path / "batch.py")
    shutil.copy(FIXTURES / "autofix" / "s3_thumbnails.py", tmp_path / "thumbs.py")
    result = run_cli("check", "--fix", ".", cwd=tmp_path)
    assert "Fixed 2 findings (1 remaining; 1 more fixable with `--fix --unsafe-fixes`)." in result.stdout
    assert result.returncode == 1
    result = run_cli("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "Fixed 1 finding (0 remaining)." in result.stdout
    assert result.returncode == 0


def test_a_client_filling_in_a_parameter_is_reported_but_never_moved(tmp_path):
    """`if client is None: client = boto3.client(...)` where no caller passes a client: built
    on every call, but moving it to module level would leave the parameter None."""
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    source = (
        "import boto3\n\n\n"
        "def buckets(client=None):\n"
        "    if client is None:\n"
        '        client = boto3.client("s3")\n'
        "    return client.list_buckets()\n\n\n"
        "def handler(event, context):\n"
        "    return buckets()\n"
    )
    (tmp_path / "app.py").write_text(source)
    result = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", "--output-format", "concise", ".", cwd=tmp_path)
    assert result.stdout.splitlines()[0].startswith("app.py:6:18: LAM201 AWS SDK client `boto3.client(\"s3\")`")
    assert result.returncode == 1
    assert (tmp_path / "app.py").read_text() == source


def test_a_reset_that_belongs_in_another_files_handler_is_suggested_not_offered_as_a_fix(tmp_path):
    """The list lives in routes.py, the handler that should reset it in app.py: the fix of
    routes.py cannot edit app.py, so none is offered (an empty one would claim a fix)."""
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "routes.py").write_text(
        'done = []\n\n\ndef route(event):\n    done.append(event["step"])\n    return done\n'
    )
    (tmp_path / "app.py").write_text(
        "from routes import route\n\n\ndef lambda_handler(event, context):\n    return route(event)\n"
    )
    result = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["path"], finding["line"], finding["code"], finding["fix"]) == ("routes.py", 5, "LAM101", None)
    assert "at the top of `lambda_handler` in app.py (importing it from this module)" in finding["suggestion"]


# -- behaviour across warm invocations (moto stands in for AWS) ----------------------------

moto = pytest.importorskip("moto")


def _original_and_fixed(tmp_path, fixture, level="unsafe"):
    source = (FIXTURES / "autofix" / fixture).read_text()
    fixed, applied, _ = fix_text(source, fixture, OPTIONS, level)
    assert applied and fixed != source
    (tmp_path / "original.py").write_text(source)
    (tmp_path / "fixed.py").write_text(fixed)
    stem = fixture.replace(".py", "")
    return load_module(tmp_path / "original.py", f"orig_{stem}"), load_module(tmp_path / "fixed.py", f"fixed_{stem}")


def test_s3_thumbnails_behaves_the_same_when_warm(tmp_path, aws):
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="uploads")
    s3.create_bucket(Bucket="thumbs")
    boto3.client("dynamodb").create_table(
        TableName="audit",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    original, fixed = _original_and_fixed(tmp_path, "s3_thumbnails.py")
    for n in range(3):
        key = f"img{n}.png"
        s3.put_object(Bucket="uploads", Key=key, Body=b"0123456789abcdef")
        event = {"Records": [{"s3": {"bucket": {"name": "uploads"}, "object": {"key": key}}}]}
        assert original.lambda_handler(event, None) == fixed.lambda_handler(event, None) == {"written": [key]}
    assert s3.get_object(Bucket="thumbs", Key="thumb/img2.png")["Body"].read() == b"0123456789"


def test_sqs_batch_behaves_the_same_when_warm(tmp_path, aws, monkeypatch):
    import boto3

    url = boto3.client("sqs").create_queue(QueueName="out")["QueueUrl"]
    monkeypatch.setenv("OUT_QUEUE", url)
    original, fixed = _original_and_fixed(tmp_path, "sqs_batch.py")
    event = {"Records": [{"messageId": "1", "body": "a"}, {"messageId": "2", "body": "b"}]}
    for _ in range(3):
        assert original.handler(event, None) == fixed.handler(event, None) == {"batchItemFailures": []}
    assert (
        boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "12"
    )
