"""LAM205 stale-connection through the installed CLI and flake8."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import run_cli

FLAKE8 = Path(sys.executable).with_name("flake8")

APP = textwrap.dedent('''\
    import os

    import pymysql
    from sqlalchemy import create_engine

    db = pymysql.connect(host=os.environ["DB_HOST"], user="app")
    engine = create_engine(os.environ["DB_URL"])


    def load(order_id):
        with db.cursor() as cursor:
            cursor.execute("SELECT total FROM orders WHERE id = %s", (order_id,))
            return cursor.fetchone()


    def handler(event, context):
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return load(event["id"])
''')


def write_app(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def check_json(cwd, *args):
    result = run_cli("check", "--no-cache", "--select", "LAM205", "--format", "json", *args, ".", cwd=cwd)
    return result, json.loads(result.stdout)


def test_reports_each_module_level_connection_at_its_construction(tmp_path):
    result, doc = check_json(write_app(tmp_path))
    assert result.returncode == 1, result.stderr
    found = [(f["path"], f["line"], f["column"], f["message"]) for f in doc["findings"]]
    assert found == [
        (
            "app.py",
            6,
            6,
            "database connection `pymysql.connect(host=os.environ[\"DB_HOST\"], user=\"app\")` "
            "is opened once and kept in `db` with no reconnect: after the database drops the idle "
            "connection, every warm request that uses it fails",
        ),
        (
            "app.py",
            7,
            10,
            "connection pool `create_engine(os.environ[\"DB_URL\"])` is opened once and "
            "kept in `engine` with no reconnect: after the database drops the idle connection, every warm "
            "request that uses it fails",
        ),
    ]
    assert "`db` is used by `load`" in doc["findings"][0]["suggestion"]
    assert [f["fix"]["applicability"] for f in doc["findings"]] == ["unsafe", "unsafe"]


def test_unsafe_fix_pings_where_used_and_pre_pings_the_pool(tmp_path):
    app = write_app(tmp_path)
    assert run_cli("check", "--no-cache", "--select", "LAM205", "--fix", ".", cwd=app).returncode == 1
    assert (app / "app.py").read_text() == APP  # unsafe fixes only when asked for
    diff = run_cli("check", "--no-cache", "--select", "LAM205", "--diff", "--unsafe-fixes", ".", cwd=app).stdout
    result = run_cli("check", "--no-cache", "--select", "LAM205", "--fix", "--unsafe-fixes", ".", cwd=app)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = (app / "app.py").read_text()
    assert 'engine = create_engine(os.environ["DB_URL"], pool_pre_ping=True)' in fixed
    assert "def load(order_id):\n    db.ping(reconnect=True)\n    with db.cursor()" in fixed
    assert "def handler(event, context):\n    with engine" in fixed  # the handler never touches db
    assert "+    db.ping(reconnect=True)" in diff and "pool_pre_ping=True" in diff
    again = run_cli("check", "--no-cache", "--select", "LAM205", "--fix", "--unsafe-fixes", ".", cwd=app)
    assert again.returncode == 0 and (app / "app.py").read_text() == fixed


def test_flake8_reports_the_same(tmp_path):
    app = write_app(tmp_path)
    result = subprocess.run(
        [str(FLAKE8), "--isolated", "--select", "LAM205", "app.py"],
        cwd=app,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert [line.split(" ", 2)[:2] for line in result.stdout.splitlines()] == [
        ["app.py:6:6:", "LAM205"],
        ["app.py:7:10:", "LAM205"],
    ]
