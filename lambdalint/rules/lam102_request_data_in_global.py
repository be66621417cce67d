"""LAM102 request-data-in-global: `global x` rebound to a value taken from the request."""

from __future__ import annotations

from typing import Iterator, Optional, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _state


class RequestDataInGlobal(Rule):
    code = "LAM102"
    name = "request-data-in-global"
    summary = (
        "A `global` name is rebound on the invocation path to a value derived from the "
        "event or context."
    )
    why = """
        Module-level names live as long as the execution environment, and warm invocations
        reuse it. `global current_user; current_user = event["user"]` makes one request's
        data the module's state: the next invocation in the same environment starts with it,
        and any code path that reads the global before (or instead of) rebinding it, such as
        an error handler, a branch that skips the assignment, a background thread or a retry,
        acts on the previous caller's data. Under Lambda's one-request-at-a-time model this
        does not show up in tests; it shows up as one user seeing another user's data.

        Pass the value as an argument, keep it in a local, or use a per-request context
        (`contextvars`, Powertools `Logger.append_keys`). Cold-start flags
        (`COLD_START = False`), counters, timers and lazily initialised clients are global
        state that does not come from the request and are not reported.
    """
    valid = [
        Valid(
            """
            def lambda_handler(event, context):
                user = event["requestContext"]["authorizer"]["principalId"]
                return {"user": user}
            """
        ),
        Valid(
            """
            import time

            COLD_START = True
            INVOCATIONS = 0
            STARTED = 0.0


            def handler(event, context):
                global COLD_START, INVOCATIONS, STARTED
                was_cold, COLD_START = COLD_START, False
                INVOCATIONS += 1
                STARTED = time.monotonic()
                return {"cold": was_cold, "n": INVOCATIONS}
            """
        ),
        Valid(
            """
            import boto3

            _client = None


            def handler(event, context):
                global _client
                if _client is None:
                    _client = boto3.client("s3", region_name=event["region"])
                return _client.list_buckets()
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            current_user = None


            def lambda_handler(event, context):
                global current_user
                current_user = event["requestContext"]["authorizer"]["principalId"]
                return audit("read")


            def audit(action):
                return f"{current_user} did {action}"
            """,
            lines=(6,),
        ),
        Invalid(
            """
            import json

            LAST_ORDER = {}


            def handler(event, context):
                global LAST_ORDER
                body = json.loads(event["body"])
                LAST_ORDER = {k: v for k, v in body.items() if k != "card"}
                return LAST_ORDER
            """,
            lines=(9,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        tracked = _state.mutable_globals(analysis)
        for fn in analysis.path_functions:
            if not fn.globals_declared:
                continue
            for site in fn.iter(cst.Assign, cst.AnnAssign):
                name, value = _rebound_global(site, fn)
                if name is None or value is None:
                    continue
                if name in tracked and _state.reads(analysis, value, name, fn):
                    continue  # `x = x + [item]` accumulates: LAM101
                value_site = Site(value, (*site.ancestors, site.node), fn)
                if analysis.is_lazily_initialised(value_site) or not self._request_derived(value, fn):
                    continue
                yield self._finding(site, fn, name)

    def _request_derived(self, value: cst.BaseExpression, fn: Function) -> bool:
        return self.analysis.is_tainted(value, fn, request_only=True)

    def _finding(self, site: Site, fn: Function, name: str) -> RawFinding:
        analysis = self.analysis
        statement = site.statement() or site.node
        code = _common.snippet(analysis.module, statement)
        message = (
            f"`global {name}` is set from the request (`{code}`), so the next warm invocation "
            "starts with this request's data"
        )
        suggestion = (
            f"Keep `{name}` local to `{fn.qualname}` and pass it to the code that needs it "
            "(or use a `contextvars.ContextVar` set per request) instead of "
            f"`global {name}`."
        )
        return self.report(site.node, message, suggestion, fn)


def _rebound_global(site: Site, fn: Function) -> Tuple[Optional[str], Optional[cst.BaseExpression]]:
    """The first `global` name the assignment rebinds and the value it gets: the matching
    element for `a, G = x, y`, else the whole right-hand side."""
    node = site.node
    value = node.value
    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
    for target in targets:
        if isinstance(target, cst.Name) and target.value in fn.globals_declared:
            return target.value, value
        if isinstance(target, (cst.Tuple, cst.List)):
            parts = value.elements if isinstance(value, (cst.Tuple, cst.List)) \
                and len(value.elements) == len(target.elements) else None
            for index, element in enumerate(target.elements):
                if isinstance(element.value, cst.Name) and element.value.value in fn.globals_declared:
                    if parts is None:
                        return element.value.value, value
                    part = parts[index].value
                    if isinstance(parts[index], cst.StarredElement) or isinstance(element, cst.StarredElement):
                        return element.value.value, value
                    return element.value.value, part
    return None, None
