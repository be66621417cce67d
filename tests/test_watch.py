"""`check --watch` through the installed command: it re-lints on change until SIGINT."""

import queue
import signal
import subprocess
import threading
import time

import pytest
from conftest import default_cache_env, lambdalint_command
from test_cli import BAD, GOOD
from test_cli_options import TWO

pytestmark = pytest.mark.slow  # real processes, runners or many CLI runs


class Reader:
    """Lines of a process's output as they come (a thread reads them), with a deadline."""

    def __init__(self, process):
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, args=(process.stdout,), daemon=True).start()

    def _pump(self, stream):
        for line in stream:
            self.lines.put(line)

    def until(self, text, timeout=60):
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {text!r} within {timeout} s; output so far:\n{''.join(self.seen)}")
            try:
                self.seen.append(self.lines.get(timeout=min(left, 0.5)))
            except queue.Empty:
                pass

    def rest(self, timeout=10):
        out = []
        try:
            while True:
                out.append(self.lines.get(timeout=timeout))
        except queue.Empty:
            return "".join(out)

    def clear(self):
        self.seen = []


def test_watch_relints_changed_files_and_stops_on_sigint(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "other.py").write_text(GOOD)
    process = subprocess.Popen(
        [lambdalint_command(), "check", "--watch", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env=default_cache_env(),
    )
    try:
        out = Reader(process)
        out.until("Found 1 finding in 1 file")
        out.clear()
        (tmp_path / "app.py").write_text(GOOD)
        out.until("No findings in 2 files checked.")
        assert any("File change detected (app.py)" in line for line in out.seen)
        out.clear()
        (tmp_path / "other.py").write_text(TWO)
        out.until("Found 2 findings in 1 file")
        assert any(line.startswith("other.py:5:5: LAM203") for line in out.seen)
        assert (tmp_path / ".lambdalint_cache").is_dir()  # runs go through the result cache
        out.clear()
        (tmp_path / "notes.txt").write_text("not watched\n")  # not a file lambdalint reads
        time.sleep(1.5)
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        rest = out.rest(timeout=2)
        assert "File change detected" not in "".join(out.seen) + rest
        assert "lambdalint: interrupted" in rest and "Traceback" not in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
