"""LAM104 log-context-leak: per-request keys added to a logging context that outlives the request."""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterator, List, Optional, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import EntryPoint, Function, Site, dotted_name
from lambdalint.analysis.model import binding_scope
from lambdalint.catalog import (
    LOG_METHODS,
    LOGGER_ADAPTERS,
    POWERTOOLS_APPENDERS,
    POWERTOOLS_INJECT_CONTEXT,
    POWERTOOLS_LEGACY_APPEND,
    POWERTOOLS_LOGGERS,
    STRUCTLOG_BINDERS,
    STRUCTLOG_CLEARERS,
    STRUCTLOG_UNBINDERS,
)
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _hygiene


class _Added:
    """Keys added to a long-lived logging context by one construct."""

    def __init__(
        self, kind: str, store: str, receiver: str, keys: Optional[FrozenSet[str]], values: List[cst.CSTNode]
    ) -> None:
        self.kind = kind  # "powertools", "structlog", "adapter"
        self.store = store  # which key store: "keys", "thread keys", "contextvars", "threadlocal", "extra"
        self.receiver = receiver  # `logger`, `structlog.contextvars`, `adapter.extra`, `EXTRA`
        self.keys = keys  # None: not known (`**mapping`)
        self.values = values  # the expressions that are added


class LogContextLeak(Rule):
    code = "LAM104"
    name = "log-context-leak"
    summary = (
        "Per-request keys are added to a module-level logging context (Powertools "
        "`append_keys`, structlog `bind_contextvars`, a module-level `LoggerAdapter`'s "
        "`extra`) and not cleared, so the next request logs under them."
    )
    why = """
        A logger created at module level lives as long as the execution environment. Keys
        added to it during a request stay there after the handler returns: Powertools'
        `logger.append_keys(...)` keeps them in the logger's formatter ("custom keys are
        persisted across warm invocations"), structlog's `bind_contextvars(...)` keeps them
        in context variables (Lambda calls the handler in the same thread and context every
        time), and a module-level `logging.LoggerAdapter`'s `extra` is one dict for every
        request.

        The next request served by the environment logs under the previous request's
        order id, user or tenant until its own code sets the key again, and for ever when
        that request takes a path that never sets it. Logs are then attributed to the wrong
        request, the wrong customer's identifiers end up in another customer's log lines,
        and searches by id find records that do not belong to it.

        Clear the context on every invocation: `@logger.inject_lambda_context(clear_state=True)`
        (Powertools' decorator leaves appended keys alone by default),
        `logger.remove_keys([...])` or `logger.clear_state()` in a `finally:`, scoped keys
        with `with logger.append_context_keys(...):`, structlog's `clear_contextvars()` at the
        start of the handler or `with bound_contextvars(...):`, and a `LoggerAdapter` built
        per request.

        Not flagged: keys that do not depend on the request (the function name, a version),
        keys added at import time, and a key set unconditionally at the top of the handler
        before anything is logged (by the handler itself or by a helper it calls first),
        which every invocation overwrites.
    """
    fix_safety = """
        When the handler already has `@logger.inject_lambda_context` (with or without
        arguments), the fix adds `clear_state=True` to it. It is **unsafe**: Powertools then
        removes every key added since the last invocation before the handler runs, also keys
        added at import time with `append_keys` (pass those to `Logger(...)` instead) and any
        key that code relies on carrying over between invocations on purpose. No fix is
        offered when the decorator says `clear_state=False`, or for structlog and
        `LoggerAdapter`.
    """
    references = [
        (
            "Powertools for AWS Lambda (Python) Logger: appending additional keys",
            "https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#appending-additional-keys",
        ),
        (
            "Powertools Logger: clearing all state",
            "https://docs.powertools.aws.dev/lambda/python/latest/core/logger/#clearing-all-state",
        ),
        (
            "Powertools issue: appending additional keys state kept between Lambda invocations",
            "https://github.com/aws-powertools/powertools-lambda-python/issues/407",
        ),
        ("structlog: context variables", "https://www.structlog.org/en/stable/contextvars.html"),
        ("logging.LoggerAdapter", "https://docs.python.org/3/library/logging.html#loggeradapter-objects"),
    ]
    valid = [
        Valid(
            """
            from aws_lambda_powertools import Logger

            logger = Logger(service="payments")


            @logger.inject_lambda_context(clear_state=True)
            def lambda_handler(event, context):
                if event.get("customer_id"):
                    logger.append_keys(customer_id=event["customer_id"])
                logger.info("Collecting payment")
                return {"ok": True}
            """
        ),
        Valid(
            """
            import structlog

            log = structlog.get_logger()


            def handler(event, context):
                structlog.contextvars.clear_contextvars()
                structlog.contextvars.bind_contextvars(request_id=context.aws_request_id)
                log.info("received", records=len(event["Records"]))
            """
        ),
        Valid(
            """
            from aws_lambda_powertools import Logger

            logger = Logger()


            def handler(event, context):
                # set on every invocation, before anything is logged: always this request's
                logger.append_keys(request_id=context.aws_request_id, tenant=event.get("tenant"))
                logger.info("start")
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            from aws_lambda_powertools import Logger

            logger = Logger(service="payments")


            @logger.inject_lambda_context
            def lambda_handler(event, context):
                if event.get("customer_id"):
                    logger.append_keys(customer_id=event["customer_id"])
                logger.info("Collecting payment")
                return {"ok": True}
            """,
            lines=(9,),
            fixed="""
            from aws_lambda_powertools import Logger

            logger = Logger(service="payments")


            @logger.inject_lambda_context(clear_state=True)
            def lambda_handler(event, context):
                if event.get("customer_id"):
                    logger.append_keys(customer_id=event["customer_id"])
                logger.info("Collecting payment")
                return {"ok": True}
            """,
        ),
        Invalid(
            """
            from structlog.contextvars import bind_contextvars
            import structlog

            log = structlog.get_logger()


            def handler(event, context):
                log.info("received")
                for record in event["Records"]:
                    bind_contextvars(message_id=record["messageId"])
                    log.info("processing")
            """,
            lines=(10,),
        ),
        Invalid(
            """
            import logging

            adapter = logging.LoggerAdapter(logging.getLogger(__name__), {})


            def handler(event, context):
                if "user" in event:
                    adapter.extra["user"] = event["user"]
                adapter.info("handled")
            """,
            lines=(8,),
        ),
    ]

    def __init__(self, analysis) -> None:
        super().__init__(analysis)
        self._fixes: Dict[Tuple[int, ...], Fix] = {}
        self._adapters: Optional[Dict[str, str]] = None

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call, cst.Assign, cst.AugAssign):
                added = self._added(site, fn)
                if added is None or not any(analysis.is_tainted(v, fn, request_only=True) for v in added.values):
                    continue
                entries = self._entries(fn)
                if entries and all(self._cleared(added, site, fn, e) for e in entries):
                    continue
                yield self._finding(site, fn, added, entries)

    # -- what adds keys ----------------------------------------------------------------------------
    def _added(self, site: Site, fn: Function) -> Optional[_Added]:
        node = site.node
        if isinstance(node, cst.Call):
            return self._added_by_call(node, fn)
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:
            if isinstance(target, cst.Subscript):
                owner = self._extra_dict(target.value, fn)
                if owner is not None:
                    key = _hygiene.constant_string(self.analysis, _subscript_key(target), fn)
                    return _Added("adapter", "extra", owner, frozenset({key}) if key else None, [node.value])
            if (
                isinstance(target, cst.Attribute)
                and target.attr.value == "extra"
                and self._adapter(target.value, fn) is not None
            ):
                return _Added("adapter", "extra", f"{dotted_name(target.value)}.extra", None, [node.value])
        return None

    def _added_by_call(self, call: cst.Call, fn: Function) -> Optional[_Added]:
        analysis = self.analysis
        func = call.func
        keyword_names = frozenset(a.keyword.value for a in call.args if a.keyword is not None)
        keys = None if _hygiene.has_unpacked_keywords(call) else keyword_names
        values = [a.value for a in call.args]
        if analysis.qualified_name(func, fn) in STRUCTLOG_BINDERS:
            store = "threadlocal" if "threadlocal" in (analysis.qualified_name(func, fn) or "") else "contextvars"
            return _Added("structlog", store, "structlog", keys, values)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method in POWERTOOLS_APPENDERS or method == POWERTOOLS_LEGACY_APPEND:
            if method == POWERTOOLS_LEGACY_APPEND:
                append = _hygiene.keyword(call, "append")
                if append is None or not (isinstance(append.value, cst.Name) and append.value.value == "True"):
                    return None
                keys = None if keys is None else keys - {"append", "formatter_options"}
                values = [
                    a.value
                    for a in call.args
                    if a.keyword is None or a.keyword.value not in ("append", "formatter_options")
                ]
            receiver = self._powertools_logger(func.value, fn, method)
            if receiver is None:
                return None
            return _Added("powertools", POWERTOOLS_APPENDERS.get(method, "keys"), receiver, keys, values)
        if method in ("update", "setdefault", "__setitem__"):
            owner = self._extra_dict(func.value, fn)
            if owner is None:
                return None
            args = _hygiene.positional(call)
            if method == "update":
                literal = _dict_keys(args)
                if keys is None or (args and literal is None):
                    key_set = None
                else:
                    key_set = keys | frozenset(literal or ())
                return _Added("adapter", "extra", owner, key_set, values)
            key = _hygiene.constant_string(analysis, args[0].value, fn) if args else None
            return _Added("adapter", "extra", owner, frozenset({key}) if key else None, values[1:])
        return None

    def _powertools_logger(self, receiver, fn: Function, method: str) -> Optional[str]:
        """`logger` when it is a module-level Powertools Logger (or one imported from another
        module of the project, for the Powertools-only `append_keys` methods)."""
        if not isinstance(receiver, cst.Name) or binding_scope(receiver.value, fn) is not None:
            return None
        if self.analysis.qualified_name(receiver, fn) in POWERTOOLS_LOGGERS:
            return receiver.value
        if method in POWERTOOLS_APPENDERS and receiver.value in self.analysis.aliases:
            return receiver.value
        return None

    def _adapter(self, expr, fn: Optional[Function]) -> Optional[str]:
        """The name of a module-level `logging.LoggerAdapter` (or subclass) `expr` is."""
        if not isinstance(expr, cst.Name) or binding_scope(expr.value, fn) is not None:
            return None
        return expr.value if expr.value in self._module_adapters() else None

    def _module_adapters(self) -> Dict[str, str]:
        """Module-level LoggerAdapters: name -> the module-level dict passed as `extra` ('' if none)."""
        if self._adapters is not None:
            return self._adapters
        analysis = self.analysis
        adapter_classes = {
            name
            for name, cls in analysis.classes.items()
            if any(analysis.qualified_name(b.value, None) in LOGGER_ADAPTERS for b in cls.bases)
        }
        found: Dict[str, str] = {}
        for name, values in analysis.module_bindings.items():
            if len(values) != 1 or not isinstance(values[0], cst.Call) or name in analysis.rebound_globals:
                continue
            call = values[0]
            if analysis.qualified_name(call.func, None) in LOGGER_ADAPTERS or dotted_name(call.func) in adapter_classes:
                extra = _hygiene.keyword(call, "extra")
                args = _hygiene.positional(call)
                value = extra.value if extra is not None else (args[1].value if len(args) > 1 else None)
                found[name] = value.value if isinstance(value, cst.Name) else ""
        self._adapters = found
        return found

    def _extra_dict(self, expr, fn: Function) -> Optional[str]:
        """`adapter.extra` of a module-level adapter, or the module-level dict given as its
        `extra`: how the code names it."""
        if isinstance(expr, cst.Attribute) and expr.attr.value == "extra" and self._adapter(expr.value, fn):
            return f"{expr.value.value}.extra"
        if (
            isinstance(expr, cst.Name)
            and binding_scope(expr.value, fn) is None
            and expr.value
            and expr.value in {d for d in self._module_adapters().values() if d}
        ):
            return expr.value
        return None

    # -- is it cleared on every invocation? ------------------------------------------------------------
    def _entries(self, fn: Function) -> List[EntryPoint]:
        """The entry points whose invocations run `fn`; for a framework route, the module's
        Lambda handlers (they run the route through the app) when it has any."""
        analysis = self.analysis
        entries = analysis.entries_reaching(fn)
        handlers = [e for e in analysis.entry_points if e.source != "framework"]
        out: List[EntryPoint] = []
        for entry in entries:
            if entry.source == "framework" and handlers:
                out += [h for h in handlers if h not in out]
            elif entry not in out:
                out.append(entry)
        return out

    def _cleared(self, added: _Added, site: Site, fn: Function, entry: EntryPoint) -> bool:
        handler = entry.function
        if added.kind == "powertools" and self._inject_decorator(handler, added.receiver, "clear_state") is True:
            return True
        if handler is fn and self._set_before_any_log(added, site, fn):
            return True
        if handler is not fn and self._only_route_sets_first(added, site, fn, handler):
            return True
        if handler is not fn and self._helper_sets_first(added, site, fn, handler):
            return True
        for other in [handler, fn] + sorted(self.analysis.reachable_from(handler), key=lambda f: f.qualname):
            for clear in other.iter(cst.Call, cst.Del, cst.Assign):
                if clear.node is site.node or not self._clears(clear, other, added):
                    continue
                if _hygiene.in_finally(clear) and other in (handler, fn):
                    return True
                if other is handler and self._runs_first(clear, site, fn, handler):
                    return True
        return False

    def _clears(self, clear: Site, fn: Function, added: _Added) -> bool:
        """The construct removes (at least) the keys `added` put there."""
        node = clear.node
        analysis = self.analysis
        if added.kind == "adapter":
            return self._clears_extra(node, fn, added)
        if not isinstance(node, cst.Call):
            return False
        func = node.func
        qn = analysis.qualified_name(func, fn) or ""
        if added.kind == "structlog":
            if qn in STRUCTLOG_CLEARERS:
                return added.store in qn
            if qn in STRUCTLOG_UNBINDERS and added.store in qn:
                named = {_hygiene.constant_string(analysis, a.value, fn) for a in node.args}
                return "reset_contextvars" in qn or _covers(named, added.keys)
            return False
        if not isinstance(func, cst.Attribute) or dotted_name(func.value) != added.receiver:
            return False
        method = func.attr.value
        if method == "clear_state" or (method == POWERTOOLS_LEGACY_APPEND and _hygiene.keyword(node, "append") is None):
            return True
        if method == "thread_safe_clear_keys":
            return added.store == "thread keys"
        if method in ("remove_keys", "thread_safe_remove_keys") and node.args:
            if (method == "remove_keys") != (added.store == "keys"):
                return False
            value = node.args[0].value
            if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                named = {_hygiene.constant_string(analysis, e.value, fn) for e in value.elements}
                return _covers(named, added.keys)
            return True  # a computed list of keys: assume it names them
        return False

    def _clears_extra(self, node, fn: Function, added: _Added) -> bool:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            if self._extra_dict(node.func.value, fn) == added.receiver:
                if node.func.attr.value == "clear":
                    return True
                if node.func.attr.value == "pop" and node.args:
                    return _covers({_hygiene.constant_string(self.analysis, node.args[0].value, fn)}, added.keys)
            return False
        if isinstance(node, cst.Del):
            target = node.target
            if isinstance(target, cst.Subscript) and self._extra_dict(target.value, fn) == added.receiver:
                return _covers({_hygiene.constant_string(self.analysis, _subscript_key(target), fn)}, added.keys)
            return False
        if isinstance(node, cst.Assign) and not self.analysis.is_tainted(node.value, fn, request_only=True):
            for assigned in node.targets:  # adapter.extra = {} (a fresh, request-free dict)
                t = assigned.target
                if (
                    isinstance(t, cst.Attribute)
                    and t.attr.value == "extra"
                    and f"{dotted_name(t.value)}.extra" == added.receiver
                ):
                    return True
        return False

    def _runs_first(self, clear: Site, site: Site, fn: Function, handler: Function) -> bool:
        """The clearing runs on every invocation of `handler`, before the keys are added:
        a top-level statement of its body that comes before the one leading to `site`."""
        if _hygiene.is_conditional(clear.ancestors):
            return False
        index = _hygiene.body_index(handler, _hygiene.top_statement(clear))
        if index < 0:
            return False
        if fn is handler:
            return index < _hygiene.body_index(handler, _hygiene.top_statement(site))
        first = self._first_statement_reaching(handler, fn)
        return first is not None and index < first

    def _first_statement_reaching(self, handler: Function, target: Function) -> Optional[int]:
        analysis = self.analysis
        best: Optional[int] = None
        for call in handler.iter(cst.Call):
            callee = analysis.resolve_call(call.node.func, handler)
            if callee is not None and target in analysis.reachable_from(callee):
                index = _hygiene.body_index(handler, _hygiene.top_statement(call))
                if index >= 0 and (best is None or index < best):
                    best = index
        return best

    def _set_before_any_log(self, added: _Added, site: Site, fn: Function) -> bool:
        """The keys are set at the top of the handler on every invocation, before anything
        is logged: each invocation overwrites the previous values first."""
        if added.keys is None or _hygiene.is_conditional(site.ancestors):
            return False
        if self._inject_decorator(fn, None, "log_event") is True:
            return False  # the decorator logs the event first, under the previous keys
        index = _hygiene.body_index(fn, _hygiene.top_statement(site))
        if index < 0:
            return False
        body = fn.node.body.body
        return not any(self._may_log(stmt, fn) for stmt in body[:index])

    def _only_route_sets_first(self, added: _Added, site: Site, fn: Function, handler: Function) -> bool:
        """A module with one route, which sets the keys before anything is logged, behind a
        handler that logs nothing before it dispatches: every invocation sets them first."""
        routes = [e for e in self.analysis.entry_points if e.source == "framework"]
        if len(routes) != 1 or routes[0].function is not fn or not self._set_before_any_log(added, site, fn):
            return False
        if self._inject_decorator(handler, None, "log_event") is True:
            return False
        body = handler.node.body.body if isinstance(handler.node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if any(
                isinstance(n, cst.Attribute) and n.attr.value in ("resolve", "resolve_async")
                for n in _common.walk_nodes(stmt)
            ):
                return True
            if self._may_log(stmt, handler):
                return False
        return False

    def _helper_sets_first(self, added: _Added, site: Site, fn: Function, handler: Function) -> bool:
        """A helper that sets the keys at its top, called unconditionally by the handler
        before anything is logged (`inject_payment_id(event)` as its first statement): every
        invocation overwrites them first, as if the handler set them itself."""
        if not self._set_before_any_log(added, site, fn):
            return False
        if self._inject_decorator(handler, None, "log_event") is True:
            return False
        body = handler.node.body.body if isinstance(handler.node.body, cst.IndentedBlock) else ()
        for call in handler.iter(cst.Call):
            if self.analysis.resolve_call(call.node.func, handler) is not fn:
                continue
            if _hygiene.is_conditional(call.ancestors):
                continue
            index = _hygiene.body_index(handler, _hygiene.top_statement(call))
            if index >= 0 and not any(self._may_log(stmt, handler) for stmt in body[:index]):
                return True
        return False

    def _may_log(self, stmt: cst.CSTNode, fn: Function) -> bool:
        for node in _common.walk_nodes(stmt):
            if isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS:
                    return True
                if (
                    self.analysis.resolve_call(func, fn) is not None
                    or isinstance(func, cst.Name)
                    and func.value == "print"
                ):
                    return True
        return False

    def _inject_decorator(self, handler: Function, receiver: Optional[str], argument: str):
        """The literal value of `argument` on the handler's `@<receiver>.inject_lambda_context(...)`
        (any logger when `receiver` is None): True/False, "other" when not a literal, None
        when the decorator or the argument is missing."""
        decorator = self._inject_node(handler, receiver)
        if decorator is None or not isinstance(decorator.decorator, cst.Call):
            return None
        arg = _hygiene.keyword(decorator.decorator, argument)
        if arg is None:
            return None
        if isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False"):
            return arg.value.value == "True"
        return "other"

    def _inject_node(self, handler: Function, receiver: Optional[str]) -> Optional[cst.Decorator]:
        for decorator in handler.node.decorators:
            expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            if (
                isinstance(expr, cst.Attribute)
                and expr.attr.value == POWERTOOLS_INJECT_CONTEXT
                and (receiver is None or dotted_name(expr.value) == receiver)
            ):
                return decorator
        return None

    # -- the finding --------------------------------------------------------------------------------------
    def _finding(self, site: Site, fn: Function, added: _Added, entries: List[EntryPoint]) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, site.node, 70)
        keys = "" if not added.keys else " (" + ", ".join(f"`{k}`" for k in sorted(added.keys)[:4]) + ")"
        handler_names = ", ".join(f"`{e.function.qualname}`" for e in entries[:2]) or f"`{fn.qualname}`"
        later = self._removed_later(site, fn, added)
        tail = (
            "they are removed later in the function, but not when an exception skips the removal"
            if later
            else "nothing clears them"
        )
        fix = None
        if added.kind == "powertools":
            what = f"adds per-request keys{keys} to the module-level Powertools logger `{added.receiver}`"
            fix = self._clear_state_fix(entries, added.receiver)
            if fix is not None:
                suggestion = (
                    f"Add `clear_state=True` to `@{added.receiver}.inject_lambda_context` on "
                    f"{handler_names}, or remove the keys in a `finally:` "
                    f"(`{added.receiver}.remove_keys([...])`)."
                )
            else:
                suggestion = (
                    f"Decorate {handler_names} with `@{added.receiver}.inject_lambda_context"
                    f"(clear_state=True)`, remove the keys in a `finally:` "
                    f"(`{added.receiver}.remove_keys([...])` or `{added.receiver}.clear_state()`), "
                    f"or scope them with `with {added.receiver}.append_context_keys(...):`."
                )
        elif added.kind == "structlog":
            what = f"binds per-request values{keys} to structlog's {added.store}, which Lambda does not reset"
            suggestion = (
                f"Call `structlog.contextvars.clear_contextvars()` first thing in {handler_names}, "
                "or bind them for the work only with `with structlog.contextvars.bound_contextvars(...):`."
            )
        else:
            what = f"puts per-request data{keys} into `{added.receiver}`, the `extra` of a module-level LoggerAdapter"
            suggestion = (
                "Build the adapter per request inside the handler "
                "(`logging.LoggerAdapter(logger, {...})` is cheap), or pass the values with "
                "`extra=` on each logging call."
            )
        message = (
            f"`{snippet}` {what}; {tail}: the next request in this environment logs under these "
            "values until it sets them again"
        )
        return self.report(site.node, message, suggestion, fn, fix)

    def _removed_later(self, site: Site, fn: Function, added: _Added) -> bool:
        start = _hygiene.body_index(fn, _hygiene.top_statement(site))
        for clear in fn.iter(cst.Call, cst.Del, cst.Assign):
            if (
                clear.node is not site.node
                and self._clears(clear, fn, added)
                and _hygiene.body_index(fn, _hygiene.top_statement(clear)) > start >= 0
            ):
                return True
        return False

    def _clear_state_fix(self, entries: List[EntryPoint], receiver: str) -> Optional[Fix]:
        """`clear_state=True` on each handler's existing `@<receiver>.inject_lambda_context`."""
        decorators = []
        for entry in entries:
            decorator = self._inject_node(entry.function, receiver)
            if decorator is None or self._inject_decorator(entry.function, receiver, "clear_state") is not None:
                return None  # no decorator to extend, or clear_state chosen explicitly
            decorators.append(decorator)
        if not decorators:
            return None
        key = tuple(id(d) for d in decorators)
        if key not in self._fixes:
            self._fixes[key] = Fix(
                applicability=UNSAFE,
                description=(
                    f"add `clear_state=True` to `@{receiver}.inject_lambda_context`: keys appended "
                    "before an invocation (also at import time) are removed when the next one starts"
                ),
                edits={d: _with_clear_state for d in decorators},
            )
        return self._fixes[key]


def _with_clear_state(decorator: cst.Decorator) -> cst.Decorator:
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    arg = cst.Arg(value=cst.Name("True"), keyword=cst.Name("clear_state"), equal=equal)
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        return decorator.with_changes(decorator=expr.with_changes(args=[*expr.args, arg]))
    return decorator.with_changes(decorator=cst.Call(func=expr, args=[arg]))


def _subscript_key(target: cst.Subscript):
    if len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
        return target.slice[0].slice.value
    return None


def _dict_keys(args) -> Optional[List[str]]:
    """Keys of a single dict-display argument of `update(...)`."""
    if len(args) == 1 and isinstance(args[0].value, cst.Dict):
        keys = [e.key for e in args[0].value.elements if isinstance(e, cst.DictElement)]
        values = [k.evaluated_value if isinstance(k, cst.SimpleString) else None for k in keys]
        strings = [v for v in values if isinstance(v, str)]
        if len(strings) == len(values):
            return strings
    return None


def _covers(named, keys: Optional[FrozenSet[str]]) -> bool:
    """A removal that names `named` removes every key of `keys` (None: not known)."""
    if None in named:
        return True  # a computed name: assume it is the right one
    return keys is not None and keys <= named
