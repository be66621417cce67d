"""LAM307 network-call-without-timeout: an HTTP request on the invocation path that can wait forever."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, dotted_name
from lambdalint.analysis.model import binding_scope
from lambdalint.catalog import (
    DEFAULT_REQUEST_TIMEOUT,
    HTTP_ADAPTERS,
    HTTP_CLIENT_METHODS,
    HTTP_CLIENTS,
    HTTP_DEFAULT_TIMEOUT,
    HTTP_REQUEST_FUNCTIONS,
    HTTP_TIMEOUT_POSITION,
    HTTP_URL_POSITION,
    SOCKET_DEFAULT_APPLIES,
    SOCKET_DEFAULT_TIMEOUT,
    TIMEOUT_TYPES,
    names_local_host,
)
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _hygiene

# Share of the function's timeout that the added request timeout takes: the request gives
# up early enough for the handler to handle the error and still return.
TIMEOUT_SHARE = 0.8

# Why a request has no timeout: "unset" (none given, none by default), "none" (an explicit
# `timeout=None` on the call), "no read" (`timeout=(3, None)`), "client" (the client or pool
# was built with `timeout=None`).
Missing = str


class _Request:
    def __init__(self, library: str, method: str, client: Optional[Tuple[cst.Call, Optional[Function]]]):
        self.library = library
        self.method = method  # function or method name: get, request, urlopen, ...
        self.client = client  # the construction of the session/client/pool, if any


class NetworkCallWithoutTimeout(Rule):
    code = "LAM307"
    name = "network-call-without-timeout"
    summary = (
        "An HTTP request on the invocation path has no timeout (`requests`, `urllib.request`, "
        "`urllib3` without one, `httpx` with `timeout=None`)."
    )
    why = """
        `requests`, `urllib.request.urlopen` and `urllib3` wait for a response for as long
        as the peer keeps the connection open unless they are given a timeout; `httpx` has
        a 5 second default, which `timeout=None` turns off. A peer that accepts the
        connection and then stalls (an overloaded API, a half-open connection through a
        NAT gateway, a dropped packet on a long read) holds the invocation until Lambda's
        own timeout stops it: the request fails with `Task timed out`, the time up to the
        function's timeout is billed, the handler's error handling never runs, and an
        event source retries the whole event. With a timeout the call raises instead, and
        the handler can retry, fall back or report.

        The timeout counts when it is set where the client is built: an `httpx.Client`
        or `urllib3.PoolManager` with a `timeout=`, a `requests.Session` that mounts an
        `HTTPAdapter` subclass that applies a timeout, or a session whose `request` is
        `functools.partial(..., timeout=...)`; `socket.setdefaulttimeout(...)` covers
        `urllib.request` and `urllib3` (not `requests`, which passes its own `None`).
        `session.timeout = 5` does nothing in requests and does not count. The adapter
        is recognised when its class is defined in the same module and mentions
        `timeout`, or when it is built with a `timeout=` argument. A session made by a
        factory function lambdalint cannot see into is not flagged, nor a call with
        `**kwargs`, nor a request to `localhost` (a Lambda extension). Calls at import
        time are not flagged.
    """
    fix_safety = """
        The fix adds `timeout=N` to the call (or replaces `timeout=None`), and is **unsafe**:
        a request that used to wait now raises (`requests.Timeout`, `socket.timeout`,
        `httpx.TimeoutException`, `urllib3.exceptions.TimeoutError`) when the peer is slower
        than N seconds. N is 80% of the function's timeout when a template describes the
        function (its `Timeout`, or Lambda's default of 3 s when it gives none; 6 s for the
        Serverless Framework), so the request gives up while the handler can still handle the
        error, and 10 seconds for a function no template describes. For `requests` and `urllib3` the timeout applies to connecting and to each
        read, not to the whole download.
    """
    references = [
        ("Requests: timeouts", "https://requests.readthedocs.io/en/latest/user/advanced/#timeouts"),
        ("HTTPX: timeouts", "https://www.python-httpx.org/advanced/timeouts/"),
        ("urllib3: timeouts", "https://urllib3.readthedocs.io/en/stable/user-guide.html#using-timeouts"),
        ("urllib.request.urlopen", "https://docs.python.org/3/library/urllib.request.html#urllib.request.urlopen"),
        (
            "Troubleshoot invocation issues in Lambda: timeouts",
            "https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html",
        ),
    ]
    valid = [
        Valid(
            """
            import requests

            session = requests.Session()


            def handler(event, context):
                response = session.post("https://api.example.com/orders", json=event, timeout=(3.05, 10))
                return response.json()
            """
        ),
        Valid(
            """
            import httpx
            import urllib3

            http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=2.0, read=5.0))
            client = httpx.Client(base_url="https://api.example.com")  # httpx: 5 s by default


            def handler(event, context):
                status = http.request("GET", event["url"]).status
                return {"status": status, "price": client.get("/price").json()}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import requests


            def lambda_handler(event, context):
                response = requests.get(event["callback_url"])
                return {"status": response.status_code}
            """,
            lines=(5,),
            fixed="""
            import requests


            def lambda_handler(event, context):
                response = requests.get(event["callback_url"], timeout=10)
                return {"status": response.status_code}
            """,
        ),
        Invalid(
            """
            import urllib.request

            import httpx

            client = httpx.Client(timeout=None)


            def handler(event, context):
                with urllib.request.urlopen(event["url"]) as response:
                    body = response.read()
                return client.post("https://api.example.com/ingest", content=body).json()
            """,
            lines=(9, 11),
            fixed="""
            import urllib.request

            import httpx

            client = httpx.Client(timeout=None)


            def handler(event, context):
                with urllib.request.urlopen(event["url"], timeout=10) as response:
                    body = response.read()
                return client.post("https://api.example.com/ingest", content=body, timeout=10).json()
            """,
        ),
    ]

    def __init__(self, analysis) -> None:
        super().__init__(analysis)
        self._socket_default: Optional[bool] = None
        self._session_defaults: Optional[Set[str]] = None

    def check(self) -> Iterator[RawFinding]:
        for fn in self.analysis.path_functions:
            for site in fn.iter(cst.Call):
                request = self._request(site.node, fn)
                if request is None:
                    continue
                missing = self._missing(site.node, request, fn)
                if missing is None or self._local(site.node, request, fn):
                    continue
                yield self._finding(site, fn, request, missing)

    # -- what the call is -------------------------------------------------------------------------
    def _request(self, call: cst.Call, fn: Function) -> Optional[_Request]:
        analysis = self.analysis
        qn = analysis.qualified_name(call.func, fn)
        if qn in HTTP_REQUEST_FUNCTIONS:
            return _Request(HTTP_REQUEST_FUNCTIONS[qn], qn.rsplit(".", 1)[-1], None)
        func = call.func
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if not any(method in methods for methods in HTTP_CLIENT_METHODS.values()):
            return None
        clients = self._constructions(func.value, fn, 0)
        libraries = {HTTP_CLIENTS[analysis.qualified_name(c.func, s) or ""] for c, s in clients}
        if len(libraries) != 1:
            return None
        library = libraries.pop()
        if method not in HTTP_CLIENT_METHODS[library]:
            return None
        if len(clients) > 1 and len({self._client_timeout(c, s) for c, s in clients}) > 1:
            return None  # built in several ways: not known which one this is
        return _Request(library, method, clients[0])

    def _constructions(self, receiver, fn: Optional[Function], depth: int) -> List[Tuple[cst.Call, Optional[Function]]]:
        """The session/client/pool constructions `receiver` may hold ([] when any binding
        is something else)."""
        analysis = self.analysis
        if depth > 6:
            return []
        if isinstance(receiver, cst.Call):
            return [(receiver, fn)] if analysis.qualified_name(receiver.func, fn) in HTTP_CLIENTS else []
        if (
            isinstance(receiver, cst.Attribute)
            and isinstance(receiver.value, cst.Name)
            and receiver.value.value == "self"
        ):
            values = _hygiene.attribute_values(self.analysis, receiver.attr.value, fn)
        elif isinstance(receiver, cst.Name):
            values = [(s, v) for s, v in _hygiene.name_values(analysis, receiver.value, fn) if not _hygiene.is_none(v)]
            values += _hygiene.with_items(receiver.value, fn)
            scope = binding_scope(receiver.value, fn)
            if scope is not None and len(values) < len(scope.assigned.get(receiver.value, [])):
                return []  # also bound to something we cannot see (a loop target, ...)
        else:
            return []
        out: List[Tuple[cst.Call, Optional[Function]]] = []
        for scope, value in values:
            found = self._constructions(value, scope, depth + 1)
            if not found:
                return []
            out += found
        return out

    # -- is there a timeout? --------------------------------------------------------------------------
    def _missing(self, call: cst.Call, request: _Request, fn: Function) -> Optional[Missing]:
        own = self._call_timeout(call, request)
        if own in ("set", "unknown"):
            return None
        if own in ("none", "no read"):
            return own
        client = request.client
        client_timeout = self._client_timeout(*client) if client is not None else "unset"
        if client_timeout == "none":
            return "client"
        if client_timeout in ("set", "unknown") or request.library in HTTP_DEFAULT_TIMEOUT:
            return None
        if request.library in SOCKET_DEFAULT_APPLIES and self._has_socket_default():
            return None
        if request.library == "requests" and client is not None and self._session_has_default(call):
            return None
        return "unset"

    def _call_timeout(self, call: cst.Call, request: _Request) -> str:
        """ "set", "none" (explicit None, also as a read timeout), "unset" or "unknown"."""
        arg = _hygiene.keyword(call, "timeout")
        if arg is None:
            index = HTTP_TIMEOUT_POSITION.get((request.library, request.method))
            if index is not None and len(_hygiene.positional(call)) > index:
                arg = _hygiene.positional(call)[index]
            elif _hygiene.has_unpacked_keywords(call) or _hygiene.has_unpacked_positionals(call):
                return "unknown"
            else:
                return "unset"
        if isinstance(arg.value, cst.Tuple) and self._no_timeout(arg.value):
            return "no read"
        return "none" if self._no_timeout(arg.value) else "set"

    def _client_timeout(self, ctor: cst.Call, scope: Optional[Function]) -> str:
        arg = _hygiene.keyword(ctor, "timeout")
        if arg is None:
            return "unknown" if _hygiene.has_unpacked_keywords(ctor) else "unset"
        return "none" if self._no_timeout(arg.value, scope) else "set"

    def _no_timeout(self, value, scope: Optional[Function] = None) -> bool:
        """`None`, `(3, None)` (no read timeout) or `httpx.Timeout(None)`."""
        if _hygiene.is_none(value):
            return True
        if isinstance(value, cst.Tuple) and len(value.elements) == 2:
            return _hygiene.is_none(value.elements[1].value)
        if isinstance(value, cst.Call) and self.analysis.qualified_name(value.func, scope) in TIMEOUT_TYPES:
            args = _hygiene.positional(value)
            return bool(args) and _hygiene.is_none(args[0].value) and len(value.args) == 1
        return False

    def _has_socket_default(self) -> bool:
        if self._socket_default is None:
            self._socket_default = any(
                isinstance(node, cst.Call) and self.analysis.qualified_name(node.func, fn) == SOCKET_DEFAULT_TIMEOUT
                for node, fn in self._all_calls()
            )
        return self._socket_default

    def _session_has_default(self, call: cst.Call) -> bool:
        receiver = dotted_name(call.func.value) if isinstance(call.func, cst.Attribute) else None
        return receiver is not None and receiver in self._timeout_sessions()

    def _timeout_sessions(self) -> Set[str]:
        """Names of sessions that get a timeout from a mounted adapter or a
        `functools.partial(session.request, timeout=...)`."""
        if self._session_defaults is not None:
            return self._session_defaults
        found: Set[str] = set()
        for node, fn in self._all_calls():
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "mount" and len(node.args) >= 2:
                receiver = dotted_name(func.value)
                if receiver is not None and self._adapter_with_timeout(node.args[1].value, fn):
                    found.add(receiver)
        for assign, fn in self._all_assignments():
            for target in assign.targets:
                t = target.target
                if (
                    isinstance(t, cst.Attribute)
                    and t.attr.value == "request"
                    and isinstance(assign.value, cst.Call)
                    and self.analysis.qualified_name(assign.value.func, fn) == "functools.partial"
                    and _hygiene.keyword(assign.value, "timeout") is not None
                ):
                    receiver = dotted_name(t.value)
                    if receiver is not None:
                        found.add(receiver)
        self._session_defaults = found
        return found

    def _adapter_with_timeout(self, adapter, fn: Optional[Function]) -> bool:
        if isinstance(adapter, cst.Name):
            values = _hygiene.name_values(self.analysis, adapter.value, fn)
            return len(values) == 1 and self._adapter_with_timeout(values[0][1], values[0][0])
        if not isinstance(adapter, cst.Call):
            return False
        if _hygiene.keyword(adapter, "timeout") is not None:
            return True  # an adapter class that takes a timeout (defined elsewhere)
        cls = self.analysis.classes.get(dotted_name(adapter.func) or "")
        if cls is None:
            return False
        bases = {self.analysis.qualified_name(b.value, None) for b in cls.bases}
        return bool(bases & HTTP_ADAPTERS) and "timeout" in self.analysis.module.code_for_node(cls)

    def _all_calls(self) -> Iterator[Tuple[cst.Call, Optional[Function]]]:
        for node, _ in _hygiene.module_level_nodes(self.analysis):
            if isinstance(node, cst.Call):
                yield node, None
        for fn in self.analysis.functions.values():
            for site in fn.iter(cst.Call):
                yield site.node, fn

    def _all_assignments(self) -> Iterator[Tuple[cst.Assign, Optional[Function]]]:
        for node, _ in _hygiene.module_level_nodes(self.analysis):
            if isinstance(node, cst.Assign):
                yield node, None
        for fn in self.analysis.functions.values():
            for site in fn.iter(cst.Assign):
                yield site.node, fn

    def _local(self, call: cst.Call, request: _Request, fn: Function) -> bool:
        """A request to localhost (a Lambda extension, such as the Parameters and Secrets one)."""
        index = HTTP_URL_POSITION.get((request.library, request.method), 0)
        url = _hygiene.keyword(call, "url")
        if url is None:
            args = _hygiene.positional(call)
            url = args[index] if len(args) > index else None
        prefix = _leading_text(self.analysis, url.value if url is not None else None, fn)
        return prefix is not None and names_local_host(prefix)

    # -- the finding and its fix --------------------------------------------------------------------------
    def _finding(self, site: Site, fn: Function, request: _Request, missing: Missing) -> RawFinding:
        analysis = self.analysis
        snippet = _common.snippet(analysis.module, site.node, 70)
        if missing == "none":
            why = "has `timeout=None`"
        elif missing == "no read":
            why = "has no read timeout (`None` in the timeout tuple)"
        elif missing == "client":
            why = "goes through an HTTP client built with `timeout=None`"
        else:
            why = "has no timeout"
        message = (
            f"`{snippet}` {why}: a peer that stalls holds the invocation until Lambda's own "
            "timeout stops it and the handler's error handling never runs"
        )
        value, reason = self._timeout_value(fn)
        suggestion = (
            f"{_HOW[request.library]} A value below the function's timeout lets the handler handle it: {reason}."
        )
        return self.report(site.node, message, suggestion, fn, self._fix(site.node, value, reason))

    def _timeout_value(self, fn: Function) -> Tuple[float, str]:
        limit = self.analysis.settings_for(fn).timeout
        if limit:
            value = limit * TIMEOUT_SHARE
            value = float(int(value)) if value >= 1 else round(value, 1)
            return value, (
                f"`timeout={_hygiene.format_seconds(value)}` is {int(TIMEOUT_SHARE * 100)}% "
                f"of the function's {limit} s `Timeout`"
            )
        return float(DEFAULT_REQUEST_TIMEOUT), (
            f"`timeout={DEFAULT_REQUEST_TIMEOUT}` is a default, as no template gives this function's "
            "`Timeout`; keep it below that"
        )

    def _fix(self, call: cst.Call, value: float, reason: str) -> Optional[Fix]:
        if _hygiene.keyword(call, "timeout") is None and (
            _hygiene.has_unpacked_keywords(call) or _hygiene.has_unpacked_positionals(call)
        ):
            return None
        text = _hygiene.format_seconds(value)
        literal = cst.Integer(text) if "." not in text else cst.Float(text)

        def add_timeout(updated: cst.Call) -> cst.Call:
            return updated.with_changes(args=_with_timeout(list(updated.args), literal))

        return Fix(
            applicability=UNSAFE, description=f"add `timeout={text}` to the call ({reason})", edits={call: add_timeout}
        )


_HOW = {
    "requests": (
        "Pass `timeout=` (seconds, or `(connect, read)`) on the call: requests has no "
        "default. For a session, mount an `HTTPAdapter` subclass that sets it once."
    ),
    "httpx": (
        "Give a finite timeout (`timeout=10.0` or `httpx.Timeout(10.0, connect=3.0)`) on the "
        "call or the client: httpx's default is 5 s."
    ),
    "urllib": "Pass `timeout=` to `urlopen` / `open` (or call `socket.setdefaulttimeout(...)` at import).",
    "urllib3": (
        "Build the pool with `urllib3.PoolManager(timeout=urllib3.Timeout(connect=..., read=...))` "
        "or pass `timeout=` on the request."
    ),
}


def _with_timeout(args: List[cst.Arg], literal: cst.BaseExpression) -> List[cst.Arg]:
    """The arguments with `timeout=<literal>` replacing `timeout=None` or added last."""
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "timeout":
            value = arg.value
            if isinstance(value, cst.Tuple):  # (connect, None): only the missing read timeout
                value = value.with_changes(
                    elements=[e.with_changes(value=literal) if _hygiene.is_none(e.value) else e for e in value.elements]
                )
            else:
                value = literal
            args[index] = arg.with_changes(value=value)
            return args
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    new = cst.Arg(value=literal, keyword=cst.Name("timeout"), equal=equal)
    if args and isinstance(args[-1].comma, cst.Comma):
        # a trailing comma (often on its own line): the new argument takes over its layout
        last = args[-1]
        before = (
            args[-2].comma
            if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma)
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        args[-1] = last.with_changes(comma=before)
        new = new.with_changes(comma=last.comma)
    return [*args, new]


def _leading_text(analysis, expr, fn: Optional[Function]) -> Optional[str]:
    """The literal text a URL expression starts with (a string, an f-string's first part, the
    left side of `+`, a name bound once to one of those)."""
    if expr is None:
        return None
    value = _hygiene.constant_string(analysis, expr, fn)
    if value is not None:
        return value
    if isinstance(expr, cst.FormattedString):
        text = ""
        for part in expr.parts:
            if not isinstance(part, cst.FormattedStringText):
                break
            text += part.value
        return text or None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _leading_text(analysis, expr.left, fn)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format":
        return _leading_text(analysis, expr.func.value, fn)
    if isinstance(expr, cst.Name):
        values = _hygiene.name_values(analysis, expr.value, fn)
        if len(values) == 1:
            return _leading_text(analysis, values[0][1], values[0][0])
    return None
