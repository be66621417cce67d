"""LAM201 on database connections, through the installed CLI: a connection built per request
is kept behind a getter that checks it (never bare at module level, where LAM205 would find it
stale), and never moved when the invocation path closes, rebinds or scopes it."""

import json
import textwrap

import pytest
from conftest import run_cli


def project(tmp_path, source):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    return tmp_path


def findings(cwd, *args):
    result = run_cli("check", "--no-cache", "--format", "json", *args, ".", cwd=cwd)
    return json.loads(result.stdout)["findings"]


PSYCOPG2 = """\
    import os

    import psycopg2


    def lambda_handler(event, context):
        conn = psycopg2.connect(os.environ["DATABASE_URL"])
        with conn.cursor() as cur:
            cur.execute("SELECT total FROM orders WHERE id = %s", (event["id"],))
            return cur.fetchone()[0]
"""

PSYCOPG2_FIXED = """\
    import os

    import psycopg2

    _conn = None


    def _get_conn():
        global _conn
        if _conn is not None:
            try:
                _conn.rollback()
                with _conn.cursor() as cursor:
                    cursor.execute("SELECT 1")
                _conn.rollback()
            except psycopg2.Error:
                _conn = None
        if _conn is None:
            _conn = psycopg2.connect(os.environ["DATABASE_URL"])
        return _conn


    def lambda_handler(event, context):
        conn = _get_conn()
        with conn.cursor() as cur:
            cur.execute("SELECT total FROM orders WHERE id = %s", (event["id"],))
            return cur.fetchone()[0]
"""


def test_psycopg2_connection_goes_behind_a_checking_getter_as_an_unsafe_fix(tmp_path):
    app = project(tmp_path, PSYCOPG2)
    [finding] = findings(app)
    assert (finding["code"], finding["line"], finding["column"]) == ("LAM201", 7, 12)
    assert finding["fix"]["applicability"] == "unsafe"
    assert "_get_conn()" in finding["fix"]["description"]
    assert "_get_conn()" in finding["suggestion"]
    # safe fixes leave it alone: a database connection is never a safe hoist
    assert run_cli("check", "--no-cache", "--fix", ".", cwd=app).returncode == 1
    assert (app / "app.py").read_text() == textwrap.dedent(PSYCOPG2)
    diff = run_cli("check", "--no-cache", "--diff", "--unsafe-fixes", ".", cwd=app).stdout
    result = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=app)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = (app / "app.py").read_text()
    assert fixed == textwrap.dedent(PSYCOPG2_FIXED)
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added and all(line in fixed.splitlines() for line in added)
    # the fixed code is clean for every rule, LAM205 included, and a second run changes nothing
    assert findings(app, "--select", "ALL") == []
    run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=app)
    assert (app / "app.py").read_text() == fixed


def test_main_safe_hoist_of_a_connection_is_gone(tmp_path):
    """Before: `conn = psycopg2.connect(...)` was moved bare to module level as a *safe* fix."""
    app = project(tmp_path, PSYCOPG2)
    diff = run_cli("check", "--no-cache", "--diff", ".", cwd=app).stdout
    assert "+conn = psycopg2.connect" not in diff and diff == ""


def test_each_driver_gets_its_own_check(tmp_path):
    app = project(
        tmp_path,
        """\
        import os

        import mysql.connector
        import pymongo
        import redis
        from sqlalchemy import create_engine


        def handler(event, context):
            db = mysql.connector.connect(host=os.environ["DB_HOST"], user="app")
            cache = redis.Redis(host="cache")
            mongo = pymongo.MongoClient(os.environ["MONGO_URL"])
            engine = create_engine(os.environ["DB_URL"], echo=False)
            cache.incr(event["id"])
            mongo.db.orders.find_one({"_id": event["id"]})
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return db.cursor().execute("SELECT 1")
    """,
    )
    result = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=app)
    assert result.returncode == 0, result.stdout + result.stderr
    fixed = (app / "app.py").read_text()
    assert "_db.ping(reconnect=True)" in fixed and "except mysql.connector.Error:" in fixed
    assert fixed.count("import mysql.connector") == 1
    # redis-py and pymongo replace dropped connections themselves: opened once, never probed
    assert "    if _cache is None:\n        _cache = redis.Redis(host=\"cache\")\n    return _cache\n" in fixed
    assert '    if _mongo is None:\n        _mongo = pymongo.MongoClient(os.environ["MONGO_URL"])\n' in fixed
    assert "_cache.ping()" not in fixed and "except redis" not in fixed
    assert "admin.command" not in fixed and "except pymongo" not in fixed
    assert '_engine = create_engine(os.environ["DB_URL"], echo=False, pool_pre_ping=True)' in fixed
    for name in ("db", "cache", "mongo", "engine"):
        assert f"    {name} = _get_{name}()\n" in fixed
    compile(fixed, "app.py", "exec")
    assert findings(app, "--select", "ALL") == []


@pytest.mark.parametrize(
    "body, why",
    [
        (
            """\
        conn = psycopg2.connect(DSN)
        try:
            return conn.cursor().execute("SELECT 1")
        finally:
            conn.close()
    """,
            "closes it",
        ),
        (
            """\
        with psycopg2.connect(DSN) as conn:
            return conn.cursor().execute("SELECT 1")
    """,
            "context manager",
        ),
        (
            """\
        conn = psycopg2.connect(DSN)
        with conn:
            return conn.cursor().execute("SELECT 1")
    """,
            "context manager",
        ),
        (
            """\
        conn = psycopg2.connect(DSN)
        conn.cursor().execute("SELECT 1")
        conn = psycopg2.connect(DSN + " application_name=second")
        return conn
    """,
            None,
        ),
        (
            """\
        conn = psycopg2.connect(DSN)
        return finish(conn)
    """,
            "finish",
        ),
        (
            """\
        conn = psycopg2.connect(DSN)
        return conn
    """,
            "returns it",
        ),
    ],
)
def test_no_fix_when_the_invocation_path_ends_or_replaces_the_connection(tmp_path, body, why):
    source = (
        textwrap.dedent("""\
        import os

        import psycopg2

        DSN = os.environ["DATABASE_URL"]


        def finish(connection):
            connection.commit()
            connection.close()


        def work():
    """)
        + textwrap.indent(textwrap.dedent(body), "    ")
        + textwrap.dedent("""\


        def handler(event, context):
            return work()
    """)
    )
    app = project(tmp_path, source)
    found = [f for f in findings(app, "--select", "LAM201")]
    assert found and all(f["fix"] is None for f in found), found
    if why:
        assert why in found[0]["suggestion"]
    assert run_cli("check", "--no-cache", "--diff", "--unsafe-fixes", ".", cwd=app).stdout == ""


def test_a_connection_factory_is_not_cached_forever(tmp_path):
    app = project(
        tmp_path,
        """\
        import os

        import pymysql


        def get_connection():
            return pymysql.connect(host=os.environ["DB_HOST"])


        def handler(event, context):
            return get_connection().cursor().execute("SELECT 1")
    """,
    )
    [finding] = findings(app, "--select", "LAM201")
    assert finding["fix"] is None
    assert "getter" in finding["suggestion"]
