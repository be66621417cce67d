"""LAM305 async-handler: an `async def` entry point that nothing runs as a coroutine."""

from __future__ import annotations

import re
from typing import Dict, Iterator, Optional, Set

from lambdalint import catalog
from lambdalint._lazy import cst
from lambdalint.analysis import EntryPoint, Function
from lambdalint.catalog import (
    COROUTINE_RUNNER_METHODS,
    COROUTINE_RUNNERS,
    POWERTOOLS_ASYNC_RESOLVE,
    POWERTOOLS_ASYNC_RESOLVERS,
    POWERTOOLS_ASYNC_ROUTE_METHODS,
)
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _hygiene
from lambdalint.rules.lam107_reserved_env_var_write import _is_main_test
from lambdalint.rules.lam302_event_loop_per_invocation import EventLoopPerInvocation

_POWERTOOLS_ROUTE = re.compile(catalog.POWERTOOLS_ROUTE)
_CHALICE_ROUTE = re.compile(catalog.CHALICE_ROUTE)
_ASGI_ROUTE = re.compile(catalog.ASGI_ROUTE)


class AsyncHandler(Rule):
    code = "LAM305"
    name = "async-handler"
    summary = (
        "An entry point is defined with `async def`, and nothing runs the coroutine: Lambda's "
        "Python runtime calls it and gets a coroutine that never runs."
    )
    why = """
        Lambda's Python runtime calls the handler as a plain function,
        `response = handler(event, context)`, and serialises what it returns. It never
        awaits. Calling an `async def` function does not run its body; it returns a
        coroutine object. The handler's code never executes, the invocation fails with
        `Runtime.MarshalError: Unable to marshal response: Object of type coroutine is not
        JSON serializable`, and Python warns that the coroutine was never awaited. Local
        tests that `await handler(...)` or use an async test runner pass.

        Keep the entry point synchronous and run the coroutine from it: `asyncio.run(...)`
        creates a loop per request, which is right unless module-level objects are bound
        to an event loop (an aiohttp session, an async SDK client or database pool created
        at import); then keep one loop for the life of the environment
        (`loop = asyncio.new_event_loop()` at module level and
        `loop.run_until_complete(...)` in the handler; see LAM302).

        Not flagged where something awaits the coroutine: FastAPI or Starlette routes served
        through Mangum, Powertools AppSync Events handlers and `async_batch_resolver`
        functions, Powertools routes when the module runs the resolver's coroutine
        (`asyncio.run(app.resolve_async(event, context))`, or `asyncio.run(app.resolve(...))`
        for AppSync), functions wrapped by a decorator that is not a Powertools handler
        decorator (it may run the coroutine), and coroutines that other code of the module
        calls or wraps (a synchronous handler that runs them).
    """
    references = [
        (
            "Define Lambda function handler in Python",
            "https://docs.aws.amazon.com/lambda/latest/dg/python-handler.html",
        ),
        ("asyncio.run", "https://docs.python.org/3/library/asyncio-runner.html#asyncio.run"),
        (
            "Powertools for AWS Lambda (Python): async batch processing",
            "https://docs.powertools.aws.dev/lambda/python/latest/utilities/batch/#processing-messages-asynchronously",
        ),
        ("Mangum (ASGI adapter for Lambda)", "https://mangum.fastapiexpert.com/"),
    ]
    valid = [
        Valid(
            """
            import asyncio

            import aiohttp


            async def fetch_all(urls):
                async with aiohttp.ClientSession() as session:
                    return [await (await session.get(url)).text() for url in urls]


            def handler(event, context):
                return asyncio.run(fetch_all(event["urls"]))
            """
        ),
        Valid(
            """
            from fastapi import FastAPI
            from mangum import Mangum

            app = FastAPI()


            @app.get("/items/{item_id}")
            async def read_item(item_id: str):
                return {"id": item_id}


            handler = Mangum(app)
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import json

            import httpx


            async def lambda_handler(event, context):
                async with httpx.AsyncClient() as client:
                    response = await client.get(event["url"])
                return {"statusCode": 200, "body": json.dumps(response.json())}
            """,
            lines=(6,),
        ),
        Invalid(
            """
            from aws_lambda_powertools import Logger
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            logger = Logger()
            app = APIGatewayRestResolver()


            @app.get("/orders/<order_id>")
            async def get_order(order_id: str):
                return {"id": order_id}


            @logger.inject_lambda_context
            def lambda_handler(event, context):
                return app.resolve(event, context)
            """,
            lines=(9,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        loop_bound: Optional[Dict[str, str]] = None
        for entry in analysis.entry_points:
            fn = entry.function
            if fn.node.asynchronous is None or self._adapted(entry):
                continue
            if loop_bound is None:
                loop_bound = EventLoopPerInvocation(analysis)._loop_bound_globals()
            yield self._finding(entry, loop_bound)

    # -- what runs the coroutine --------------------------------------------------------------
    def _adapted(self, entry: EntryPoint) -> bool:
        fn = entry.function
        route = self._route(fn)
        if route is not None:
            framework, cls, method = route
            if framework == "asgi":
                return True  # Mangum runs the ASGI app, which awaits its routes
            if framework == "powertools":
                if cls in POWERTOOLS_ASYNC_RESOLVERS or method in POWERTOOLS_ASYNC_ROUTE_METHODS:
                    return True
                if cls.endswith("Router"):
                    return True  # resolved by an app in another module: not visible here
                if self._runs_coroutines():
                    return True
        if any(not self._known_decorator(d) for d in fn.decorators):
            return True  # a decorator of its own may run the coroutine
        if fn.name in self._rebound_names():
            return True  # `handler = adapter(handler)` at module level
        if entry.source in ("config", "template") or fn.is_method:
            return False  # Lambda calls it by name (or through the instance) whatever else does
        return self._referenced_elsewhere(fn)

    def _route(self, fn: Function):
        """("powertools" | "chalice" | "asgi", class, method) of a route decorator."""
        for decorator in fn.decorators:
            for framework, pattern in (
                ("powertools", _POWERTOOLS_ROUTE),
                ("chalice", _CHALICE_ROUTE),
                ("asgi", _ASGI_ROUTE),
            ):
                match = pattern.match(decorator)
                if match:
                    return framework, match["cls"], match["method"]
        return None

    def _known_decorator(self, decorator: str) -> bool:
        """Decorators known to call the function without awaiting it (or to leave it a
        coroutine function): Powertools' own, the frameworks' route decorators, functools."""
        return (
            decorator.startswith(("aws_lambda_powertools.", "functools.", "chalice."))
            or any(p.match(decorator) for p in (_POWERTOOLS_ROUTE, _CHALICE_ROUTE, _ASGI_ROUTE))
            or self.analysis.is_powertools_handler_decorator(decorator)
        )

    def _runs_coroutines(self) -> bool:
        """The module runs coroutines from synchronous code (`asyncio.run(...)`,
        `loop.run_until_complete(...)`) or the resolver's `resolve_async`."""
        analysis = self.analysis
        for fn in analysis.functions.values():
            for site in fn.iter(cst.Call):
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in (
                    *COROUTINE_RUNNER_METHODS,
                    POWERTOOLS_ASYNC_RESOLVE,
                ):
                    return True
                if analysis.qualified_name(func, fn) in COROUTINE_RUNNERS:
                    return True
        return False

    def _rebound_names(self) -> Set[str]:
        return set(self.analysis.module_bindings)

    def _referenced_elsewhere(self, fn: Function) -> bool:
        """Another function, or import-time code outside `if __name__ == "__main__":`,
        names the coroutine function (calls it, awaits it, wraps it); a call of it at import
        time does not count, Lambda calls it again for each request."""
        analysis = self.analysis
        if any(
            fn.name in other.referenced
            for other in analysis.functions.values()
            if other is not fn and not any(scope is fn for scope in other.scopes())
        ):
            return True
        for node, ancestors in _hygiene.module_level_nodes(analysis):
            if not isinstance(node, cst.Name) or node.value != fn.name:
                continue
            if any(isinstance(a, cst.If) and _is_main_test(a.test) for a in ancestors) or any(
                isinstance(a, cst.Decorator) for a in ancestors
            ):
                continue
            if isinstance(ancestors[-1], cst.Call) and ancestors[-1].func is node:
                continue  # called at import time (`asyncio.run(handler({}, None))`): Lambda still calls it
            return True
        return False

    # -- the finding ---------------------------------------------------------------------------
    def _finding(self, entry: EntryPoint, loop_bound: Dict[str, str]) -> RawFinding:
        fn = entry.function
        route = self._route(fn)
        if route is not None and route[0] in ("powertools", "chalice"):
            framework, cls, _ = route
            if framework == "powertools":
                message = (
                    f"route `async def {fn.qualname}` is called synchronously by the Powertools "
                    f"{cls}'s `resolve()`: its body never runs and the response cannot be serialised"
                )
                suggestion = (
                    "Run the resolver's coroutine in the Lambda handler: "
                    "`return asyncio.run(app.resolve_async(event, context))` (Powertools versions "
                    f"with async resolvers), or make `{fn.name}` a plain `def`."
                )
            else:
                message = (
                    f"Chalice route `async def {fn.qualname}` is called synchronously: its body never "
                    "runs and the response cannot be serialised"
                )
                suggestion = (
                    f"Make `{fn.name}` a plain `def` and run the coroutines it needs with `asyncio.run(...)` inside it."
                )
            return self.report(fn.node, message, suggestion, fn)
        why = entry.detail or entry.source
        message = (
            f"entry point `async def {fn.qualname}` ({why}) is called without `await` by Lambda's "
            "Python runtime: it returns a coroutine that never runs, and the invocation fails with "
            "\"Unable to marshal response\""
        )
        inner = f"_{fn.name}" if not fn.name.startswith("_") else f"{fn.name}_async"
        if fn.is_method:
            call = f"{inner}(event, context)"
            target = f"make `{fn.qualname}` a plain `def` that returns"
        else:
            call = f"{inner}(event, context)"
            target = f"rename the coroutine to `{inner}` and add `def {fn.name}(event, context):` returning"
        names = sorted(loop_bound)
        if names:
            shown = ", ".join(f"`{n}` ({loop_bound[n]})" for n in names[:3])
            suggestion = (
                f"Module-level {shown} {'is' if len(names) == 1 else 'are'} bound to one event loop, so "
                "keep a single loop for the environment: create `loop = asyncio.new_event_loop()` at "
                f"module level, then {target} `loop.run_until_complete({call})`."
            )
        else:
            suggestion = f"Keep the entry point synchronous: {target} `asyncio.run({call})`."
        return self.report(fn.node, message, suggestion, fn)
