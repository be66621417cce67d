"""`--fix` never loses a byte: encoding, BOM, line endings, mode and links survive, the
write is atomic, and a file changed since it was read is left alone."""

import os
import signal
from collections import Counter

import pytest
from conftest import run_cli
from test_cli import BAD, GOOD

from lambdalint import engine, files
from lambdalint.config import Config
from lambdalint.engine import Options, check_file
from lambdalint.files import write_atomic


def fix(tmp_path, *paths):
    result = run_cli("check", "--fix", "--no-cache", *paths, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Fixed" in result.stdout
    return result


def leftovers(directory):
    return [p for p in os.listdir(directory) if p.startswith(".lambdalint-")]


def test_crlf_stays_crlf(tmp_path):
    (tmp_path / "app.py").write_bytes(BAD.replace("\n", "\r\n").encode())
    fix(tmp_path, "app.py")
    assert (tmp_path / "app.py").read_bytes() == GOOD.replace("\n", "\r\n").encode()


def test_mixed_line_endings_keep_each_line_ending(tmp_path):
    lines = BAD.splitlines(keepends=True)
    mixed = "".join(line.replace("\n", "\r\n") if i % 2 else line for i, line in enumerate(lines))
    (tmp_path / "app.py").write_bytes(mixed.encode())
    fix(tmp_path, "app.py")
    fixed = (tmp_path / "app.py").read_bytes().decode()
    assert fixed.replace("\r\n", "\n") == GOOD
    # Every original line is still there with its own ending (the moved one dedented); the
    # only new lines are blank.
    before, after = (Counter(line.lstrip(" ") for line in text.splitlines(keepends=True)) for text in (mixed, fixed))
    assert not before - after
    assert all(line.strip() == "" for line in after - before)


def test_latin1_with_coding_cookie_stays_latin1(tmp_path):
    cookie = "# -*- coding: latin-1 -*-\n"
    (tmp_path / "app.py").write_bytes((cookie + BAD.replace('"s3"', '"s3-é"')).encode("latin-1"))
    fix(tmp_path, "app.py")
    data = (tmp_path / "app.py").read_bytes()
    assert data == (cookie + GOOD.replace('"s3"', '"s3-é"')).encode("latin-1")
    assert b"\xe9" in data


def test_bom_is_kept(tmp_path):
    (tmp_path / "app.py").write_bytes(b"\xef\xbb\xbf" + BAD.encode())
    fix(tmp_path, "app.py")
    assert (tmp_path / "app.py").read_bytes() == b"\xef\xbb\xbf" + GOOD.encode()


def test_mode_is_kept_and_no_temporary_file_remains(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(BAD)
    path.chmod(0o754)
    fix(tmp_path, "app.py")
    assert path.read_text() == GOOD
    assert oct(path.stat().st_mode & 0o7777) == oct(0o754)
    assert leftovers(tmp_path) == []


def test_a_symlink_stays_a_link_and_its_target_is_fixed(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "app.py").write_text(BAD)
    os.symlink("real/app.py", tmp_path / "link.py")
    fix(tmp_path, "link.py")
    assert os.readlink(tmp_path / "link.py") == "real/app.py"
    assert (tmp_path / "real" / "app.py").read_text() == GOOD


def test_file_changed_since_it_was_read_is_not_written(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_text(BAD)
    edited = BAD + "# edited in the editor meanwhile\n"
    real_fix_text = engine.fix_text

    def fix_while_someone_edits(*args, **kwargs):
        out = real_fix_text(*args, **kwargs)
        path.write_text(edited)
        return out

    monkeypatch.setattr(engine, "fix_text", fix_while_someone_edits)
    report = check_file(str(path), "app.py", Options(Config(), fix="safe"))
    assert [e.message for e in report.errors] == ["changed on disk while lambdalint was running; not fixed"]
    assert report.fixed == 0 and [f.code for f in report.findings] == ["LAM201"]
    assert path.read_text() == edited
    assert leftovers(tmp_path) == []


def test_interrupt_inside_the_write_leaves_the_file_untouched(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    path.write_bytes(BAD.encode())

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(path), GOOD.encode(), BAD.encode())
    assert path.read_bytes() == BAD.encode()
    assert leftovers(tmp_path) == []


def test_ctrl_c_during_the_write_is_held_until_the_file_is_replaced(tmp_path, monkeypatch):
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("the test runner replaced the SIGINT handler")
    path = tmp_path / "app.py"
    path.write_bytes(BAD.encode())
    real_fsync = os.fsync

    def ctrl_c_then_fsync(fd):
        os.kill(os.getpid(), signal.SIGINT)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", ctrl_c_then_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(path), GOOD.encode(), BAD.encode())
    assert path.read_bytes() == GOOD.encode()
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_unencodable_fix_is_refused(tmp_path):
    path = tmp_path / "app.py"
    path.write_bytes(b"x = 1\n")
    source = files.decode(b"x = 1\n")
    message = files.write_fixed(str(path), source.__class__("x = 'é'\n", "ascii", False), "x = 'é'\n", b"x = 1\n")
    assert message.startswith("cannot write fix: the fixed code has 'é', which ascii cannot encode")
    assert path.read_bytes() == b"x = 1\n"


def test_a_fixer_failure_keeps_the_findings_and_writes_nothing(tmp_path, monkeypatch):
    from lambdalint import fixer

    def broken_apply(*args):
        raise RuntimeError("fixer bug")

    monkeypatch.setattr(fixer, "apply", broken_apply)
    path = tmp_path / "app.py"
    path.write_text(BAD)
    report = check_file(str(path), "app.py", Options(Config(), fix="safe"))
    assert [f.code for f in report.findings] == ["LAM201"]
    (error,) = report.errors
    assert error.message.startswith("internal error in the fixer: RuntimeError: fixer bug;")
    assert error.message.endswith("; not fixed")
    assert path.read_text() == BAD and report.fixed == 0


def test_fixing_a_unit_lints_it_as_often_as_it_has_fixes_not_members(tmp_path, monkeypatch):
    """Each lint of a unit analyses every member, so `--fix` shares one lint among the
    members and lints again only after a fix changes a module the others see: on a unit of
    41 modules with fixes in two, a handful of lints, not one or more per member."""
    from lambdalint import cli

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "lib").mkdir()
    names = [f"m{number}" for number in range(40)]
    for name in names:
        (tmp_path / "lib" / f"{name}.py").write_text(f"def {name}():\n    return {name!r}\n")
    (tmp_path / "lib" / "m7.py").write_text(
        "import boto3\n\n\ndef m7():\n    queues = boto3.client('sqs')\n    return queues.list_queues()\n"
    )
    imports = "".join(f"from lib.{name} import {name}\n" for name in names)
    calls = " + ".join(f"{name}()" for name in names[:3]) + " + str(m7())"
    (tmp_path / "handler.py").write_text(
        f"import boto3\n{imports}\n\ndef handler(event, context):\n"
        f"    client = boto3.client('s3')\n    return client, {calls}\n"
    )
    analyses = Counter()
    analyse = engine.Unit.analyse

    def counted(self):
        analyses["unit"] += 1
        return analyse(self)

    monkeypatch.setattr(engine.Unit, "analyse", counted)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--no-cache", "--fix", "--quiet", "."]) == 0
    assert "client = boto3.client('s3')\n\n\ndef handler" in (tmp_path / "handler.py").read_text()
    assert "queues = boto3.client('sqs')\n\n\ndef m7" in (tmp_path / "lib" / "m7.py").read_text()
    # One lint for all, then for each fixed module: its fix pass, a check that it is
    # stable, a lint for the others; and one at the end for the reports.
    assert analyses["unit"] <= 8, analyses
