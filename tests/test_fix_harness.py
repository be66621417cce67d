"""The database fixes keep behaviour across warm invocations: the original and the fixed
module (fixed by the installed CLI) run in one process, several invocations each, over fake
drivers with the drivers' own API whose server drops every connection between some
invocations, as a database's idle timeout does."""

import shutil

import fake_db_drivers
import pytest
from conftest import FIXTURES, load_module, run_cli

AUTOFIX = FIXTURES / "autofix"
ENV = {
    "ORDERS_DSN": "dbname=orders",
    "AUDIT_HOST": "audit.internal",
    "CACHE_HOST": "cache.internal",
    "ORDERS_URL": "postgresql://app@orders.internal/orders",
}
EVENTS = [{"id": "a"}, {"id": "bb"}, {"id": "bb", "query": "SELEC total"}, {"id": "ccc"}, {"id": "a"}, {"id": "dddd"}]
DROP_BEFORE = {1, 3, 5}  # the database closed the idle connections before these invocations


@pytest.fixture
def environment(monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def fixed_copy(tmp_path, name, code):
    """The fixture and the file `lambdalint check --fix --unsafe-fixes` makes of it."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "pyproject.toml").write_text("[tool.lambdalint]\n")
    shutil.copy(AUTOFIX / name, app / "original.py")
    shutil.copy(AUTOFIX / name, app / "fixed.py")
    result = run_cli("check", "--no-cache", "--select", code, "--fix", "--unsafe-fixes", "fixed.py", cwd=app)
    assert result.returncode == 0, result.stdout + result.stderr  # every finding fixed
    fixed = (app / "fixed.py").read_text()
    assert fixed != (AUTOFIX / name).read_text()
    return app / "original.py", app / "fixed.py"


def load(monkeypatch, path, name):
    """The module over fresh fake drivers and its own server."""
    server = fake_db_drivers.install(monkeypatch)
    return load_module(path, name), server


def invoke(module, server, entry, drops):
    """Responses of every event (or the exception), with the idle timeout before `drops`."""
    out = []
    for index, event in enumerate(EVENTS):
        if index in drops:
            server.drop_idle()
        try:
            out.append(getattr(module, entry)(dict(event), None))
        except Exception as exc:  # recorded: a new exception is what the fix must never add
            out.append(("raised", type(exc).__name__))
    return out


def test_lam201_connections_behind_a_getter_answer_as_fresh_ones(tmp_path, monkeypatch, environment):
    original_path, fixed_path = fixed_copy(tmp_path, "db_per_request.py", "LAM201")
    fixed_text = fixed_path.read_text()
    assert "def _get_orders():" in fixed_text and "orders = _get_orders()" in fixed_text
    original, original_server = load(monkeypatch, original_path, "lam201_db_original")
    fixed, fixed_server = load(monkeypatch, fixed_path, "lam201_db_fixed")
    expected = invoke(original, original_server, "lambda_handler", DROP_BEFORE)
    assert not any(isinstance(r, tuple) for r in expected), expected
    assert invoke(fixed, fixed_server, "lambda_handler", DROP_BEFORE) == expected
    assert fixed_server.committed == original_server.committed
    # Event 2's statement failed and aborted the psycopg2 transaction; event 4 runs on the same
    # connection (no idle timeout between them) and is answered because the getter rolled back.
    assert expected[2]["error"] and expected[4] == {"id": "a", "total": 10, "hits": 2}
    # Reused when warm: the original opens a connection per driver and request.
    assert fixed_server.opened < original_server.opened


def test_lam201_fix_survives_without_drops_too(tmp_path, monkeypatch, environment):
    original_path, fixed_path = fixed_copy(tmp_path, "db_per_request.py", "LAM201")
    original, original_server = load(monkeypatch, original_path, "lam201_db_original_nodrop")
    fixed, fixed_server = load(monkeypatch, fixed_path, "lam201_db_fixed_nodrop")
    assert invoke(fixed, fixed_server, "lambda_handler", set()) == invoke(
        original, original_server, "lambda_handler", set()
    )
    assert fixed_server.opened == 3  # one connection per driver for the whole environment


def test_lam205_fix_gives_a_way_back_after_the_idle_timeout(tmp_path, monkeypatch, environment):
    original_path, fixed_path = fixed_copy(tmp_path, "db_kept_stale.py", "LAM205")
    fixed_text = fixed_path.read_text()
    assert "    audit.ping(reconnect=True)\n" in fixed_text and "pool_pre_ping=True" in fixed_text
    reference, reference_server = load(monkeypatch, original_path, "lam205_reference")
    expected = invoke(reference, reference_server, "handler", set())  # never idle: all answered
    assert not any(isinstance(r, tuple) for r in expected), expected
    stale, _ = load(monkeypatch, original_path, "lam205_stale")
    stale_results = invoke(stale, _, "handler", DROP_BEFORE)
    assert stale_results[1] == ("raised", "OperationalError")  # the finding is real
    fixed, fixed_server = load(monkeypatch, fixed_path, "lam205_fixed")
    assert invoke(fixed, fixed_server, "handler", DROP_BEFORE) == expected
    assert fixed_server.committed == reference_server.committed
