"""LAM103 unbounded-module-cache: a module-level memo table or seen-set keyed by the event."""

from __future__ import annotations

from typing import Iterator

from lambdalint._lazy import cst
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
        `clear`, `del cache[k]`) and caches whose keys do not depend on the event (a
        handful of names known in advance) are not reported. A container that is only
        written, never looked up, is not a cache: LAM101 reports it instead, never both.
    """
    valid = [
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
                m for m in use.keyed_writes
                if analysis.is_tainted(m.key, m.site.function)
                and not self._caches_client(m)
                and not _state.handled_per_invocation(analysis, m)
            ]
            for mutation in _state.first_per_function(tainted):
                yield self._finding(mutation, glob)

    def _caches_client(self, mutation: _state.Mutation) -> bool:
        """`clients[region] = boto3.client(..., region_name=region)`: one client per region
        or tenant is a small, deliberate pool (and LAM201's recommended shape)."""
        node = mutation.site.node
        if not isinstance(node, cst.Assign) or not isinstance(node.value, cst.Call):
            return False
        qn = self.analysis.qualified_name(node.value.func, mutation.site.function)
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
