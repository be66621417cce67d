"""The progress bar: on stderr, for long runs, only when stderr is a terminal."""

import os
import pty
import re
import select
import subprocess
import time

from conftest import lambdalint_command
from test_cli import BAD


def _tree(root, count):
    for index in range(count):
        (root / f"h{index:03d}.py").write_text(BAD + f"\n\ndef helper_{index}():\n    return {index}\n")


def test_progress_bar_on_a_terminal(tmp_path):
    _tree(tmp_path, 120)
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [lambdalint_command(), "check", "--no-cache", "--jobs", "1", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env={**os.environ, "COLUMNS": "100", "TERM": "xterm", "LAMBDALINT_PROGRESS_DELAY": "0"},
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.wait(timeout=60) == 1
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode("utf-8", "replace"))
    assert "Checking" in text and "120/120 files" in text, text[-500:]


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    _tree(tmp_path, 120)
    result = subprocess.run(
        [lambdalint_command(), "check", "--no-cache", "--jobs", "1", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and result.stderr == ""
