"""The premise of LAM401, checked for real: Init runs once, every environment resumes from
its snapshot.

A process that imports the handler module (Init) and then forks stands in for SnapStart:
each child is an execution environment resumed from the same snapshot, with the memory
Init left.  The runtime's side of `snapshot_restore_py` is played the way Lambda's Python
runtime does it: before the snapshot, the `register_before_snapshot` hooks run in reverse
order of registration; in each restored environment, the `register_after_restore` hooks run
in order (the library's own `get_before_snapshot()` / `get_after_restore()` registries).
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import FIXTURES, run_cli

pytestmark = pytest.mark.slow  # real processes, runners or many CLI runs

pytest.importorskip("snapshot_restore_py")

APP = FIXTURES / "premise" / "sandbox_identity.py"

# Init in the parent, then two forked "restores"; prints what each child's handler returned.
DRIVER = textwrap.dedent(
    """
    import importlib.util, json, os, sys, types

    spec = importlib.util.spec_from_file_location("handler_module", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # Init, once

    from snapshot_restore_py import get_after_restore, get_before_snapshot

    before = get_before_snapshot()
    while before:  # the runtime pops them: reverse order of registration
        func, args, kwargs = before.pop()
        func(*args, **kwargs)

    results = []
    for environment in range(2):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # an execution environment resumed from the snapshot
            os.close(read)
            for func, args, kwargs in get_after_restore():
                func(*args, **kwargs)
            context = types.SimpleNamespace(aws_request_id=f"request-{environment}")
            with os.fdopen(write, "w") as out:
                out.write(json.dumps(module.handler({}, context)))
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as source:
            results.append(json.loads(source.read()))
        os.waitpid(pid, 0)
    print(json.dumps(results))
    """
)


def restored_environments(path):
    result = subprocess.run([sys.executable, "-c", DRIVER, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)
    return first, second


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_values_made_at_init_are_shared_by_restored_environments_until_fixed(tmp_path):
    app = tmp_path / "app.py"
    shutil.copy(APP, app)
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\nsnapstart = true\n")

    first, second = restored_environments(app)
    assert first == second, "the premise: every environment resumed from one snapshot shares Init's values"

    flagged = json.loads(run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path).stdout)
    assert sorted((f["line"], f["code"]) for f in flagged["findings"]) == [(8, "LAM401"), (9, "LAM401"), (10, "LAM401")]

    fixed = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    text = app.read_text()
    assert "from snapshot_restore_py import register_after_restore" in text
    assert text.count("@register_after_restore") == 3

    first, second = restored_environments(app)
    for key in ("sandbox", "token", "draw"):
        assert first[key] != second[key], key
    again = json.loads(run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path).stdout)
    assert again["findings"] == []
