import atexit
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from lambdalint.config import Config
from lambdalint.engine import Options, lint_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Nothing a test runs may write into the checkout: every lambdalint the tests start (in this
# process or as a subprocess) keeps its result cache in a temporary directory, and
# hypothesis keeps no example database in the working directory.
TEST_CACHE = tempfile.mkdtemp(prefix="lambdalint-test-cache-")
os.environ["LAMBDALINT_CACHE_DIR"] = TEST_CACHE
atexit.register(shutil.rmtree, TEST_CACHE, ignore_errors=True)
settings.register_profile("lambdalint", database=None)
settings.load_profile("lambdalint")


def default_cache_env(**extra):
    """The environment without the tests' cache directory: the cache goes where a user's
    would (`.lambdalint_cache/` in the project root)."""
    env = {k: v for k, v in os.environ.items() if k != "LAMBDALINT_CACHE_DIR"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def lambdalint_command():
    """The installed console script (the real interface), next to this interpreter."""
    script = Path(sys.executable).with_name("lambdalint")
    found = str(script) if script.exists() else shutil.which("lambdalint")
    assert found, "the lambdalint console script is not installed"
    return found


def run_cli(*args, cwd=None, input=None, env=None, **popen):
    """The installed `lambdalint` with `args`; stdout and stderr captured (pass
    `stderr=subprocess.STDOUT` to read both as one stream, as a terminal shows them)."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        [lambdalint_command(), *map(str, args)],
        cwd=cwd,
        input=input,
        text=True,
        env=env,
        timeout=300,
        **popen,
    )


def lint(source: str, path: str = "handler.py", config: Config = None, **options):
    result = lint_text(source, path, Options(config or Config(), **options))
    assert not result.errors, result.errors
    return result.findings


def expected_findings(text: str):
    """{(line, code)} from `# expect: LAM201, LAM202` comments in a fixture."""
    out = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for code in match.group(1).replace(",", " ").split():
                out.add((number, code))
    return out


PROJECTS = FIXTURES / "projects"  # multi-file apps, linted whole (tests/test_projects.py)


def fixture_files():
    """Single-file fixtures: each is linted on its own."""
    return sorted(p for p in FIXTURES.rglob("*.py") if PROJECTS not in p.parents)


def project_dirs():
    return sorted(p for p in PROJECTS.iterdir() if p.is_dir())


def project_expectations(root):
    """{(path relative to the project, line, code)} from the `# expect:` comments of every
    Python file of a fixture project."""
    out = set()
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        out.update((rel, line, code) for line, code in expected_findings(path.read_text()))
    return out


@pytest.fixture
def cli():
    return run_cli


def load_module(path, name):
    """Import a module from a file (an original or fixed handler) under a unique name."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch):
    """moto stands in for AWS, with fake credentials in one region."""
    moto = pytest.importorskip("moto")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        yield
