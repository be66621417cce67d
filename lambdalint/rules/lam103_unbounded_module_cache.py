"""LAM103 unbounded-module-cache: a module-level memo table or seen-set keyed by the event."""

from __future__ import annotations

from typing import Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site
from lambdalint.catalog import CLIENT_CONSTRUCTORS
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _state


class UnboundedModuleCache(Rule):
    code = "LAM103"
    name = "unbounded-module-cache"
    summary = (
        "A module-level dict, set or list used as a cache or seen-set gets keys from the "
        "event and is never bounded or evicted."
    )
    why = """
        A module-level cache survives warm invocations, which is often the point: a
        `cache[key] = value` in the handler lets the next request in the same execution
        environment skip the work. When the keys come from the event (user ids, object
        keys, message ids), every new request adds an entry and nothing ever removes one.
        The environment can live for hours and serve many thousands of requests, so the
        table grows until the function hits its memory limit and is killed mid-request,
        and entries are served long after the data behind them changed.

        Bound it: `functools.lru_cache(maxsize=...)` on the function that computes the
        value, or a `cachetools.TTLCache(maxsize=..., ttl=...)` when entries must also
        expire. Caches with a size check or eviction (`len(cache)`, `pop`, `popitem`,
        `clear`, `del cache[k]`), caches whose keys do not depend on the event (a
        handful of names known in advance) and caches whose keys can only take the values
        of a fixed set (checked against a literal whitelist, an Enum member, a lookup in a
        fixed mapping) are not reported. A container that is only
        written, never looked up, is not a cache: LAM101 reports it instead, never both.
    """
    valid = [
        Valid(
            """
            import boto3

            SUPPORTED_REGIONS = ("eu-west-1", "us-east-1")
            _clients = {}


            def handler(event, context):
                region = event["region"]
                if region not in SUPPORTED_REGIONS:
                    return {"error": "unsupported region"}
                if region not in _clients:
                    _clients[region] = make_session(region)
                return _clients[region]


            def make_session(region):
                return boto3.session.Session(region_name=region)
            """
        ),
        Valid(
            """
            import functools

            import boto3

            table = boto3.resource("dynamodb").Table("users")


            @functools.lru_cache(maxsize=1024)
            def load_user(user_id):
                return table.get_item(Key={"id": user_id}).get("Item")


            def handler(event, context):
                return load_user(event["userId"])
            """
        ),
        Valid(
            """
            import boto3

            _clients = {}


            def client(service):
                if service not in _clients:  # keys: a few service names, not the event
                    _clients[service] = boto3.client(service)
                return _clients[service]


            def handler(event, context):
                return client("s3").list_buckets()
            """
        ),
        Valid(
            """
            _seen = {}
            MAX_SEEN = 10_000


            def handler(event, context):
                message_id = event["id"]
                if message_id in _seen:
                    return "duplicate"
                if len(_seen) >= MAX_SEEN:
                    _seen.pop(next(iter(_seen)))
                _seen[message_id] = True
                return "processed"
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import boto3

            table = boto3.resource("dynamodb").Table("users")
            _users = {}


            def handler(event, context):
                user_id = event["userId"]
                if user_id not in _users:
                    _users[user_id] = table.get_item(Key={"id": user_id}).get("Item")
                return _users[user_id]
            """,
            lines=(10,),
        ),
        Invalid(
            """
            processed = set()


            def handler(event, context):
                for record in event["Records"]:
                    if record["messageId"] in processed:
                        continue
                    processed.add(record["messageId"])
            """,
            lines=(8,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        tracked = _state.mutable_globals(analysis)
        for name, use in _state.usage(analysis).items():
            glob = tracked[name]
            if not _state.is_cache(use) or use.evicted or glob.bounded:
                continue
            tainted = [
                m
                for m in use.keyed_writes
                if analysis.is_tainted(m.key, m.site.function)
                and not self._caches_client(m)
                and not self._fixed_key(m)
                and not _state.handled_per_invocation(analysis, m)
            ]
            for mutation in _state.first_per_function(tainted):
                yield self._finding(mutation, glob)

    # -- keys drawn from a fixed set ------------------------------------------------------
    def _fixed_key(self, mutation: _state.Mutation) -> bool:
        """The key can take only the values of a fixed collection, so the cache holds at
        most that many entries: it is tested against a whitelist on the way to the write
        (`if key in ALLOWED:`, or `if key not in ALLOWED: return` before it), it is a
        member of an Enum (`Kind(event["kind"])` raises on anything else), or it is looked
        up in a fixed mapping (`REGIONS[event["site"]]`)."""
        site, key = mutation.site, mutation.key
        if key is None:
            return False
        fn = site.function
        if self._fixed_value(key, fn):
            return True
        if isinstance(key, cst.Name) and fn.is_local(key.value):
            values = fn.assigned.get(key.value, [])
            if values and all(isinstance(v, cst.BaseExpression) and self._fixed_value(v, fn) for v in values):
                return True
        return self._whitelisted(site, key)

    def _fixed_value(self, value: cst.BaseExpression, fn: Function) -> bool:
        if isinstance(value, cst.Call):
            if self._enum_class(value.func, fn):
                return True  # `Kind(event["kind"])`
            func = value.func
            if isinstance(func, cst.Attribute) and func.attr.value == "get" and self._fixed_collection(func.value, fn):
                return True  # `REGIONS.get(event["site"], "eu-west-1")`
            return False
        if isinstance(value, cst.Subscript):
            return self._enum_class(value.value, fn) or self._fixed_collection(value.value, fn)
        if isinstance(value, cst.Attribute) and self._enum_class(value.value, fn):
            return True  # `Kind.A`
        return False

    def _enum_class(self, expr: cst.BaseExpression, fn: Optional[Function]) -> bool:
        if not isinstance(expr, cst.Name) or (fn is not None and fn.is_local(expr.value)):
            return False
        node = self.analysis.classes.get(expr.value)
        return node is not None and any(
            (self.analysis.qualified_name(base.value, None) or "") in _ENUM_BASES for base in node.bases
        )

    def _fixed_collection(self, expr: cst.BaseExpression, fn: Optional[Function]) -> bool:
        """A literal collection of constants, or a module-level name bound once to one and
        never changed on the invocation path (`ALLOWED = {"eu-west-1", "us-east-1"}`)."""
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value == "keys" and not expr.args:
                return self._fixed_collection(func.value, fn)
            if (
                isinstance(func, cst.Name)
                and func.value in ("frozenset", "set", "tuple", "list")
                and len(expr.args) == 1
                and not self.analysis.is_module_level_name(func.value, None)
            ):
                return self._fixed_collection(expr.args[0].value, fn)
            return False
        if isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            return all(not isinstance(e, cst.StarredElement) and _constant(e.value) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            return all(isinstance(e, cst.DictElement) and _constant(e.key) for e in expr.elements)
        if isinstance(expr, cst.Name) and (fn is None or not fn.is_local(expr.value)):
            name = expr.value
            if self._enum_class(expr, fn):
                return True
            values = self.analysis.module_bindings.get(name, [])
            if len(values) != 1 or name in self.analysis.rebound_globals:
                return False
            usage = _state.usage(self.analysis).get(name)
            if usage is not None and usage.mutations:
                return False
            return isinstance(values[0], cst.BaseExpression) and self._fixed_collection(values[0], None)
        return False

    def _whitelisted(self, site: Site, key: cst.BaseExpression) -> bool:
        """`if key in ALLOWED:` around the write, or `if key not in ALLOWED: return`
        (raise, continue) before it in an enclosing block."""
        fn = site.function
        chain = (*site.ancestors, site.node)
        for index, anc in enumerate(chain[:-1]):
            inner = chain[index + 1]
            if isinstance(anc, cst.If):
                if inner is anc.body and self._tests_membership(anc.test, key, fn, negated=False):
                    return True
                if inner is anc.orelse and self._tests_membership(anc.test, key, fn, negated=True):
                    return True
            statements = getattr(anc, "body", None)
            if isinstance(statements, (list, tuple)):
                for stmt in statements:
                    if stmt is inner:
                        break
                    if (
                        isinstance(stmt, cst.If)
                        and _exits(stmt.body)
                        and self._tests_membership(stmt.test, key, fn, negated=True)
                    ):
                        return True
        return False

    def _tests_membership(self, test: cst.BaseExpression, key: cst.BaseExpression, fn: Function, negated: bool) -> bool:
        if isinstance(test, cst.BooleanOperation):
            # `a and key in X` (all must hold) for the body; `a or key not in X` to exit.
            joins = isinstance(test.operator, cst.Or) if negated else isinstance(test.operator, cst.And)
            return joins and (
                self._tests_membership(test.left, key, fn, negated)
                or self._tests_membership(test.right, key, fn, negated)
            )
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return False
        comparison = test.comparisons[0]
        wanted = cst.NotIn if negated else cst.In
        return (
            isinstance(comparison.operator, wanted)
            and _same(test.left, key)
            and self._fixed_collection(comparison.comparator, fn)
        )

    def _caches_client(self, mutation: _state.Mutation) -> bool:
        """`clients[region] = boto3.client(..., region_name=region)`: one client per region
        or tenant is a small, deliberate pool (and LAM201's recommended shape)."""
        node, fn = mutation.site.node, mutation.site.function
        if not isinstance(node, cst.Assign):
            return False
        values: list = [node.value]
        if isinstance(node.value, cst.Name) and fn.is_local(node.value.value):
            # `client = boto3.client(...)` first, then `clients[region] = client`
            values = fn.assigned.get(node.value.value, [])
        return bool(values) and all(self._is_client_construction(v, fn) for v in values)

    def _is_client_construction(self, value, fn: Function) -> bool:
        if not isinstance(value, cst.Call):
            return False
        qn = self.analysis.qualified_name(value.func, fn)
        return qn in CLIENT_CONSTRUCTORS or qn in self.analysis.config.client_factories

    def _finding(self, mutation: _state.Mutation, glob: _state.MutableGlobal) -> RawFinding:
        analysis = self.analysis
        fn = mutation.site.function
        write = _common.snippet(analysis.module, mutation.site.node)
        message = (
            f"{glob.describe()} caches a key from the event (`{write}`) "
            "with no bound or eviction, so it grows for the life of the environment"
        )
        suggestion = (
            f"Replace `{glob.display}` with a bounded cache: move the computation in "
            f"`{fn.qualname}` into a function decorated with "
            "`@functools.lru_cache(maxsize=...)`, or make it "
            f"`{glob.display} = cachetools.TTLCache(maxsize=..., ttl=...)` so entries also expire."
        )
        return self.report(mutation.site.node, message, suggestion, fn)


_ENUM_BASES = {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"}


def _constant(node: Optional[cst.CSTNode]) -> bool:
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, cst.Tuple):
        return all(_constant(e.value) for e in node.elements)
    # `Kind.A`, `Region.EU`: a class's named constant (not `self.current`, which changes)
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value[:1].isupper()


def _same(a: cst.CSTNode, b: cst.CSTNode) -> bool:
    return a.deep_equals(b)


def _exits(block: cst.CSTNode) -> bool:
    body = getattr(block, "body", ())
    last = body[-1] if isinstance(body, (list, tuple)) and body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return isinstance(last, (cst.Return, cst.Raise, cst.Continue, cst.Break))
