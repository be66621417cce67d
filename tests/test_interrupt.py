"""Killing `lambdalint check --fix` mid-run (Ctrl-C, SIGINT to the process, SIGKILL) on a
tree of many fixable files: every file is byte-identical to its original or to its fully
fixed version, Ctrl-C exits 130 and leaves no temporary file, and a temporary file left by
SIGKILL is never linted."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import lambdalint_command, run_cli
from test_bad_input import plugin_env
from test_cli import BAD, GOOD

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="process groups and SIGKILL are POSIX")]

COPIES = 300
BLOCK = "\n\ndef lambdalint_test_block():\n    pass\n"  # see tests/plugins/extra_rules
WAIT = 240  # seconds; a generous bound for a loaded machine, not a timing assertion


def make_tree(root: Path, blocker: int = None):
    expected = {}
    for i in range(COPIES):
        path = root / f"pkg{i // 100}" / f"handler_{i:03d}.py"
        path.parent.mkdir(exist_ok=True)
        extra = BLOCK if i == blocker else ""
        path.write_bytes((BAD + extra).encode())
        expected[path] = ((BAD + extra).encode(), (GOOD + extra).encode())
    return expected


@pytest.fixture
def start():
    """Start `lambdalint check --fix` in its own process group (as a terminal job is); the
    group is killed at the end if a failed test left it running."""
    started = []

    def run(root: Path, *options, env=None):
        process = subprocess.Popen(
            [lambdalint_command(), "check", "--fix", "--no-cache", *options, "."],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env=env,
        )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def wait_for(condition, process):
    deadline = time.monotonic() + WAIT
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def states(expected):
    """{path: "original" | "fixed"}; fails on anything else (a partial write)."""
    out = {}
    for path, (original, fixed) in expected.items():
        data = path.read_bytes()
        assert data in (original, fixed), f"{path} is neither original nor fixed:\n{data!r}"
        out[path] = "fixed" if data == fixed else "original"
    return out


def temporary_files(root: Path):
    return sorted(str(p.relative_to(root)) for p in root.rglob(".lambdalint-*"))


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("target", ["process-group", "parent-only"])
def test_ctrl_c_at_a_known_point_exits_130_and_leaves_whole_files(tmp_path, start, jobs, target):
    blocker = COPIES // 2
    expected = make_tree(tmp_path, blocker)
    marker = tmp_path.parent / f"{tmp_path.name}.blocked"
    process = start(tmp_path, "--jobs", jobs, env=plugin_env(LAMBDALINT_TEST_BLOCKED=str(marker)))
    reached = wait_for(marker.exists, process)
    assert reached, process.communicate()
    if target == "process-group":  # what Ctrl-C in a terminal does
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=WAIT)
    assert process.returncode == 130, out + err
    assert "interrupted" in err and "Traceback" not in err
    state = states(expected)
    assert state[next(p for p in expected if p.name == f"handler_{blocker:03d}.py")] == "original"
    assert "fixed" in state.values()
    assert temporary_files(tmp_path) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_while_fixing(tmp_path, start, sig):
    expected = make_tree(tmp_path)
    first = next(iter(expected))
    process = start(tmp_path)
    wait_for(lambda: first.read_bytes() != expected[first][0], process)
    os.killpg(process.pid, sig)  # the whole job, workers included
    out, err = process.communicate(timeout=WAIT)
    state = states(expected)
    if sig == signal.SIGINT:
        assert process.returncode in (130, 0), out + err
        if "original" in state.values():
            assert process.returncode == 130
        assert temporary_files(tmp_path) == []
    else:
        assert process.returncode in (-signal.SIGKILL, 0)
        # A temporary file may survive SIGKILL; it is never a .py file, so never linted.
        assert all(name.endswith(".tmp") for name in temporary_files(tmp_path))
    again = run_cli("check", "--fix", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert set(states(expected).values()) == {"fixed"}
