"""LAM302 event-loop-per-invocation: a new event loop per request beside loop-bound globals."""

from __future__ import annotations

from typing import Dict, Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common

# Objects that hold futures, connections or transports of the event loop they were first
# used in: using them from another loop fails ("Event loop is closed", "attached to a
# different loop").
LOOP_BOUND = {
    "aiohttp.ClientSession": "aiohttp session",
    "aiohttp.client.ClientSession": "aiohttp session",
    "aiohttp.TCPConnector": "aiohttp connector",
    "aiohttp.connector.TCPConnector": "aiohttp connector",
    "httpx.AsyncClient": "httpx async client",
    "aioboto3.Session().client": "aioboto3 client",
    "aioboto3.Session().resource": "aioboto3 resource",
    "aioboto3.session.Session().client": "aioboto3 client",
    "aioboto3.session.Session().resource": "aioboto3 resource",
    "aiobotocore.session.get_session().create_client": "aiobotocore client",
    "aiobotocore.session.AioSession().create_client": "aiobotocore client",
    "asyncpg.create_pool": "asyncpg pool",
    "asyncpg.pool.create_pool": "asyncpg pool",
    "asyncpg.connect": "asyncpg connection",
    "motor.motor_asyncio.AsyncIOMotorClient": "motor client",
    "redis.asyncio.Redis": "redis.asyncio client",
    "redis.asyncio.StrictRedis": "redis.asyncio client",
    "redis.asyncio.from_url": "redis.asyncio client",
    "redis.asyncio.Redis.from_url": "redis.asyncio client",
    "redis.asyncio.client.Redis": "redis.asyncio client",
    "sqlalchemy.ext.asyncio.create_async_engine": "SQLAlchemy async engine",
}
LOOP_STARTERS = {
    "asyncio.run": "`asyncio.run(...)` creates and closes a new event loop",
    "asyncio.new_event_loop": "`asyncio.new_event_loop()` creates a new event loop",
    "asyncio.Runner": "`asyncio.Runner()` creates a new event loop",
}


