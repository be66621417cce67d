"""LAM102 request-data-in-global: `global x` rebound to a value taken from the request."""

from __future__ import annotations

from typing import Dict, Iterator, Optional, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _state
from lambdalint.rules._stale import StaleReads


class RequestDataInGlobal(Rule):
    code = "LAM102"
    name = "request-data-in-global"
    summary = (
        "A `global` name is rebound on the invocation path to a value derived from the "
        "event or context, where a later request can read it."
    )
    why = """
        Module-level names live as long as the execution environment, and warm invocations
        reuse it. `global current_user; current_user = event["user"]` makes one request's
        data the module's state. It leaks when some invocation can read the name before
        rebinding it: a read that comes first (a log line, an error handler), a rebinding
        on some paths only (a branch, a `try` body that can fail before it, an early
        return), a value cached behind `if x is None:` (the first request's tenant or region
        then serves every later request), or background work that runs on after the handler
        returns. Under Lambda's one-request-at-a-time model this does not show up in tests;
        it shows up as one user seeing another user's data.

        Pass the value as an argument, keep it in a local, or use a per-request context
        (`contextvars`, Powertools `Logger.append_keys`). A global rebound unconditionally at
        the start of every invocation, before anything reads it, only ever holds the current
        request's value and is not reported; neither are cold-start flags
        (`COLD_START = False`), counters, timers and lazily initialised clients built from
        the environment rather than the request.
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

            CONFIG = None


            def get_client(service, event):
                return boto3.client(service, region_name=event["region"])


            def lambda_handler(event, context):
                global CONFIG
                CONFIG = get_client("config", event)
                return evaluate(event["ruleName"])


            def evaluate(rule):
                return CONFIG.describe_config_rules(ConfigRuleNames=[rule])
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import boto3

            _client = None


            def handler(event, context):
                global _client
                if _client is None:
                    _client = boto3.client("s3", region_name=event["region"])
                return _client.list_buckets()
            """,
            lines=(9,),
        ),
        Invalid(
            """
            import json

            current_user = None


            def lambda_handler(event, context):
                global current_user
                try:
                    body = json.loads(event["body"])
                    current_user = body["user"]
                    return {"ok": True}
                except ValueError:
                    return {"error": f"bad body from {current_user}"}
            """,
            lines=(10,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        tracked = _state.mutable_globals(analysis)
        stale: Dict[str, StaleReads] = {}
        for fn in analysis.path_functions:
            if not fn.globals_declared:
                continue
            for site in fn.iter(cst.Assign, cst.AnnAssign):
                name, value = _rebound_global(site, fn)
                if name is None or value is None:
                    continue
                if name in tracked and _state.reads(analysis, value, name, fn):
                    continue  # `x = x + [item]` accumulates: LAM101
                if not self._request_derived(value, fn):
                    continue
                value_site = Site(value, (*site.ancestors, site.node), fn)
                reads = stale.setdefault(name, StaleReads(analysis, name))
                reason = self._leak(reads, fn, analysis.is_lazily_initialised(value_site))
                if reason is not None:
                    yield self._finding(site, fn, name, reason)

    def _leak(self, reads: StaleReads, fn: Function, lazy: bool) -> Optional[str]:
        """How a later request gets this request's value, or None when none can: every
        entry point that reaches `fn` rebinds the global before anything reads it."""
        if lazy:
            return "lazy"
        entries = [e.function for e in self.analysis.entries_reaching(fn)] or [fn]
        if any(reads.read_by_background_work(entry) for entry in entries):
            return "background"
        if any(reads.stale_in(entry) for entry in entries):
            return "stale"
        return None

    def _request_derived(self, value: cst.BaseExpression, fn: Function) -> bool:
        return self.analysis.is_tainted(value, fn, request_only=True)

    def _finding(self, site: Site, fn: Function, name: str, reason: str) -> RawFinding:
        analysis = self.analysis
        statement = site.statement() or site.node
        code = _common.snippet(analysis.module, statement)
        if reason == "lazy":
            message = (
                f"`global {name}` caches a value from the request (`{code}`) behind a guard "
                "that skips it once set, so the first request's value serves later warm invocations"
            )
            suggestion = (
                f"Build the value per request in `{fn.qualname}`, or cache it keyed by what it "
                f"depends on (a dict keyed by region or tenant) instead of one `global {name}`."
            )
            return self.report(site.node, message, suggestion, fn)
        how = (
            "background work started by the handler reads it after the next request rebinds it"
            if reason == "background"
            else "an invocation can read it before rebinding it (or without rebinding it) and get "
            "the previous request's data"
        )
        message = f"`global {name}` is set from the request (`{code}`), and {how}"
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
            parts = (
                value.elements
                if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements)
                else None
            )
            for index, element in enumerate(target.elements):
                if isinstance(element.value, cst.Name) and element.value.value in fn.globals_declared:
                    if parts is None:
                        return element.value.value, value
                    part = parts[index].value
                    if isinstance(parts[index], cst.StarredElement) or isinstance(element, cst.StarredElement):
                        return element.value.value, value
                    return element.value.value, part
    return None, None
