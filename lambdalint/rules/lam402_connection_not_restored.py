"""LAM402 connection-not-restored: a database connection, socket or pool opened at Init on a
SnapStart function, with no after-restore hook and no reconnect path in the handler."""

from __future__ import annotations

from typing import Iterable, Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function, dotted_name
from lambdalint.catalog import (
    AFTER_RESTORE_HOOKS,
    APP_POOL_OPENERS,
    LIVENESS_ATTRIBUTES,
    PRE_PING_KEYWORDS,
    RECONNECT_METHODS,
    RESTORE_SENSITIVE_CONNECTIONS,
    client_kind,
)
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _restore
from lambdalint.rules.lam401_unique_value_at_init import SNAPSTART_OPTIONS, SNAPSTART_REFERENCES


class ConnectionNotRestored(Rule):
    code = "LAM402"
    name = "connection-not-restored"
    summary = (
        "On a SnapStart function, a database connection, socket or connection pool is opened "
        "at Init and nothing re-opens or checks it after a restore."
    )
    why = """
        With SnapStart, Init runs when a version is published and the execution environment
        is snapshotted with everything Init opened. Environments are resumed from that
        snapshot minutes or days later: a TCP connection to a database or cache that Init
        opened is then long dead (the server timed it out, or it never saw this copy of the
        client), but the driver still holds it as open. The first query after a restore
        fails, or hangs until a timeout, in every environment.

        AWS's guidance is to re-establish connections after restore: open them in a runtime
        hook (`@register_after_restore` from `snapshot_restore_py`), or check them in the
        handler (`conn.ping(reconnect=True)`, reconnecting on the driver's connection error,
        SQLAlchemy's `pool_pre_ping=True`). The same holds for a pool that a web app's
        database helper opens at Init and keeps on the app (`connect_to_db(app)` of
        stac-fastapi-pgstac, titiler-pgstac and tipg): close it in a before-snapshot hook and
        open it again in an after-restore hook. AWS SDK clients and HTTP connection pools
        (`requests`, `urllib3`, `httpx`) notice a dropped connection and open a new one by
        themselves, so they are not reported.
    """
    options = SNAPSTART_OPTIONS
    references = [
        (
            "Lambda SnapStart compatibility considerations: network connections",
            "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html#snapstart-compatibility",
        ),
        *SNAPSTART_REFERENCES,
    ]
    example_config = {"snapstart": True}
    valid = [
        Valid(
            """
            import os

            import pymysql
            from snapshot_restore_py import register_after_restore

            db = pymysql.connect(host=os.environ["DB_HOST"], user="app", database="orders")


            @register_after_restore
            def reconnect():
                global db
                db = pymysql.connect(host=os.environ["DB_HOST"], user="app", database="orders")


            def handler(event, context):
                db.ping(reconnect=True)  # the server also drops it when idle (LAM205)
                with db.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
            """
        ),
        Valid(
            """
            import os

            import pymysql

            db = pymysql.connect(host=os.environ["DB_HOST"], user="app", database="orders")


            def handler(event, context):
                db.ping(reconnect=True)  # reopens the connection a restore left dead
                with db.cursor() as cursor:
                    cursor.execute("SELECT 1")
                    return cursor.fetchone()
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
            import boto3

            table = boto3.resource("dynamodb").Table("orders")  # reconnects by itself


            def handler(event, context):
                return table.get_item(Key={"id": event["id"]})
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import os

            import psycopg2

            conn = psycopg2.connect(os.environ["DATABASE_URL"])


            def handler(event, context):
                with conn.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM orders")
                    return cursor.fetchone()[0]
            """,
            lines=(5,),
        ),
        Invalid(
            """
            import redis
            from sqlalchemy import create_engine

            cache = redis.Redis(host="cache.internal", port=6379)
            engine = create_engine("postgresql://app@db.internal/orders")


            def handler(event, context):
                with engine.connect() as connection:
                    cache.set(event["id"], "seen")
                    return connection.exec_driver_sql("SELECT 1").scalar()
            """,
            lines=(4, 5),
        ),
        Invalid(
            """
            import asyncio

            from mangum import Mangum
            from titiler.pgstac.db import connect_to_db
            from titiler.pgstac.main import app

            # the helper opens a psycopg pool and keeps it on the app (`app.state.dbpool`)
            asyncio.get_event_loop().run_until_complete(connect_to_db(app))
            mangum = Mangum(app, lifespan="off")


            def handler(event, context):
                return mangum(event, context)
            """,
            lines=(8,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        if not _restore.init_settings(analysis).snapstart:
            return
        hooks = _restore.hook_code(analysis, AFTER_RESTORE_HOOKS)
        for node, ancestors in _restore.init_calls(analysis):
            qn = analysis.qualified_name(node.func, None)
            if qn not in RESTORE_SENSITIVE_CONNECTIONS or _pre_pings(node):
                continue
            target = _restore.bound_target(ancestors, node)
            name = dotted_name(target) if isinstance(target, cst.Name) else None
            if name is None:
                continue  # not kept in a module-level name (an attribute, a call's argument)
            if _restore.mentioned(hooks, name) or _restore.closed_at_init(analysis, name):
                continue
            uses = [fn for fn in analysis.path_functions if _restore.mentioned({fn}, name)]
            if not uses or any(self._reconnects(fn, name) for fn in analysis.path_functions):
                continue
            yield self._finding(node, qn, name)
        yield from self._app_pools(hooks)

    def _app_pools(self, hooks: Iterable[Function]) -> Iterator[RawFinding]:
        """A pool that a web app's database helper (`connect_to_db(app, ...)`) opens at Init,
        directly or through a function of the project, when no after-restore hook and no
        function on the invocation path opens it again."""
        analysis = self.analysis
        project = analysis.project
        handler_reopens = project.remember(
            "lam402_path_opens_app_pool", lambda: any(_opens_app_pool(fn) for fn in project.path)
        )
        if handler_reopens or any(_opens_app_pool(fn) for fn in hooks):
            return
        for node, _ in _restore.init_calls(analysis):
            qn = analysis.qualified_name(node.func, None)
            if qn in APP_POOL_OPENERS:
                yield self._app_pool_finding(node, qn, None)
                continue
            helper = analysis.resolve_call(node.func, None)
            if helper is None:
                continue
            opener = next(filter(None, (_opens_app_pool(fn) for fn in analysis.reachable_from(helper))), None)
            if opener is not None:
                yield self._app_pool_finding(node, opener, helper)

    def _app_pool_finding(self, node: cst.Call, opener: str, helper: Optional[Function]) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, node)
        short = opener.rsplit(".", 1)[-1]
        how = f"`{snippet}`" if helper is None else f"`{snippet}`, which calls `{opener}`,"
        message = (
            f"{how} opens a database connection pool at Init and keeps it on the app; with "
            "SnapStart every execution environment resumes from the snapshot with it, and after "
            "a restore its connections are likely dead"
        )
        suggestion = (
            "Close the pool in a function decorated with `@register_before_snapshot` and open it "
            f"again with `{short}(...)` in one decorated with `@register_after_restore` (both from "
            "snapshot_restore_py, registered at module level)."
        )
        return self.report(node, message, suggestion)

    def _reconnects(self, fn, name: str) -> bool:
        """`fn` checks the connection or opens it again: a reconnecting method, a liveness
        attribute, or a new value for the global."""
        if name in fn.globals_declared and name in fn.assigned:
            return True
        if fn.is_local(name):
            return False
        for site in fn.iter(cst.Call):
            func = site.node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in RECONNECT_METHODS
                and dotted_name(func.value) == name
            ):
                return True
        return any(
            isinstance(node, cst.Attribute)
            and node.attr.value in LIVENESS_ATTRIBUTES
            and dotted_name(node.value) == name
            for node in _common.walk_nodes(fn.node.body)
        )

    def _finding(self, node: cst.Call, qn: str, name: str) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, node)
        kind = "socket" if qn.startswith(("socket.", "ssl.")) else client_kind(qn)
        if "pool" in qn.lower() or qn.endswith("create_engine") or qn.endswith("create_async_engine"):
            kind = "connection pool"
        message = (
            f"{kind} `{snippet}` is opened at Init and kept in `{name}`; with SnapStart every "
            "execution environment resumes from the snapshot with it, and after a restore it is "
            "likely dead"
        )
        suggestion = (
            f"Open `{name}` again after restore in a function decorated with "
            f"`@register_after_restore` (from snapshot_restore_py) that does `global {name}; "
            f"{name} = ...`, or check it at the start of the handler (e.g. "
            f"`{name}.ping(reconnect=True)`, `pool_pre_ping=True`) and reconnect on the "
            "driver's connection error."
        )
        return self.report(node, message, suggestion)


def _pre_pings(call: cst.Call) -> bool:
    """`create_engine(url, pool_pre_ping=True)`, `ConnectionPool(check=...)`: the pool tests
    each connection before handing it out."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in PRE_PING_KEYWORDS:
            return not (isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None"))
    return False


def _opens_app_pool(fn: Function) -> Optional[str]:
    """The app pool helper (`APP_POOL_OPENERS`) that `fn` calls, if any."""
    module = fn.module
    if module is None:
        return None
    for site in fn.iter(cst.Call):
        qn = module.qualified_name(site.node.func, fn)
        if qn in APP_POOL_OPENERS:
            return qn
    return None
