"""LAM205 stale-connection: a database connection kept for the life of the execution
environment, with nothing that notices when the database has dropped it."""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, dotted_name, function_label
from lambdalint.catalog import (
    CHECKING_KEYWORD,
    CONNECTION_ERRORS,
    LIVENESS_ATTRIBUTES,
    RECONNECT_KEYWORDS,
    RECONNECT_METHODS,
    REOPEN_IN_PLACE,
    STALE_CONNECTIONS,
    client_kind,
)
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _restore


class StaleConnection(Rule):
    code = "LAM205"
    name = "stale-connection"
    summary = (
        "A database connection is opened once per execution environment and used by every "
        "invocation, with nothing that reconnects when the database has dropped it."
    )
    why = """
        A connection opened at module level (or lazily into a global) lives as long as the
        execution environment, and a warm environment can sit idle for minutes or hours
        between requests. Meanwhile the database closes the idle connection (MySQL
        `wait_timeout`, PostgreSQL `idle_session_timeout`, the RDS Proxy idle client timeout,
        a NAT gateway's 350-second idle timeout), fails over, or restarts. The driver still
        holds the socket as open and only finds out when the next query fails: from then on
        every warm request in that environment fails with "MySQL server has gone away",
        "server closed the connection unexpectedly" or `InterfaceError: connection already
        closed`, until Lambda happens to recycle the environment.

        Keeping the connection for reuse is right (LAM201); it needs a way back: check it
        at the start of the request and reconnect (`conn.ping(reconnect=True)` in PyMySQL
        and mysql-connector), reconnect on the driver's connection error, test it
        (`if conn.closed:`, `SELECT 1` in a `try`), or let the pool do it (SQLAlchemy
        `pool_pre_ping=True` or `pool_recycle` below the server's idle timeout, redis-py
        `health_check_interval`). RDS Proxy pools the server side, but the client's
        connection to the proxy still times out.

        Not findings: clients whose driver has its own way back. redis-py's `Redis`,
        `StrictRedis`, `Redis.from_url` and `RedisCluster` take a connection from their pool
        for every command, and `ConnectionPool.get_connection` (redis-py,
        `redis/connection.py`) tests it with `can_read()` and reconnects a socket the server
        closed; a command that fails on a connection dropped without notice disconnects it,
        so the next command opens a new one. pymongo's `MongoClient` monitors its servers
        and pools its connections: "if an operation fails because of a network error, `ConnectionFailure` is raised and
        the client reconnects in the background" (its docstring, `pymongo/mongo_client.py`).
        Neither leaves every warm request failing after the idle timeout. A connection that
        is checked, reconnected on the driver's connection error, or replaced (see above) is
        not a finding either, nor one used only at Init.
    """
    fix_safety = """
        The fix is **unsafe**: it adds work that talks to the database. For PyMySQL and
        mysql-connector it inserts `conn.ping(reconnect=True)` at the start of each function
        on the invocation path that uses the connection (a round trip per call, and a new
        connection when the old one is gone); for SQLAlchemy it adds `pool_pre_ping=True` to
        `create_engine(...)`. Other drivers (psycopg2, psycopg, pg8000) have no in-place
        reconnect, so there is no automatic fix: the suggestion says what to
        write.
    """
    references = [
        (
            "Using a Lambda function to access an Amazon RDS database",
            "https://docs.aws.amazon.com/lambda/latest/dg/services-rds.html",
        ),
        (
            "Amazon RDS Proxy: connection pooling and the idle client connection timeout",
            "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-connections.html",
        ),
        (
            "PyMySQL: Connection.ping(reconnect=True)",
            "https://pymysql.readthedocs.io/en/latest/modules/connections.html",
        ),
        (
            "psycopg2: connection.closed and OperationalError",
            "https://www.psycopg.org/docs/connection.html#connection.closed",
        ),
        (
            "SQLAlchemy: dealing with disconnects (pool_pre_ping, pool_recycle)",
            "https://docs.sqlalchemy.org/en/20/core/pooling.html#dealing-with-disconnects",
        ),
        (
            "redis-py: connection pools and retries",
            "https://redis.readthedocs.io/en/stable/connections.html",
        ),
        (
            "PyMongo: MongoClient (ConnectionFailure and reconnection)",
            "https://pymongo.readthedocs.io/en/stable/api/pymongo/mongo_client.html",
        ),
    ]
    valid = [
        Valid(
            """
            import os

            import pymysql

            db = pymysql.connect(host=os.environ["DB_HOST"], user="app")


            def handler(event, context):
                db.ping(reconnect=True)  # reconnects when the server has closed it
                with db.cursor() as cursor:
                    cursor.execute("SELECT total FROM orders WHERE id = %s", (event["id"],))
                    return cursor.fetchone()
            """
        ),
        Valid(
            """
            import os

            import psycopg2

            _conn = None


            def get_conn():
                global _conn
                if _conn is None or _conn.closed:
                    _conn = psycopg2.connect(os.environ["DATABASE_URL"])
                return _conn


            def handler(event, context):
                with get_conn().cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM orders")
                    return cursor.fetchone()[0]
            """
        ),
        Valid(
            """
            import os

            import sqlalchemy

            engine = sqlalchemy.create_engine(os.environ["DB_URL"], pool_pre_ping=True)


            def handler(event, context):
                with engine.connect() as connection:
                    return connection.execute(sqlalchemy.text("SELECT 1")).scalar()
            """
        ),
        Valid(
            """
            import os

            import pymysql

            conn = pymysql.connect(host=os.environ["DB_HOST"])


            def handler(event, context):
                global conn
                try:
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT 1")
                except pymysql.err.OperationalError:
                    conn = pymysql.connect(host=os.environ["DB_HOST"])
            """
        ),
        Valid(
            """
            import os

            import redis

            cache = redis.from_url(os.environ["REDIS_URL"])  # the pool reconnects a dropped socket


            def handler(event, context):
                return {"hits": cache.incr(f"hits:{event['page']}")}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import os

            import pymysql

            db = pymysql.connect(host=os.environ["DB_HOST"], user="app")


            def handler(event, context):
                with db.cursor() as cursor:
                    cursor.execute("SELECT total FROM orders WHERE id = %s", (event["id"],))
                    return cursor.fetchone()
            """,
            lines=(5,),
            fixed="""
            import os

            import pymysql

            db = pymysql.connect(host=os.environ["DB_HOST"], user="app")


            def handler(event, context):
                db.ping(reconnect=True)
                with db.cursor() as cursor:
                    cursor.execute("SELECT total FROM orders WHERE id = %s", (event["id"],))
                    return cursor.fetchone()
            """,
        ),
        Invalid(
            """
            import os

            import psycopg2

            _conn = None


            def get_conn():
                global _conn
                if _conn is None:
                    _conn = psycopg2.connect(os.environ["DATABASE_URL"])
                return _conn


            def handler(event, context):
                with get_conn().cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM orders")
                    return cursor.fetchone()[0]
            """,
            lines=(11,),
        ),
        Invalid(
            """
            from sqlalchemy import create_engine, text

            engine = create_engine("postgresql://app@db.internal/orders")


            def handler(event, context):
                with engine.connect() as connection:
                    return connection.execute(text("SELECT 1")).scalar()
            """,
            lines=(3,),
            fixed="""
            from sqlalchemy import create_engine, text

            engine = create_engine("postgresql://app@db.internal/orders", pool_pre_ping=True)


            def handler(event, context):
                with engine.connect() as connection:
                    return connection.execute(text("SELECT 1")).scalar()
            """,
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        if not analysis.project.path:
            return  # nothing runs per invocation: no entry point in the unit
        for node, ancestors in _restore.init_calls(analysis):
            qn = analysis.qualified_name(node.func, None)
            if qn not in STALE_CONNECTIONS or _checks_itself(node):
                continue
            target = _restore.bound_target(ancestors, node)
            name = target.value if isinstance(target, cst.Name) else None
            if name is None or _restore.closed_at_init(analysis, name):
                continue
            finding = self._judge(node, qn, name, None)
            if finding is not None:
                yield finding
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                name = _common.assigned_name(site)
                if name is None or name not in fn.globals_declared:
                    continue
                qn = analysis.qualified_name(site.node.func, fn)
                if qn not in STALE_CONNECTIONS or _checks_itself(site.node):
                    continue
                if not analysis.is_lazily_initialised(site):
                    continue  # opened again on every call: a new connection each time (LAM201)
                finding = self._judge(site.node, qn, name, fn)
                if finding is not None:
                    yield finding

    def _judge(self, node: cst.Call, qn: str, name: str, holder: Optional[Function]) -> Optional[RawFinding]:
        users = self._users(name)
        elsewhere = self._users_elsewhere(name)
        if not users and not elsewhere:
            return None
        if any(self._way_back(fn, name) for fn in self.analysis.path_functions):
            return None
        if any(self._way_back(fn, local, expr=True) for fn, local in elsewhere):
            return None
        return self._finding(node, qn, name, holder, users + [fn for fn, _ in elsewhere])

    def _users(self, name: str) -> List[Function]:
        """The module's functions on the invocation path that use the global `name`, in
        source order."""
        found = [fn for fn in self.analysis.path_functions if _restore.mentioned({fn}, name)]
        return sorted(found, key=lambda fn: self.analysis.top_level_index(fn.node))

    def _users_elsewhere(self, name: str) -> List[tuple]:
        """Functions on the invocation path in the project's other modules that use `name`
        of this module (`from db import conn`, `db.conn`), each with how it is written there."""
        project = self.analysis.project
        index = project.remember("lam205_imported_globals", lambda: _imported_globals(project))
        return index.get((self.analysis.real_path, name), [])

    def _way_back(self, fn: Function, name: str, expr: bool = False) -> bool:
        """`fn` checks the global connection `name`, reconnects it, or opens a new one: a
        reconnecting method, a liveness attribute, a new value in an `except` of a
        connection error, or a new value that is not only a first-time initialisation.
        With `expr`, `name` is how another module writes it (`db.conn`): only the checks."""
        if not expr and fn.is_local(name):
            return False
        for call_site in fn.iter(cst.Call):
            func = call_site.node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in RECONNECT_METHODS
                and dotted_name(func.value) == name
                and not _reconnect_off(call_site.node)
            ):
                return True
        if any(
            isinstance(node, cst.Attribute)
            and node.attr.value in LIVENESS_ATTRIBUTES
            and dotted_name(node.value) == name
            for node in _common.walk_nodes(fn.node.body)
        ):
            return True
        if expr or name not in fn.globals_declared:
            return False
        for site in fn.iter(cst.Assign, cst.AnnAssign):
            if not _assigns(site.node, name):
                continue
            handler = next((a for a in reversed(site.ancestors) if isinstance(a, cst.ExceptHandler)), None)
            if handler is not None:
                if self._catches_connection_error(handler, fn):
                    return True
                continue
            if not _only_first_time(site, name):
                return True
        return False

    def _catches_connection_error(self, handler: cst.ExceptHandler, fn: Function) -> bool:
        if handler.type is None:
            return True
        types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
        for element in types:
            expr = element.value if isinstance(element, cst.Element) else element
            qn = self.analysis.qualified_name(expr, fn) or dotted_name(expr)
            if qn in CONNECTION_ERRORS or dotted_name(expr) in CONNECTION_ERRORS:
                return True
        return False

    def _finding(
        self, node: cst.Call, qn: str, name: str, holder: Optional[Function], users: List[Function]
    ) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, node)
        kind = client_kind(qn)
        if "pool" in qn.lower() or qn.endswith(("create_engine", "create_async_engine")):
            kind = "connection pool"
        where = "opened once" if holder is None else f"opened once in `{holder.qualname}`"
        message = (
            f"{kind} `{snippet}` is {where} and kept in `{name}` with no reconnect: after the "
            "database drops the idle connection, every warm request that uses it fails"
        )
        suggestion = f"{_advice(qn, name)}; `{name}` is used by {_user_list(users, self.analysis)}."
        return self.report(node, message, suggestion, holder, self._fix(node, qn, name, users))

    def _fix(self, node: cst.Call, qn: str, name: str, users: List[Function]) -> Optional[Fix]:
        keyword = CHECKING_KEYWORD.get(qn)
        if keyword is not None:
            if any(arg.star for arg in node.args):
                return None  # `**options` may already say it
            return Fix(
                applicability=UNSAFE,
                description=f"add `{keyword}=True`: the pool tests each connection before "
                "handing it out (a round trip per checkout) and replaces dead ones",
                edits={node: _common.with_true_keyword(node, keyword)},
            )
        template = REOPEN_IN_PLACE.get(qn)
        if template is None or any(fn.module is not self.analysis for fn in users):
            return None  # a fix edits only this module
        call = template.format(conn=name)
        edits = {}
        for fn in users:
            if _starts_with(fn, call):
                continue
            edits[fn.node] = _prepend_statement(cst.parse_statement(call + "\n"))
        if not edits:
            return None
        return Fix(
            applicability=UNSAFE,
            description=f"call `{call}` at the start of {_user_list(users)}: a round trip "
            "per call, and a new connection when the server has closed the old one",
            edits=edits,
        )


