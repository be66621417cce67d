"""The text output a person reads: one message line, one help line, wrapped on word
boundaries at the terminal's width, the whole reported range underlined.  Rendered through
rich at 80 and 160 columns, and in a real terminal (tmux)."""

import dataclasses
import io
import re
import shutil
import subprocess
import time
import uuid

import pytest
from conftest import ROOT, lambdalint_command

from lambdalint.config import Config
from lambdalint.engine import Options, lint_text
from lambdalint.model import FileError, FileReport
from lambdalint.output import RunResult, make_console, render_text, summary_line

EXAMPLES = ["examples/config_loader.py", "examples/orders_bad.py", "examples/state_leak.py"]


def _reports():
    out = []
    for name in EXAMPLES:
        text = (ROOT / name).read_text()
        out.append(FileReport(str(ROOT / name), lint_text(text, str(ROOT / name), Options(Config())).findings))
    return out


def _render(width):
    buffer = io.StringIO()
    console = make_console(buffer, "never")
    console.width = width  # rich's Console width, as a terminal of that size sets it
    render_text(RunResult(_reports()), console, width)
    return buffer.getvalue()


def _words(text):
    return re.findall(r"\S+", text)


@pytest.mark.parametrize("width", [80, 160])
def test_rendered_at_the_terminal_width_on_word_boundaries(width):
    text = _render(width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    findings = [f for r in _reports() for f in r.findings]
    blocks = text.strip("\n").split("\n\n")
    assert len(blocks) == len(findings)
    for finding, block in zip(findings, blocks):
        rows = block.splitlines()
        # the message: the header's words, in order, none cut in two
        head = [rows[0]] + [r for r in rows[1:] if r.startswith("    ") and not r.lstrip().startswith("|")]
        header_words = _words(" ".join(head))
        expected = _words(f"{finding.path}:{finding.line}:{finding.column}: {finding.code}") + _words(finding.message)
        assert [w for w in header_words if w != "[*]"][: len(expected)] == expected
        # one help line (wrapped or not), saying what the message does not
        helps = [r for r in rows if r.startswith("  help: ")]
        assert len(helps) == 1
        help_at = rows.index(helps[0])
        help_text = " ".join(r.strip() for r in rows[help_at:])
        assert _words(help_text) == ["help:"] + _words(finding.suggestion)
        assert "fix (" not in block and "docs:" not in block
        # the source line, and a caret under every column of the range on it
        code, marks = [r for r in rows if re.match(r"^\s*\d* \| ", r)][:2]
        gutter = code.index("| ") + 2
        span = marks[gutter:]
        assert set(span.strip()) <= {"^", "…"}
        start = len(span) - len(span.lstrip())
        assert start == finding.column - 1
        if finding.end_line == finding.line and not span.endswith("…"):
            assert len(span.strip()) == finding.end_column - finding.column


def test_long_lines_are_not_wrapped_when_piped(tmp_path):
    result = subprocess.run(
        [lambdalint_command(), "check", "--no-cache", *EXAMPLES], cwd=ROOT, capture_output=True, text=True
    )
    headers = [line for line in result.stdout.splitlines() if re.match(r"examples/\S+:\d+:\d+: LAM", line)]
    assert len(headers) == len([f for r in _reports() for f in r.findings])
    assert max(len(line) for line in headers) > 160  # one line per finding, for grep and editors


def test_summary_fits_with_the_findings():
    result = RunResult(_reports())
    assert summary_line(result).startswith("Found 7 findings in 3 files")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
@pytest.mark.parametrize("width", [80, 160])
def test_in_a_real_terminal(tmp_path, width):
    session = f"lambdalint-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "done"
    command = f"cd {ROOT} && {lambdalint_command()} check --no-cache {' '.join(EXAMPLES)}; echo $? > {done}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(width), "-y", "50"], check=True)
    try:
        subprocess.run(["tmux", "send-keys", "-t", session, command, "Enter"], check=True)
        deadline = time.monotonic() + 120
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert done.read_text().strip() == "1"
        screen = subprocess.run(
            ["tmux", "capture-pane", "-t", session, "-p", "-J", "-S", "-500"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    output = screen[screen.index("examples/config_loader.py:11:5:") :]
    lines = output.splitlines()
    # -J joins lines the terminal wrapped itself: none may exceed the width, so lambdalint
    # wrapped every long line on a word boundary before the terminal had to
    assert max(len(line) for line in lines) <= width
    assert "Found 7 findings in 3 files" in " ".join(lines)
    words = set(_words(output))
    for finding in (f for r in _reports() for f in r.findings):
        for word in _words(finding.message) + _words(finding.suggestion):
            if not word.endswith("…"):
                assert word in words, word  # whole, never cut across two lines
    carets = [line for line in lines if re.match(r"^\s+\| +\^", line)]
    assert any(line.count("^") == len('boto3.resource("dynamodb")') for line in carets)


def _everything_the_text_format_writes():
    reports = _reports()
    first = reports[0].findings[0]
    reports[0].findings[0] = dataclasses.replace(
        first, call_chain=["handler.py:run", "services/db.py:get_table"], message=first.message + " [bold]x[/bold]"
    )
    reports.append(FileReport("broken.py", [], [FileError("broken.py", "syntax error at line 1, column 5: x")]))
    reports.append(FileReport("fixed.py", fixed=2, fixed_codes={"LAM201": 1, "LAM203": 1}))
    return RunResult(reports, fix_mode=True, show_fixes=True, statistics=True)


@pytest.mark.parametrize("color", ["auto", "never"])
def test_piped_text_is_byte_for_byte_what_rich_writes_to_a_pipe(monkeypatch, color):
    """Piped text skips rich's Console (its import is a tenth of linting one file)."""
    from lambdalint import output

    result = _everything_the_text_format_writes()
    result.color = color
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    plain = io.StringIO()
    output.write_text(result, plain)
    monkeypatch.setattr(output, "_plain", lambda out, color: False)
    through_rich = io.StringIO()
    output.write_text(result, through_rich)
    assert "via handler.py:run → services/db.py:get_table" in plain.getvalue()
    assert "[bold]x[/bold]" in plain.getvalue() and "Fixed 2 findings:" in plain.getvalue()
    assert plain.getvalue() == through_rich.getvalue()


def test_forced_colour_still_goes_through_rich(monkeypatch):
    from lambdalint import output

    monkeypatch.setenv("FORCE_COLOR", "1")
    colored = io.StringIO()
    output.write_text(RunResult(_reports()), colored)
    assert "\x1b[" in colored.getvalue()
    monkeypatch.delenv("FORCE_COLOR")
    piped = io.StringIO()
    output.write_text(RunResult(_reports()), piped)
    assert "\x1b[" not in piped.getvalue()
