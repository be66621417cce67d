"""LAM201 client-in-handler: SDK clients, DB connections and HTTP pools built per request."""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, dotted_name, free_names
from lambdalint.analysis.model import IterOf
from lambdalint.analysis.nodes import argument, param_default, string_value, walk_nodes
from lambdalint.catalog import (
    CLIENT_CONSTRUCTORS,
    CLOSING_METHODS,
    CONFIGURING_METHODS,
    CONNECTION_DRIVERS,
    CREDENTIAL_KEYWORDS,
    SELF_RECONNECTING_CLIENTS,
    TEMPORARY_CREDENTIAL_CALLS,
    client_kind,
    names_local_emulator,
)
from lambdalint.model import SAFE, UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _hygiene, _restore


class ClientInHandler(Rule):
    code = "LAM201"
    name = "client-in-handler"
    summary = (
        "An SDK client, database connection or HTTP connection pool is built on every "
        "invocation from arguments that do not depend on the event."
    )
    why = """
        Lambda runs module-level code once per execution environment (Init) and then calls
        the handler again and again in the same process (warm starts). A `boto3.client(...)`,
        a database connection or a `requests.Session()` created inside the handler is rebuilt
        on every request: tens to hundreds of milliseconds of credential resolution, endpoint
        and model loading, and a fresh TCP and TLS handshake each time, while the previous
        connection is thrown away.

        Created once at module level, the object is reused by every warm invocation. Since
        1 August 2025 AWS bills the Init phase too, so the point is not that Init is free: it
        runs once per environment instead of once per request (cold starts are typically well
        under 1% of invocations), and provisioned concurrency and SnapStart pay it before any
        request arrives.

        Clients whose arguments depend on the event (a region or per-tenant credentials from
        the request) are not flagged, nor are clients created lazily behind `if x is None:` or
        in a `functools.cache` / `lru_cache` factory. A helper that builds and returns a
        client for Init code or for callers with per-request arguments as well is right for
        them: the finding then sits at each per-request call of the helper whose arguments do
        not depend on the event, with the helper at the end of the call chain. A helper that,
        on some path, returns a client made on a session or credentials it builds itself
        (AssumeRole credentials expire) rebuilds it on purpose: neither its calls nor the
        clients it returns are reported, only what it builds from fixed arguments along the
        way (the STS client it assumes the role with).
    """
    fix_safety = """
        Hoisting `name = <client>(...)` from the top level of a function body to module level
        is **safe** when its arguments are literals, module constants or environment reads and
        the name is free at module level: only the time the client is built changes. It is
        **unsafe** when the construction sits inside `try`, a loop or an `if` (exceptions now
        happen at import time), and adding `@functools.cache` to a helper that returns a
        client is unsafe (callers share one object). Connections the handler closes or uses
        as a context manager are never hoisted.

        A database connection is never a safe fix and never moves bare to module level, where
        it would fail every warm request once the database drops it idle (LAM205). The
        **unsafe** fix replaces `conn = psycopg2.connect(...)` by `conn = _get_conn()` and adds
        a module-level getter that opens the connection on first use and, on later calls,
        checks it with the driver's own call (`ping(reconnect=True)` for PyMySQL and
        mysql-connector, `SELECT 1` between rollbacks for psycopg, `ping()` for redis, the
        `ping` command for MongoDB) and opens a new one when that fails; a SQLAlchemy engine
        gets `pool_pre_ping=True` instead. Requests then share the connection: a transaction
        left open is rolled back at the next checkout, but session settings and temporary
        tables persist. There is no fix when the function closes the connection, rebinds it,
        uses it as a context manager, returns it or hands it to a function that closes it,
        nor for pools and for factories that return a connection (`@functools.cache` would
        keep a dead one forever).
    """
    options = """
        - `client-factories`: extra qualified names to treat as client constructors, e.g.
          `["myproject.db.connect"]`.
    """
    valid = [
        Valid(
            """
            import boto3

            s3 = boto3.client("s3")


            def lambda_handler(event, context):
                return s3.list_objects_v2(Bucket=event["bucket"])
            """
        ),
        Valid(
            """
            import boto3


            def lambda_handler(event, context):
                # a client for the region named in the request: depends on the event
                s3 = boto3.client("s3", region_name=event["region"])
                return s3.list_buckets()
            """
        ),
        Valid(
            """
            import functools

            import boto3


            @functools.cache
            def dynamodb():
                return boto3.resource("dynamodb")


            def handler(event, context):
                return dynamodb().Table("orders").get_item(Key={"id": event["id"]})
            """
        ),
        Valid(
            """
            import os

            import boto3

            TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE"])


            def table():
                if "AWS_EXECUTION_ENV" not in os.environ:
                    # local development only: Lambda always sets AWS_EXECUTION_ENV
                    return boto3.resource("dynamodb", endpoint_url="http://localhost:8000").Table("orders")
                return TABLE


            def handler(event, context):
                return table().get_item(Key={"id": event["id"]})
            """
        ),
        Valid(
            """
            import boto3

            _sqs = None


            def handler(event, context):
                global _sqs
                if _sqs is None:
                    _sqs = boto3.client("sqs")
                _sqs.send_message(QueueUrl=event["queue"], MessageBody="hi")
            """
        ),
        Valid(
            """
            import boto3


            def main():
                s3 = boto3.client("s3")  # a script, not a Lambda handler
                print(s3.list_buckets())
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import boto3


            def lambda_handler(event, context):
                s3 = boto3.client("s3")
                return s3.list_objects_v2(Bucket=event["bucket"])
            """,
            lines=(5,),
            fixed="""
            import boto3

            s3 = boto3.client("s3")


            def lambda_handler(event, context):
                return s3.list_objects_v2(Bucket=event["bucket"])
            """,
        ),
        Invalid(
            """
            import os

            import boto3 as b


            def get_table():
                return b.resource("dynamodb").Table(os.environ["TABLE"])


            def handler(event, context):
                return get_table().get_item(Key={"id": event["id"]})
            """,
            lines=(7,),
            fixed="""
            import os

            import boto3 as b
            import functools


            @functools.cache
            def get_table():
                return b.resource("dynamodb").Table(os.environ["TABLE"])


            def handler(event, context):
                return get_table().get_item(Key={"id": event["id"]})
            """,
        ),
        Invalid(
            """
            from requests import Session


            class Handler:
                def __call__(self, event, context):
                    for url in event["urls"]:
                        http = Session()
                        http.get(url)


            handler = Handler()
            """,
            lines=(7,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        factories = CLIENT_CONSTRUCTORS | analysis.config.client_factories
        shared = self._shared_factories(factories)
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                call = site.node
                qn = analysis.qualified_name(call.func, fn)
                if qn not in factories:
                    helper = analysis.resolve_call(call.func, fn) if shared else None
                    factory = shared.get(helper) if helper is not None else None
                    if factory is not None and self._invariant_call(site, fn) and not _chained_to_local(site):
                        built, built_qn, role_switches = factory
                        if not _turns_on_any(call, helper, role_switches):
                            yield self._factory_call_finding(site, fn, built, built_qn)
                    continue
                if self._inner_of_chain(site, fn, factories):
                    continue
                if (
                    fn in shared
                    and _hands_back(site, fn)
                    and (shared[fn] is not None or _role_switches(site, fn) != set())
                ):
                    continue  # what the shared factory makes: reported at its invariant calls, if any
                if not analysis.is_invariant(call, fn) or analysis.runs_once_per_environment(site):
                    continue
                if analysis.never_runs_in_lambda(site) or _local_endpoint(call):
                    continue
                if not self._stored_keywords_invariant(site, fn):
                    continue
                if _always_injected(analysis, site, fn) or _reopened_after_error(site, fn):
                    continue
                if self._configured_per_call(site, fn) or self._never_switched_on(site, fn):
                    continue
                yield self._finding(site, fn, qn)

    def _shared_factories(self, factories) -> Dict[Function, Optional[SharedFactory]]:
        """Helpers on the invocation path that build and return a client for their callers,
        with what each makes (None: a helper whose client cannot be kept, see below).

        A helper that Init code or event-dependent callers also use is right for them: the
        finding belongs at each invariant call of the helper on the invocation path, not in
        the helper.  A helper that returns, on some path, a client made on a session or
        credentials it builds itself (AssumeRole credentials expire) gets no finding at its
        calls, and the clients it makes on them none inside it, unless that path is taken only
        when a parameter is passed (`if role_arn:`): then the calls that leave it out are
        reported.  Computed once per project (its modules share the configuration, so
        `factories` too)."""
        return self.analysis.project.remember("lam201_shared_factories", lambda: self._find_shared_factories(factories))

    def _find_shared_factories(self, factories) -> Dict[Function, Optional[SharedFactory]]:
        project = self.analysis.project
        at_init = _restore.called_at_init(self.analysis)
        shared: Dict[Function, Optional[SharedFactory]] = {}
        for fn in project.path:
            if not fn.params or any(entry.function is fn for entry in project.entry_points):
                continue
            module = fn.module
            products = []
            for site in fn.iter(cst.Call):
                qn = module.qualified_name(site.node.func, fn)
                if qn in factories and _hands_back(site, fn) and not self._inner_of_chain(site, fn, factories):
                    products.append((site, str(qn)))
            switches = [_role_switches(site, fn) for site, _ in products]
            if any(switch is None for switch in switches):
                shared[fn] = None
                continue
            role_switches = frozenset().union(*switches)
            fed = [(site, qn) for site, qn in products if _from_parameters(module, site, fn, role_switches)]
            per_caller = any(
                not module.is_invariant(site.node, fn) or not self._stored_keywords_invariant(site, fn)
                for site, _ in fed
            )
            if fed and (fn in at_init or per_caller):
                fed.sort(key=lambda product: product[0].in_control_flow())  # named after its default product
                shared[fn] = (*fed[0], role_switches)
        return shared

    def _stored_keywords_invariant(self, site: Site, fn: Function) -> bool:
        """`boto3.client(**args)`: what the function stores into `args` later
        (`args["region_name"] = index["region"]`, `args["aws_session_token"] = ...`) counts
        as an argument too; temporary credentials or a loop's item make it per call."""
        for key, value, _ in _stored_keywords(site, fn):
            if not self.analysis.is_invariant(value, fn) or _loop_variables_in(value, fn):
                return False
            if key in CREDENTIAL_KEYWORDS and _from_temporary_credentials(value, fn, depth=0):
                return False
        return True

    def _never_switched_on(self, site: Site, fn: Function) -> bool:
        """`if region: return boto3.resource(name, region_name=region)` where no call on the
        invocation path passes a region: the branch never runs there."""
        switches = _switched_on_by(site, fn)
        return bool(switches) and self._always_off(fn, switches, depth=0)

    def _always_off(self, fn: Function, switches: FrozenSet[str], depth: int) -> bool:
        """No call of `fn` on the invocation path passes a true value for a switch: each
        leaves it to its default, passes a falsy literal, or passes on a parameter of its
        own that its callers in turn always leave off (`write(key, region=None)` calling
        `make("s3", region)`)."""
        calls = list(self.analysis.call_sites(fn))
        if not calls or depth > 3:
            return False
        for caller, call in calls:
            if call is None:
                return False  # handed on as a callback: its calls are not known
            if not _turns_on_any(call, fn, switches):
                continue
            passed = _common.passed_arguments(call, fn)
            for name in switches:
                value = passed.get(name)
                if _falsy(value):
                    continue
                if not (
                    isinstance(value, cst.Name)
                    and value.value in caller.params
                    and _falsy(param_default(caller.node, value.value))
                    and self._always_off(caller, frozenset({value.value}), depth + 1)
                ):
                    return False
        return True

    def _configured_per_call(self, site: Site, fn: Function) -> bool:
        """`session = Session(); session.auth = (user, password)`: what the function sets on
        the object after building it depends on the call, so each call's object differs
        (one kept at module level would carry one caller's credentials into another's)."""
        name = _common.assigned_name(site)
        if name is None:
            return False
        analysis = self.analysis
        for assign in fn.iter(cst.Assign):
            if any(_part_of(t.target, name) for t in assign.node.targets):
                if not analysis.is_invariant(assign.node.value, fn):
                    return True
        for call_site in fn.iter(cst.Call):
            func = call_site.node.func
            if (
                isinstance(func, cst.Attribute)
                and func.attr.value in CONFIGURING_METHODS
                and (_part_of(func.value, name) or dotted_name(func.value) == name)
                and not all(analysis.is_invariant(arg.value, fn) for arg in call_site.node.args)
            ):
                return True
        return False

    def _invariant_call(self, site: Site, fn: Function) -> bool:
        """A call of a shared factory whose arguments do not depend on the event, made
        where nothing keeps its result (no `if x is None` guard)."""
        analysis = self.analysis
        return (
            all(analysis.is_invariant(arg.value, fn) for arg in site.node.args)
            and not analysis.runs_once_per_environment(site)
            and not analysis.never_runs_in_lambda(site)
            and not _loop_variables_used(site, fn)  # one per item: no single call to hoist
        )

    def _factory_call_finding(self, site: Site, fn: Function, built: Site, qn: str) -> RawFinding:
        analysis = self.analysis
        factory = built.function
        kind = client_kind(qn)
        snippet = _common.snippet(analysis.module, site.node)
        message = (
            f"{kind} built by `{factory.qualname}` (`{snippet}`) is created on every invocation, "
            "so every warm request pays again for its set-up and new connections"
        )
        name = _common.assigned_name(site)
        target = f"`{name or _name_for(factory.name)} = {snippet}`"
        suggestion = (
            f"Call it once at module level ({target} below the imports) and use that name in "
            f"`{fn.qualname}`; `{factory.qualname}` itself stays as it is, since Init code or "
            "callers with per-request arguments also use it."
        )
        raw = self.report(site.node, message, suggestion, fn)
        raw.via = factory
        return raw

    def _inner_of_chain(self, site: Site, fn: Function, factories) -> bool:
        """`boto3.Session()` in `boto3.Session().client("s3")`: report the outer call only."""
        anc = site.ancestors
        if len(anc) >= 2 and isinstance(anc[-1], cst.Attribute) and isinstance(anc[-2], cst.Call):
            return self.analysis.qualified_name(anc[-2].func, fn) in factories
        return False

    def _finding(self, site: Site, fn: Function, qn: str) -> RawFinding:
        raw = self._plain_finding(site, fn, qn)
        if client_kind(qn) in ("database connection", "database client") and self.analysis.settings_for(fn).snapstart:
            raw.suggestion += (
                " This function uses SnapStart: a connection opened at Init is in the snapshot "
                "and may be dead after a restore, so also open it again in a function decorated "
                "with `@register_after_restore` (from snapshot_restore_py), or check it in the "
                "handler (LAM402)."
            )
        return raw

    def _plain_finding(self, site: Site, fn: Function, qn: str) -> RawFinding:
        analysis = self.analysis
        call = site.node
        kind = client_kind(qn)
        snippet = _common.snippet(analysis.module, call)
        message = (
            f"{kind} `{snippet}` is created on every invocation, so every warm request "
            "pays again for its set-up and new connections"
        )
        name = _common.assigned_name(site)
        if name is not None:
            owned = _lifetime_owned(fn, name, site)
        else:
            owned = "uses it as a context manager" if any(isinstance(a, cst.WithItem) for a in site.ancestors) else None
        database = kind in DATABASE_KINDS
        if database and name is not None and not owned:
            owned = self._handed_over(fn, name)
        statement = site.statement()
        where = f"`{fn.qualname}`"
        if owned:
            if database:
                suggestion = (
                    f"Keep one connection per execution environment behind a module-level getter "
                    f"that checks it and opens a new one when the database has dropped it (LAM205), "
                    f"and use that in {where}; lambdalint will not move it automatically because "
                    f"the function {owned}."
                )
                return self.report(call, message, suggestion, fn)
            suggestion = (
                f"Create `{snippet}` once at module level and stop closing it in {where}: "
                f"the function {owned}, so lambdalint will not move it automatically."
            )
            return self.report(call, message, suggestion, fn)
        if database:
            return self._connection_finding(site, fn, qn, name, message)
        looped = _loop_variables_used(site, fn)
        if looped:
            # One per item of the loop: module level has no `region` to build it from.
            shown = ", ".join(f"`{n}`" for n in looped)
            suggestion = (
                f"{where} builds one for each {shown} it loops over, on every call: keep one per "
                f"value in a module-level dict filled on first use, or create them once at module level."
            )
            return self.report(call, message, suggestion, fn)
        fed_by = _parameters_used(site, fn)
        if fed_by and not any(e.function is fn for e in analysis.entry_points):
            # Its callers decide the arguments: module level has no `name` to build it from.
            keep = (
                f"`@functools.cache` on `{fn.name}` when every argument is hashable"
                if fn.cls is None and fn.parent is None
                else "a module-level dict keyed by those arguments"
            )
            shown = ", ".join(f"`{p}`" for p in fed_by)
            suggestion = (
                f"{where} builds a new one from its parameters ({shown}) on every call: create the "
                f"ones its callers need once at module level and use those, or keep one per "
                f"argument value ({keep})."
            )
            return self.report(call, message, suggestion, fn)
        if name is not None and statement is not None:
            stmt_code = _common.snippet(analysis.module, statement)
            suggestion = (
                f"Move `{stmt_code}` out of {where} to module level, below the imports, so warm invocations reuse it."
            )
            return self.report(call, message, suggestion, fn, self._hoist_fix(site, fn, name))
        if (
            _returned(site)
            and fn.parent is None
            and fn.cls is None
            and not fn.params
            and not fn.extra_params
            and not any(e.function is fn for e in analysis.entry_points)
        ):
            # Only a factory without arguments: a cache keyed on an entry point's
            # (event, context) would fail on the unhashable event and never stop the finding.
            suggestion = (
                f"Build the {kind} once: decorate `{fn.name}` with `@functools.cache`, or "
                f"create it at module level and return that from `{fn.name}`."
            )
            return self.report(call, message, suggestion, fn, _common.cache_decorator_fix(fn))
        suggestion = (
            f"Create it once at module level, e.g. `client = {snippet}` below the imports, "
            f"and use that name in {where}."
        )
        return self.report(call, message, suggestion, fn)

    def _connection_finding(self, site: Site, fn: Function, qn: str, name: Optional[str], message: str) -> RawFinding:
        """A database connection is kept with its way back: behind a getter that checks it
        and opens a new one when the database has dropped it, never bare at module level."""
        analysis = self.analysis
        snippet = _common.snippet(analysis.module, site.node)
        fix = self._getter_fix(site, fn, qn, name) if name is not None else None
        getter = _getter_names(name or "conn")[1]
        if qn in SELF_RECONNECTING_CLIENTS:
            suggestion = (
                f"Keep one client per execution environment: move `{snippet}` out of "
                f"`{fn.qualname}` to module level or into a getter `{getter}()` that opens it on "
                "first use (the driver replaces connections the server dropped by itself)."
            )
        else:
            suggestion = (
                f"Keep one connection per execution environment: move `{snippet}` out of "
                f"`{fn.qualname}` into a module-level getter `{getter}()` that opens it on first use, "
                "checks it on every later call and opens a new one when the database has dropped it "
                "(a bare module-level connection fails every warm request after the idle timeout, LAM205)."
            )
        return self.report(site.node, message, suggestion, fn, fix)

    def _handed_over(self, fn: Function, name: str) -> Optional[str]:
        """Why another function decides when the connection `name` ends: `fn` returns it, or
        passes it to a function of the project that closes it or uses it as a context manager."""
        for ret in fn.iter(cst.Return):
            if ret.node.value is not None and dotted_name(ret.node.value) == name:
                return "returns it to its caller"
        for call_site in fn.iter(cst.Call):
            call = call_site.node
            for index, arg in enumerate(call.args):
                if dotted_name(arg.value) != name:
                    continue
                callee = self.analysis.resolve_call(call.func, fn)
                if callee is None:
                    continue
                positional = callee.positional_params()
                param = (
                    arg.keyword.value
                    if arg.keyword is not None
                    else (positional[index] if index < len(positional) else None)
                )
                if param is not None and _lifetime_owned(callee, param, None):
                    return f"hands it to `{callee.qualname}`, which closes it"
        return None

    def _getter_fix(self, site: Site, fn: Function, qn: str, name: str) -> Optional[Fix]:
        analysis = self.analysis
        driver = CONNECTION_DRIVERS.get(qn)
        statement = site.statement()
        if driver is None or not _common.is_single_assignment(statement, site.node, name):
            return None
        if len(fn.assigned.get(name, [])) != 1 or name in fn.globals_declared:
            return None
        if not _common.uses_only_module_names(analysis, site.node, fn, statement):
            return None
        kept, getter = _getter_names(name)
        if any(scope.is_local(getter) for scope in fn.scopes()):
            return None
        call = site.node
        if driver.keyword:
            if any(arg.star for arg in call.args):
                return None  # `**options` may say otherwise
            call = _common.with_true_keyword(call, driver.keyword)
        construction = analysis.module.code_for_node(call)
        existing = analysis.function_named(getter, None)
        if (
            existing is not None
            and existing.parent is None
            and existing.cls is None
            and f"{kept} = {construction}\n" in analysis.module.code_for_node(existing.node)
            and analysis.top_level_index(existing.node) < analysis.top_level_index(fn.node)
        ):
            # Another function's fix already wrote this getter: share its connection.
            return Fix(
                applicability=UNSAFE,
                description=f"replace `{name} = ...` by a call of the getter `{getter}()` that "
                "already keeps and checks this connection",
                edits={site.node: cst.Call(func=cst.Name(getter))},
            )
        if not analysis.is_module_name_free(kept) or not analysis.is_module_name_free(getter):
            return None
        statements = cst.parse_module(_getter_code(kept, getter, construction, driver)).body
        imports = [driver.module if "." not in driver.module else f"import {driver.module}"] if driver.error else []
        if driver.keyword:
            what = f"with `{driver.keyword}=True`, so the pool replaces connections the database dropped"
        elif driver.probe:
            what = (
                "that checks the kept connection on every later call and opens a new one "
                "when the database has dropped it"
            )
        else:
            what = "whose driver replaces connections the server dropped by itself"
        return Fix(
            applicability=UNSAFE,
            description=(
                f"replace `{name} = {_common.snippet(analysis.module, site.node, 60)}` by a call of a "
                f"module-level getter `{getter}()` that opens it once per execution environment, "
                f"{what}; requests now share the connection and its session state"
            ),
            edits={site.node: cst.Call(func=cst.Name(getter))},
            module_statements=list(statements),
            imports=imports,
        )

    def _hoist_fix(self, site: Site, fn: Function, name: str) -> Optional[Fix]:
        analysis = self.analysis
        statement = site.statement()
        if not _common.is_single_assignment(statement, site.node, name):
            return None
        if len(fn.assigned.get(name, [])) != 1 or name in fn.globals_declared:
            return None
        if name in fn.params or name in fn.extra_params:
            return None  # `if client is None: client = ...`: the parameter would stay None
        if not analysis.is_module_name_free(name):
            return None
        if not _common.uses_only_module_names(analysis, site.node, fn, statement):
            return None
        nested = site.in_control_flow()
        applicability = UNSAFE if nested else SAFE
        return Fix(
            applicability=applicability,
            description=f"move `{name} = ...` to module level",
            edits=_common.remove_statement_edits(site, statement),
            module_statements=[statement],
        )


DATABASE_KINDS = ("database connection", "database client")


def _getter_names(name: str):
    """The module-level names of the kept connection and of its getter, from the local name."""
    bare = name.lstrip("_") or "conn"
    return f"_{bare}", f"_get_{bare}"


def _getter_code(kept: str, getter: str, construction: str, driver) -> str:
    """The lazy getter: the connection is opened on first use; later calls check it with the
    driver's probe and open a new one when the probe fails."""
    lines = [f"{kept} = None", "", "", f"def {getter}():", f"    global {kept}"]
    if driver.probe:
        lines += [f"    if {kept} is not None:", "        try:"]
        for step in driver.probe:
            lines += ["            " + line for line in step.format(conn=kept).split("\n")]
        lines += [f"        except {driver.error}:", f"            {kept} = None"]
    lines += [f"    if {kept} is None:", f"        {kept} = {construction}", f"    return {kept}", ""]
    return "\n".join(lines)


def _part_of(node: cst.BaseExpression, name: str) -> bool:
    """`name.auth`, `name.headers["X"]`: an attribute or item of the object `name`."""
    seen_part = False
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node, seen_part = node.value, True
    return seen_part and isinstance(node, cst.Name) and node.value == name


def _lifetime_owned(fn: Function, name: str, site: Optional[Site]) -> Optional[str]:
    """Why the function owns the object's lifetime (closes it / `with`), or None."""
    if site is not None and any(isinstance(a, cst.WithItem) for a in site.ancestors):
        return "uses it as a context manager"
    for call_site in fn.iter(cst.Call):
        func = call_site.node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in CLOSING_METHODS
            and isinstance(func.value, cst.Name)
            and func.value.value == name
        ):
            return "closes it"
    for with_site in fn.iter(cst.With):
        for item in with_site.node.items:
            if dotted_name(item.item) == name:
                return "uses it as a context manager"
            if isinstance(item.item, cst.Call) and dotted_name(item.item.func) == "contextlib.closing":
                if any(dotted_name(a.value) == name for a in item.item.args):
                    return "closes it"
    return None


def _reopened_after_error(site: Site, fn: Function) -> bool:
    """`except OperationalError: conn = connect(...)` into a global: the kept connection is
    replaced when it fails, not built per request."""
    name = _common.assigned_name(site)
    return (
        name is not None
        and name in fn.globals_declared
        and any(isinstance(a, cst.ExceptHandler) for a in site.ancestors)
    )


def _always_injected(analysis, site: Site, fn: Function) -> bool:
    """`client = client or boto3.client(...)` (or under `if client is None:`) where every
    caller on the invocation path passes a client: the default is never built."""
    param = _injected_parameter(site, fn)
    if param is None or param not in fn.params:
        return False
    index = fn.positional_params().index(param) if param in fn.positional_params() else -1
    calls = list(analysis.call_sites(fn))
    return bool(calls) and all(call is not None and _passes(argument(call, index, param)) for _, call in calls)


def _passes(value) -> bool:
    return value is not None and not (isinstance(value, cst.Name) and value.value == "None")


def _injected_parameter(site: Site, fn: Function) -> Optional[str]:
    """The parameter a construction stands in for, if it is only the fallback for one."""
    parent = site.parent
    if (
        isinstance(parent, cst.BooleanOperation)
        and isinstance(parent.operator, cst.Or)
        and parent.right is site.node
        and isinstance(parent.left, cst.Name)
    ):
        return parent.left.value
    for anc in reversed(site.ancestors):
        if (
            isinstance(anc, cst.If)
            and isinstance(anc.test, cst.Comparison)
            and isinstance(anc.test.left, cst.Name)
            and len(anc.test.comparisons) == 1
            and isinstance(anc.test.comparisons[0].operator, cst.Is)
            and isinstance(anc.test.comparisons[0].comparator, cst.Name)
            and anc.test.comparisons[0].comparator.value == "None"
        ):
            return anc.test.left.value
        if (
            isinstance(anc, cst.If)
            and isinstance(anc.test, cst.UnaryOperation)
            and isinstance(anc.test.operator, cst.Not)
            and isinstance(anc.test.expression, cst.Name)
        ):
            return anc.test.expression.value
    return None


def _from_parameters(module, site: Site, fn: Function, role_switches: FrozenSet[str] = frozenset()) -> bool:
    """Every argument of the construction is a parameter of `fn` or an invariant value that
    uses none: then its callers' arguments decide (not, say, AssumeRole credentials that
    expire, read inside the factory); `self.<attr>` set to an invariant value counts as
    one.  For `boto3.client(**args)`, the values of the dict literal `args` and those stored
    into it count, but not credentials stored only when a role switch is on (the calls
    that may turn it on are not reported)."""
    values = [arg.value for arg in site.node.args]
    literal = _common.splatted_dict(site.node, fn)
    if literal is not None:
        values = [v for v in values if not isinstance(v, cst.Name)] + list(literal.values())
    values += [
        value
        for key, value, store in _stored_keywords(site, fn)
        if not (key in CREDENTIAL_KEYWORDS and _switched_on_by(store, fn) & role_switches)
    ]
    params = set(fn.positional_params()) | set(fn.extra_params)  # not `self`: its settled attributes count
    for value in values:
        if isinstance(value, cst.Name) and value.value in params:
            continue
        if set(free_names(value)) & params:
            if _reads_from(value):
                continue  # `credentials["AccessKeyId"]`: a part of what the caller passed
            return False
        if not _common.settled(module, value, fn):
            return False
    return True


def _reads_from(value: cst.BaseExpression) -> bool:
    """The value only reads names, attributes and items (`creds["AccessKeyId"]`): no call."""
    reads = (cst.Name, cst.Attribute, cst.Subscript, cst.SubscriptElement, cst.Index, cst.SimpleString, cst.Integer)
    return all(isinstance(node, reads) for node in walk_nodes(value))


SharedFactory = Tuple[Site, str, FrozenSet[str]]


def _role_switches(site: Site, fn: Function) -> Optional[FrozenSet[str]]:
    """The parameters that make the construction use temporary credentials that `fn`
    obtains itself (`creds = sts.assume_role(...)["Credentials"]`, then
    `aws_session_token=creds[...]`, directly, stored into its `**args`, or through the
    session it is made on): they expire, so the function rebuilds the client on purpose.
    Empty when it never does; None when it may whatever its caller passes; else the
    parameters (default None / "" / False) whose `if role_arn:` guards every such use."""
    calls: List[Tuple[cst.Call, Optional[Site]]] = [(site.node, site)]
    func = site.node.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
        calls += [(v, None) for v in fn.assigned.get(func.value.value, ()) if isinstance(v, cst.Call)]
    uses: List[Optional[Site]] = [
        where
        for call, where in calls
        for arg in call.args
        if arg.keyword is not None
        and arg.keyword.value in CREDENTIAL_KEYWORDS
        and _from_temporary_credentials(arg.value, fn, depth=0)
    ]
    uses += [
        store
        for key, value, store in _stored_keywords(site, fn)
        if key in CREDENTIAL_KEYWORDS and _from_temporary_credentials(value, fn, depth=0)
    ]
    switches: Set[str] = set()
    for where in uses:
        switch = _switched_on_by(where, fn) if where is not None else frozenset()
        if not switch:
            return None
        switches |= switch
    return frozenset(switches)


def _switched_on_by(where: Site, fn: Function) -> FrozenSet[str]:
    """The parameters whose truth is required for `where` to run: `if role_arn:` or
    `if role_arn is not None:` around it, or the `else:` of `if session is None:` / `if not
    session:`, the parameter defaulting to None, "" or False."""
    found: Set[str] = set()
    for anc, inner in zip(where.ancestors, (*where.ancestors[1:], where.node)):
        if not isinstance(anc, cst.If) or inner not in (anc.body, anc.orelse):
            continue
        test, negated = anc.test, False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test, negated = test.expression, True
        elif (
            isinstance(test, cst.Comparison)
            and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, (cst.Is, cst.IsNot))
            and _hygiene.is_none(test.comparisons[0].comparator)
        ):
            test, negated = test.left, isinstance(test.comparisons[0].operator, cst.Is)
        if negated != (inner is anc.orelse):
            continue  # this branch runs when the parameter is left off
        if isinstance(test, cst.Name) and test.value in fn.params and _falsy(param_default(fn.node, test.value)):
            found.add(test.value)
    return frozenset(found)


def _turns_on_any(call: cst.Call, helper: Function, switches: FrozenSet[str]) -> bool:
    """The call may pass a true value for one of the factory's role switches."""
    if not switches:
        return False
    if any(arg.star for arg in call.args):
        return True  # which parameter gets what is not known
    passed = _common.passed_arguments(call, helper)
    return any(not _falsy(passed.get(name)) for name in switches)


def _falsy(value: Optional[cst.BaseExpression]) -> bool:
    """`None`, `False`, `""` or `0` written out."""
    if isinstance(value, cst.Name):
        return value.value in ("None", "False")
    if isinstance(value, cst.Integer):
        return value.value == "0"
    return value is not None and string_value(value) == ""


def _name_for(factory: str) -> str:
    """A module-level name for what a factory returns: `session` for `get_session`."""
    for prefix in ("get_", "make_", "create_", "build_", "new_", "_get_", "_make_", "_create_"):
        if factory.startswith(prefix) and len(factory) > len(prefix):
            return factory[len(prefix) :]
    return f"{factory.lstrip('_')}_client"


def _chained_to_local(site: Site) -> bool:
    """`get_session().resource("s3", endpoint_url="http://localstack:4566")`."""
    anc = site.ancestors
    return (
        len(anc) >= 2
        and isinstance(anc[-1], cst.Attribute)
        and isinstance(anc[-2], cst.Call)
        and _local_endpoint(anc[-2])
    )


def _local_endpoint(call: cst.Call) -> bool:
    """`endpoint_url="http://localhost:8000"` (or a LocalStack container): a client of a
    local emulator, for development."""
    endpoint = _hygiene.keyword(call, "endpoint_url")
    url = string_value(endpoint.value) if endpoint is not None else None
    return url is not None and names_local_emulator(url)


def _from_temporary_credentials(value, fn: Function, depth: int) -> bool:
    """`value` is read from the result of an STS call made in `fn` (through local names)."""
    if depth > 4:
        return False
    for node in walk_nodes(value):  # `sts.assume_role(...)["Credentials"]`: the call may sit inside
        if (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in TEMPORARY_CREDENTIAL_CALLS
        ):
            return True
    for name in free_names(value):
        for bound in fn.assigned.get(name, ()):
            if isinstance(bound, cst.BaseExpression) and _from_temporary_credentials(bound, fn, depth + 1):
                return True
    return False


def _parameters_used(site: Site, fn: Function) -> List[str]:
    """The parameters of `fn` (not `self` / `cls`) that the construction's arguments use."""
    params = [p for p in [*fn.params, *fn.extra_params] if p not in ("self", "cls")]
    used: Set[str] = set()
    for arg in site.node.args:
        used.update(free_names(arg.value))
    return [p for p in params if p in used]


def _loop_variables_used(site: Site, fn: Function) -> List[str]:
    """Names bound by a `for` of `fn` that the construction's arguments use: it is built
    once per item, so there is no one value to build at module level."""
    used: Set[str] = set()
    for arg in site.node.args:
        used.update(_loop_variables_in(arg.value, fn))
    return sorted(used)


def _loop_variables_in(value, fn: Function) -> List[str]:
    return [n for n in free_names(value) if any(isinstance(v, IterOf) for v in fn.assigned.get(n, ()))]


def _stored_keywords(site: Site, fn: Function) -> List[Tuple[Optional[str], cst.BaseExpression, Site]]:
    """(key, value, the assignment) of each `args[key] = value` in `fn` for the `**args`
    the construction passes (the key None when it is not a string literal)."""
    names = {a.value.value for a in site.node.args if a.star == "**" and isinstance(a.value, cst.Name)}
    out: List[Tuple[Optional[str], cst.BaseExpression, Site]] = []
    for assign in fn.iter(cst.Assign) if names else ():
        for target in assign.node.targets:
            t = target.target
            if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and t.value.value in names:
                index = t.slice[0].slice if len(t.slice) == 1 else None
                key = string_value(index.value) if isinstance(index, cst.Index) else None
                out.append((key, assign.node.value, assign))
    return out


def _hands_back(site: Site, fn: Function) -> bool:
    """The function returns what the construction makes: `return boto3.client(...)`, or
    `client = boto3.client(...)` and later `return client`."""
    if _returned(site):
        return True
    name = _common.assigned_name(site)
    return name is not None and any(
        isinstance(ret.node.value, cst.Name) and ret.node.value.value == name for ret in fn.iter(cst.Return)
    )


def _returned(site: Site) -> bool:
    """The construction is (the start of) a `return` expression."""
    for anc in reversed(site.ancestors):
        if isinstance(anc, cst.Return):
            return True
        if not isinstance(anc, (cst.Attribute, cst.Call, cst.Arg, cst.Subscript, cst.SubscriptElement, cst.Index)):
            return False
    return False