def _imported_globals(project) -> Dict[Tuple[str, str], List[tuple]]:
    """(module real path, global name) -> the invocation-path functions of the project's
    other modules that use that global through an import, each with how it is written
    there (first use per function), in module and source order.  Built once per project:
    asked per candidate connection, the scan was quadratic in a large unit."""
    layout = project.layout
    found: Dict[Tuple[str, str], List[tuple]] = {}
    if layout is None:
        return found
    for other in sorted(project.modules.values(), key=lambda m: m.real_path):
        for fn in sorted(other.path_functions, key=lambda f: other.top_level_index(f.node)):
            seen = set()
            for expr in _name_expressions(fn):
                written = dotted_name(expr) or ""
                head, _, rest = written.partition(".")
                if head not in other.aliases or any(scope.is_local(head) for scope in fn.scopes()):
                    continue  # not a name this module imports
                qualified = other.aliases[head] + ("." + rest if rest else "")
                where = layout.resolve_prefix(qualified, other.real_path)
                if where is None or where[0] == other.real_path or where in seen:
                    continue
                seen.add(where)
                found.setdefault(where, []).append((fn, dotted_name(expr)))
    return found


def _name_expressions(fn: Function):
    """The names and outermost dotted attributes (`db.conn` of `db.conn.cursor()`) of `fn`."""
    for node in _common.walk_nodes(fn.node.body):
        if isinstance(node, cst.Name):
            yield node
        elif isinstance(node, cst.Attribute) and dotted_name(node) is not None:
            yield node