class EventLoopPerInvocation(Rule):
    code = "LAM302"
    name = "event-loop-per-invocation"
    summary = (
        "`asyncio.run()` or a new event loop per invocation while loop-bound objects "
        "(aiohttp sessions, async SDK clients, asyncpg pools) live at module level."
    )
    why = """
        An aiohttp `ClientSession`, an `httpx.AsyncClient`, an aioboto3 client, an asyncpg
        pool or a `redis.asyncio` client belongs to the event loop it first runs in: its
        connections, locks and futures are tied to that loop. `asyncio.run()` creates a new
        loop for each call and closes it when the coroutine finishes.

        In Lambda the module-level object survives between warm invocations but the loop
        does not. The first invocation works; the next one, in the same execution
        environment, runs a new loop and uses the object from the closed one. It fails with
        `RuntimeError: Event loop is closed` or `... attached to a different loop`, or
        hangs on a connection nobody is reading. Cold starts hide it in testing.

        Either keep one loop for the life of the environment (create it at module level
        and call `loop.run_until_complete(...)` in the handler), or create the async client
        inside the coroutine (`async with aiohttp.ClientSession() as session:`) so that it
        lives and dies with the loop.

        Only flagged when such an object is kept at module level (built at import time, or
        lazily into a `global`) and used on the invocation path.
        `asyncio.get_event_loop().run_until_complete(...)` is not flagged: it returns the
        same loop on every warm invocation.
    """
    references = [
        (
            "asyncio.run() creates a new event loop and closes it",
            "https://docs.python.org/3/library/asyncio-runner.html#asyncio.run",
        ),
    ]
    valid = [
        Valid(
            """
            import asyncio

            import aiohttp

            loop = asyncio.new_event_loop()
            session = aiohttp.ClientSession(loop=loop)


            async def fetch(url):
                async with session.get(url) as response:
                    return await response.json()


            def handler(event, context):
                return loop.run_until_complete(fetch(event["url"]))
            """
        ),
        Valid(
            """
            import asyncio

            import aiohttp


            async def fetch(url):
                async with aiohttp.ClientSession() as session:
                    async with session.get(url) as response:
                        return await response.json()


            def handler(event, context):
                return asyncio.run(fetch(event["url"]))
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import asyncio

            import aiohttp

            session = aiohttp.ClientSession()


            async def fetch(url):
                async with session.get(url) as response:
                    return await response.json()


            def handler(event, context):
                return asyncio.run(fetch(event["url"]))
            """,
            lines=(14,),
        ),
        Invalid(
            """
            import asyncio

            import httpx

            _client = None


            async def call_api(path):
                global _client
                if _client is None:
                    _client = httpx.AsyncClient(base_url="https://api.example.com")
                return (await _client.get(path)).json()


            def lambda_handler(event, context):
                loop = asyncio.new_event_loop()
                try:
                    return loop.run_until_complete(call_api(event["path"]))
                finally:
                    loop.close()
            """,
            lines=(16,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        bound = self._loop_bound_globals()
        if not bound:
            return
        used = {
            name: kind
            for name, kind in bound.items()
            if any(
                name in fn.referenced and analysis.is_module_level_name(name, fn) or name in fn.globals_declared
                for fn in analysis.path_functions
            )
        }
        if not used:
            return
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                if analysis.qualified_name(site.node.func, fn) in LOOP_STARTERS:
                    yield self._finding(site.node, fn, used)

    def _loop_bound_globals(self) -> Dict[str, str]:
        """Module-level names holding a loop-bound object, built at import time or lazily
        into a `global` on the invocation path (both outlive the loop that made them)."""
        analysis = self.analysis
        found: Dict[str, str] = {}
        for name, values in analysis.module_bindings.items():
            for value in values:
                kind = self._loop_bound(value, None)
                if kind:
                    found.setdefault(name, kind)
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                if not isinstance(site.parent, (cst.Assign, cst.Await)):
                    continue
                kind = self._loop_bound(site.node, fn)
                if not kind or not analysis.is_lazily_initialised(site):
                    continue  # not loop-bound, or rebuilt on every invocation (in the current loop)
                for name in _assigned_globals(site, fn):
                    found.setdefault(name, kind)
        return found

    def _loop_bound(self, value: object, fn: Optional[Function]) -> Optional[str]:
        """The kind of loop-bound object the expression builds (also through `await` or
        `loop.run_until_complete(asyncpg.create_pool(...))`)."""
        if not isinstance(value, cst.CSTNode):
            return None
        if isinstance(value, cst.Await):
            return self._loop_bound(value.expression, fn)
        if isinstance(value, cst.Call):
            kind = LOOP_BOUND.get(self.analysis.qualified_name(value.func, fn) or "")
            if kind:
                return kind
            if isinstance(value.func, cst.Attribute) and value.func.attr.value == "run_until_complete":
                for arg in value.args:
                    kind = self._loop_bound(arg.value, fn)
                    if kind:
                        return kind
        return None

    def _finding(self, call: cst.Call, fn: Function, used: Dict[str, str]) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, call)
        names = sorted(used)
        objects = ", ".join(f"`{n}` ({used[n]})" for n in names[:3])
        if len(names) > 3:
            objects += f" and {len(names) - 3} more"
        verb = "stays" if len(names) == 1 else "stay"
        message = (
            f"`{snippet}` starts a new event loop on every invocation, but module-level "
            f"{objects} {verb} bound to the first loop: the next warm invocation fails with "
            "\"Event loop is closed\""
        )
        suggestion = (
            "Create one loop at module level (`loop = asyncio.new_event_loop()` below the "
            f"imports) and run `loop.run_until_complete(...)` in `{fn.qualname}`, or create "
            f"{' and '.join(f'`{n}`' for n in names[:3])} inside the coroutine "
            f"(`async with ...:`) so {'it lives and dies' if len(names) == 1 else 'they live and die'} "
            "with the loop."
        )
        return self.report(call, message, suggestion, fn)


def _assigned_globals(site, fn: Function):
    """The `global` names the statement holding the call assigns."""
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.Assign):
            return [
                t.target.value
                for t in anc.targets
                if isinstance(t.target, cst.Name) and t.target.value in fn.globals_declared
            ]
    return []