def _checks_itself(call: cst.Call) -> bool:
    """A construction keyword makes the pool or client check its connections."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in RECONNECT_KEYWORDS:
            value = arg.value
            if isinstance(value, cst.Name) and value.value in ("False", "None"):
                continue
            if isinstance(value, cst.UnaryOperation) or (isinstance(value, cst.Integer) and value.value == "0"):
                continue  # `pool_recycle=-1`, `health_check_interval=0`: off
            return True
    return False


def _reconnect_off(call: cst.Call) -> bool:
    """`conn.ping(reconnect=False)` / `conn.ping(False)`: a check that raises, no reconnect."""
    for index, arg in enumerate(call.args):
        if (arg.keyword is not None and arg.keyword.value == "reconnect") or (arg.keyword is None and index == 0):
            return isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None")
    return False


def _assigns(node, name: str) -> bool:
    if isinstance(node, cst.Assign):
        return any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets)
    return isinstance(node.target, cst.Name) and node.target.value == name


def _only_first_time(site: Site, name: str) -> bool:
    """The assignment runs only while `name` is unset: under `if name is None:` or
    `if not name:` (a lazy initialisation, which never replaces a dead connection)."""
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.If):
            return _is_unset_test(anc.test, name)
    return False


def _is_unset_test(test, name: str) -> bool:
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return dotted_name(test.expression) == name
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        return (
            dotted_name(test.left) == name
            and isinstance(comp.operator, (cst.Is, cst.Equal))
            and isinstance(comp.comparator, cst.Name)
            and comp.comparator.value == "None"
        )
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        return _is_unset_test(test.left, name) and _is_unset_test(test.right, name)
    return False


def _advice(qn: str, name: str) -> str:
    top = qn.split(".")[0]
    if qn in REOPEN_IN_PLACE:
        return (
            f"Call `{name}.ping(reconnect=True)` at the start of each request that uses it "
            "(it reconnects when the server has closed the connection)"
        )
    if top == "sqlalchemy":
        return (
            f"Pass `pool_pre_ping=True` (or `pool_recycle=` seconds below the database's idle "
            f"timeout) to the constructor of `{name}`"
        )
    return (
        f"Get `{name}` through a function that checks it (`if {name} is None or "
        f"{name}.closed:`, or `SELECT 1` in a `try`) and opens it again on the driver's "
        "connection error (`OperationalError` / `InterfaceError`)"
    )


def _user_list(users: List[Function], here=None) -> str:
    names = [f"`{fn.qualname}`" if here is None or fn.module is here else f"`{function_label(fn)}`" for fn in users]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _starts_with(fn: Function, code: str) -> bool:
    body = fn.node.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return False
    first = body.body[0]
    return isinstance(first, cst.SimpleStatementLine) and cst.Module(body=[]).code_for_node(first).strip() == code


def _prepend_statement(stmt):
    """Insert `stmt` at the start of a function's body, after its docstring and `global`."""

    def edit(updated: cst.FunctionDef):
        body = updated.body
        if not isinstance(body, cst.IndentedBlock):
            return updated
        statements = list(body.body)
        index = 0
        while index < len(statements) and _is_preamble(statements[index], index):
            index += 1
        statements.insert(index, stmt)
        return updated.with_changes(body=body.with_changes(body=statements))

    return edit


def _is_preamble(stmt, index: int) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return False
    small = stmt.body[0]
    if isinstance(small, (cst.Global, cst.Nonlocal)):
        return True
    return (
        index == 0
        and isinstance(small, cst.Expr)
        and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
    )
