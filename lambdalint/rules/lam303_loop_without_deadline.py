"""LAM303 loop-without-deadline: unbounded and polling loops that ignore the remaining time."""

from __future__ import annotations

import re
from typing import Dict, Iterator, List, Optional, Set, Tuple

from lambdalint import catalog
from lambdalint._lazy import cst
from lambdalint.analysis import Function, free_names, nodes, target_names
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common
from lambdalint.rules._flow import FunctionFlow

REMAINING_TIME = "get_remaining_time_in_millis"
POLLING_METHODS = {"receive_message", "receive_messages", "get_records"}
SLEEPS = {"time.sleep", "asyncio.sleep"}
CLOCKS = {
    "time.time",
    "time.monotonic",
    "time.perf_counter",
    "time.time_ns",
    "time.monotonic_ns",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
}
COUNTERS = {"itertools.count"}
# Reading a stream or draining a local work list: the loop ends with the data.
FINITE_SOURCE_METHODS = {
    "read",
    "read1",
    "readline",
    "readinto",
    "readlines",
    "iter_chunks",
    "iter_lines",
    "pop",
    "popleft",
    "popitem",
}
_CONTEXT_NAME = re.compile(r"^_*(?:\w+_)?(?:context|ctx)$")
_MAX_DEPTH = 4


class LoopWithoutDeadline(Rule):
    code = "LAM303"
    name = "loop-without-deadline"
    summary = (
        "An unbounded loop (`while True`, a polling loop) on the invocation path never "
        "checks `context.get_remaining_time_in_millis()`."
    )
    why = """
        Every invocation has a timeout. When it is reached Lambda stops the invocation
        wherever it is: no exception the code can catch, no `finally`, no cleanup. A loop
        that only ends when a queue is empty or a job is finished (`while True:` around
        `receive_message`, `get_records` or `time.sleep`) runs into the timeout whenever
        the queue keeps filling or the job is slow. Messages already received are
        neither processed nor deleted, partial batches are lost, the invocation is counted
        as an error, and the whole batch is retried. `break` on an empty response does not
        bound it: a busy queue is never empty.

        Check `context.get_remaining_time_in_millis()` on every iteration (or compare
        against a deadline computed from it) and stop while there is still time left to
        finish the current item and report what was done.

        Loops bounded by a counter (`attempts += 1` ... `if attempts >= 5`) or by the
        clock are not flagged, nor are loops that page through a finite result (a value
        read from each response, whatever it is called -- `NextToken`, `Marker`,
        `position`, a cursor, an offset -- goes into the next request, and the loop ends
        when a response comes without it), also when they sleep between pages, nor loops
        that move an offset on by a page (`from_ += size`) and end on an empty page, nor
        loops that read a stream to its end (`.read()`, `.readline()`) or drain a local list
        (`.pop()`) without polling: they end with the data. A loop that tries a freshly drawn
        random candidate (a name, an id) until one is accepted, without waiting, and a loop
        that stops when the free slots are used up (`while running < limit:` with
        `running = len(...)` read again on every pass, no sleep) are not flagged either.
        Polling loops (a status read and a `sleep`, `receive_message`, `get_records`) are
        flagged; queue and stream reads even when they follow a token: an open Kinesis
        shard always returns a `NextShardIterator`.
    """
    references = [
        (
            "Lambda context object in Python (get_remaining_time_in_millis)",
            "https://docs.aws.amazon.com/lambda/latest/dg/python-context.html",
        ),
    ]
    valid = [
        Valid(
            """
            import boto3

            sqs = boto3.client("sqs")
            SAFETY_MARGIN_MS = 10_000


            def handler(event, context):
                processed = 0
                while context.get_remaining_time_in_millis() > SAFETY_MARGIN_MS:
                    response = sqs.receive_message(QueueUrl=event["queue_url"], WaitTimeSeconds=5)
                    messages = response.get("Messages", [])
                    if not messages:
                        break
                    processed += len(messages)
                return {"processed": processed}
            """
        ),
        Valid(
            """
            import time


            def handler(event, context):
                deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - 5
                while True:
                    if time.monotonic() > deadline:
                        return {"status": "partial"}
                    if step(event):
                        return {"status": "done"}


            def step(event):
                return True
            """
        ),
        Valid(
            """
            import time

            import requests


            def handler(event, context):
                attempts = 0
                while True:
                    response = requests.get(event["url"], timeout=5)
                    if response.ok:
                        return response.json()
                    attempts += 1
                    if attempts >= 3:
                        raise RuntimeError("gave up")
                    time.sleep(2 ** attempts)
            """
        ),
        Valid(
            """
            def handler(event, context):
                client = get_search_client()
                start, size = 0, 100
                while True:
                    found = client.search(index=event["index"], body=event["query"], from_=start, size=size)
                    hits = found["hits"]["hits"]
                    if not hits:
                        break
                    for hit in hits:
                        client.delete(index=event["index"], id=hit["_id"])
                    start += size


            def get_search_client():
                raise NotImplementedError
            """
        ),
        Valid(
            """
            import secrets

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                while True:
                    name = f"{event['prefix']}-{secrets.token_hex(4)}"
                    try:
                        s3.create_bucket(Bucket=name)
                        return name
                    except s3.exceptions.BucketAlreadyExists:
                        pass
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import boto3

            sqs = boto3.client("sqs")


            def handler(event, context):
                processed = 0
                while True:
                    response = sqs.receive_message(QueueUrl=event["queue_url"], WaitTimeSeconds=5)
                    messages = response.get("Messages", [])
                    if not messages:
                        break
                    processed += len(messages)
                return {"processed": processed}
            """,
            lines=(8,),
        ),
        Invalid(
            """
            import time

            import boto3

            athena = boto3.client("athena")


            def handler(event, context):
                query_id = event["query_id"]
                state = "RUNNING"
                while state in ("QUEUED", "RUNNING"):
                    time.sleep(1)
                    execution = athena.get_query_execution(QueryExecutionId=query_id)
                    state = execution["QueryExecution"]["Status"]["State"]
                return state
            """,
            lines=(11,),
        ),
        Invalid(
            """
            import itertools


            def handler(event, context):
                for page in itertools.count():
                    if not fetch(event["cursor"], page):
                        break


            def fetch(cursor, page):
                return []
            """,
            lines=(5,),
        ),
    ]

    def __init__(self, analysis) -> None:
        super().__init__(analysis)
        self._consulting: Dict[int, bool] = {}
        self._deadline_names: Dict[Tuple[int, str], bool] = {}

    def check(self) -> Iterator[RawFinding]:
        for fn in self.analysis.path_functions:
            for site in fn.iter(cst.While, cst.For):
                shape = self._unbounded(site.node, fn)
                if shape is None:
                    continue
                flow = FunctionFlow.of(fn)
                if self._bounded_by_counter_or_clock(site.node, fn, flow):
                    continue
                if not self._sleeps(site.node, fn) and _bounded_by_size(site.node, flow):
                    continue  # `while started < limit:`, the size read again on every pass
                if self._waits_for(site.node, fn) is None and self._tries_random_candidates(site.node, fn, flow):
                    continue
                if (
                    self._polls(site.node, fn) is None
                    and not self._waits_and_retries(site.node, fn, flow)
                    and _follows_a_token(site.node, flow)
                ):
                    continue  # pagination, also when it sleeps between pages
                if self._waits_for(site.node, fn) is None and _consumes_finite_source(site.node, flow):
                    continue
                if self._consults_deadline(site.node, fn, flow):
                    continue
                yield self._finding(site.node, fn, shape)

    # -- which loops are unbounded -----------------------------------------------------
    def _unbounded(self, loop: cst.CSTNode, fn: Function) -> Optional[str]:
        if isinstance(loop, cst.For):
            if isinstance(loop.iter, cst.Call) and self.analysis.qualified_name(loop.iter.func, fn) in COUNTERS:
                return "`for ... in itertools.count()` loop"
            return None
        if _always_true(loop.test):
            return "`while True:` loop"
        waits = self._waits_for(loop, fn)
        return f"polling loop around `{waits}`" if waits else None

    def _polls(self, loop: cst.CSTNode, fn: Function) -> Optional[str]:
        """A queue or stream read in the loop: it returns a continuation (a shard
        iterator) for as long as the stream is open."""
        for call in self._calls_in(loop, fn):
            if isinstance(call.func, cst.Attribute) and call.func.attr.value in POLLING_METHODS:
                return f".{call.func.attr.value}()"
        return None

    def _waits_and_retries(self, loop: cst.CSTNode, fn: Function, flow: FunctionFlow) -> bool:
        """`if status == "IN_PROGRESS": time.sleep(10); continue`: the loop waits for a job
        and asks again, a poll even when it also pages through the result."""
        for node, ancestors in flow.nodes_under(loop):
            if isinstance(node, cst.Call) and self.analysis.qualified_name(node.func, fn) in SLEEPS:
                for anc in reversed(ancestors):
                    if anc is loop:
                        break
                    if isinstance(anc, cst.If) and _continues(anc.body):
                        return True
        return False

    def _waits_for(self, loop: cst.CSTNode, fn: Function) -> Optional[str]:
        """The polling or sleeping call in the loop, if any: such a loop waits on the
        outside world, and a finite-looking exit does not bound it."""
        for call in self._calls_in(loop, fn):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in POLLING_METHODS:
                return f".{func.attr.value}()"
            if self.analysis.qualified_name(func, fn) in SLEEPS:
                return "sleep()"
        return None

    def _sleeps(self, loop: cst.CSTNode, fn: Function) -> bool:
        return any(self.analysis.qualified_name(call.func, fn) in SLEEPS for call in self._calls_in(loop, fn))

    def _tries_random_candidates(self, loop: cst.CSTNode, fn: Function, flow: FunctionFlow) -> bool:
        """Each pass draws a fresh random value (a name, an id) and sends it; the loop ends
        when one is accepted.  It does not wait on anything, and a collision is rare: a
        few tries, not a wait for the outside world.

            while True:
                name = f"{prefix}-{secrets.token_hex(4)}"
                try:
                    return client.create_thing(Name=name)
                except client.exceptions.AlreadyExists:
                    pass
        """
        nodes = [node for node, _ in flow.nodes_under(loop)]
        if not any(isinstance(node, (cst.Return, cst.Break)) for node in nodes):
            return False
        draws = [
            node
            for node in nodes
            if isinstance(node, cst.Call) and self.analysis.qualified_name(node.func, fn) in catalog.RANDOM_VALUE_CALLS
        ]
        if not draws:
            return False
        assigned = _assigned_in_loop(nodes)
        drawn = {name for name, values in assigned.items() if any(_holds(v, draws) for v in values)}
        fed: Set[str] = set()
        for name in drawn:
            fed |= _names_fed_by(name, assigned)
        return any(
            isinstance(node, cst.Call)
            and not _holds(node, draws)
            and any(set(free_names(a.value)) & fed for a in node.args)
            for node in nodes
        )

    def _calls_in(self, loop: cst.CSTNode, fn: Function) -> Iterator[cst.Call]:
        for site in fn.iter(cst.Call):
            if any(a is loop for a in site.ancestors):
                yield site.node

    def _bounded_by_counter_or_clock(self, loop: cst.CSTNode, fn: Function, flow: FunctionFlow) -> bool:
        """A retry counter compared in the loop, or a clock compared in the loop."""
        counters: Set[str] = set()
        if isinstance(loop, cst.For):
            counters.update(target_names(loop.target))
        for node, _ in flow.nodes_under(loop):
            if isinstance(node, cst.AugAssign):
                counters.update(target_names(node.target))
            elif isinstance(node, cst.Assign) and len(node.targets) == 1:
                counters.update(_stepped(node.targets[0].target, node.value))  # tries = tries - 1
        if isinstance(loop, cst.While) and _counts_down(loop.test, counters):
            return True  # `while tries:` with `tries -= 1`
        for node, _ in flow.nodes_under(loop):
            if not isinstance(node, cst.Comparison):
                continue
            if _limits(node, counters):
                return True
            if any(
                isinstance(inner, cst.Call) and self.analysis.qualified_name(inner.func, fn) in CLOCKS
                for inner, _ in flow.nodes_under(node)
            ):
                return True
        return False

    # -- does the loop look at the remaining time? ------------------------------------------
    def _consults_deadline(self, loop: cst.CSTNode, fn: Function, flow: FunctionFlow) -> bool:
        for call in self._calls_in(loop, fn):
            if _asks_remaining_time(call):
                return True
            target = self.analysis.resolve_call(call.func, fn)
            if target is not None and self._function_consults(target, 0):
                return True
            if any(isinstance(a.value, cst.Name) and _CONTEXT_NAME.match(a.value.value) for a in call.args):
                return True  # the context goes to a helper that can check it
        names = {n.value for n, _ in flow.nodes_under(loop) if isinstance(n, cst.Name)}
        return any(self._is_deadline(name, fn, 0) for name in names)

    def _function_consults(self, fn: Function, depth: int) -> bool:
        if id(fn) in self._consulting:
            return self._consulting[id(fn)]
        self._consulting[id(fn)] = False  # recursion guard
        result = False
        if depth < _MAX_DEPTH:
            for site in fn.iter(cst.Call):
                if _asks_remaining_time(site.node):
                    result = True
                    break
                target = self.analysis.resolve_call(site.node.func, fn)
                if target is not None and self._function_consults(target, depth + 1):
                    result = True
                    break
        self._consulting[id(fn)] = result
        return result

    def _is_deadline(self, name: str, fn: Function, depth: int) -> bool:
        """`name` holds a value computed from the remaining time (a deadline)."""
        key = (id(fn), name)
        if key in self._deadline_names:
            return self._deadline_names[key]
        self._deadline_names[key] = False  # recursion guard
        result = False
        scope: Optional[Function] = fn
        while scope is not None and not result:
            if name in scope.params or name in scope.extra_params:
                result = depth < _MAX_DEPTH and self._param_is_deadline(scope, name, depth)
                break
            if name in scope.assigned:
                result = any(
                    isinstance(value, cst.CSTNode) and self._derives(value, scope, depth)
                    for value in scope.assigned[name]
                )
                break
            scope = scope.parent
        self._deadline_names[key] = result
        return result

    def _derives(self, expr: cst.CSTNode, fn: Function, depth: int) -> bool:
        if isinstance(expr, cst.FunctionDef):
            return False
        if _mentions_remaining_time(expr):
            return True
        return any(self._is_deadline(name, fn, depth) for name in set(free_names(expr)))

    def _param_is_deadline(self, fn: Function, name: str, depth: int) -> bool:
        if name not in fn.params:
            return False
        index = fn.positional_params().index(name) if name in fn.positional_params() else -1
        for caller, call in self.analysis.call_sites(fn):
            if call is None:
                continue
            for position, arg in enumerate(a for a in call.args if not a.star):
                matches = (arg.keyword is not None and arg.keyword.value == name) or (
                    arg.keyword is None and position == index
                )
                if matches and self._derives(arg.value, caller, depth + 1):
                    return True
        return False

    # -- the finding ------------------------------------------------------------------------------
    def _finding(self, loop: cst.CSTNode, fn: Function, shape: str) -> RawFinding:
        module = self.analysis.module
        if isinstance(loop, cst.While):
            header = f"while {_common.snippet(module, loop.test, 50)}:"
        else:
            header = f"for {_common.snippet(module, loop.target, 20)} in {_common.snippet(module, loop.iter, 40)}:"
        message = (
            f"{shape} in `{fn.qualname}` never checks `context.{REMAINING_TIME}()`; at the "
            "timeout Lambda stops the invocation mid-iteration, without cleanup"
        )
        entry = self.analysis.path_functions[fn].function
        params = entry.positional_params()
        context = params[1] if len(params) > 1 else "context"
        check = f"if {context}.{REMAINING_TIME}() < 10_000: break"
        if fn is entry:
            where = f"at the top of `{header}` in `{fn.qualname}`"
        else:
            where = (
                f"at the top of `{header}` in `{fn.qualname}` (pass `{context}`, or a deadline "
                f"computed from it, from `{entry.qualname}`)"
            )
        leftover = (
            "unreceived messages stay in the queue for the next invocation"
            if any(m in shape for m in POLLING_METHODS)
            else "return what was done so the caller can continue"
        )
        suggestion = f"Stop with a safety margin: add `{check}` {where}; {leftover}."
        return self.report(loop, message, suggestion, fn)


def _follows_a_token(loop: cst.CSTNode, flow: FunctionFlow) -> bool:
    """The loop pages through a result: a value read from each response (a token, a
    marker, a cursor, an offset, whatever its name) is fed to the next request, and the
    loop ends when a response comes back without one (or empty).

        while True:                              # or `while token:`
            page = client.list_things(**kwargs)  # the request takes the token...
            token = page.get("NextToken")        # ...read from its response
            if not token:                        # and the loop ends when it is absent
                break
            kwargs["NextToken"] = token

    A polling loop reads a status and waits; nothing it reads goes into the next call.
    """
    nodes = [node for node, _ in flow.nodes_under(loop)]
    assigned = _assigned_in_loop(nodes)
    if not assigned:
        return False
    stepped = _advanced_in_loop(nodes)
    calls = [node for node in nodes if isinstance(node, cst.Call)]
    exits = [
        node
        for node in nodes
        if isinstance(node, cst.If)
        and (_leaves(node.body) or (isinstance(node.orelse, cst.Else) and _leaves(node.orelse.body)))
    ]
    tests = [node.test for node in exits]
    if isinstance(loop, cst.While) and not _always_true(loop.test):
        tests.append(loop.test)
    for token in assigned:
        fed = _names_fed_by(token, assigned)
        requests = [c for c in calls if any(n in fed for a in c.args for n in free_names(a.value))]
        if not requests:
            continue
        responses = _names_from(requests, assigned)
        if any(
            not any(v is r for r in requests) and (set(free_names(v)) & responses or _holds(v, requests))
            for v in assigned[token]
        ):
            if any(set(free_names(test)) & (responses | {token}) for test in tests):
                return True
        elif any(_reads_a_response(v, token, flow.fn) for v in assigned[token]):
            # read from a response kept in another name (`token = page.get("NextToken")`):
            # the loop ends when the token itself is absent
            if any(token in set(free_names(test)) for test in tests):
                return True
        if token in stepped and _ends_on_empty(loop, exits, responses):
            return True  # an offset moved on by a page each pass, the loop ends on an empty page
    return False


def _assigned_in_loop(nodes: List[cst.CSTNode]) -> Dict[str, List[cst.CSTNode]]:
    """Name -> the values it gets in the loop (`kwargs` for `kwargs["Marker"] = ...`)."""
    assigned: Dict[str, List[cst.CSTNode]] = {}
    for node in nodes:
        if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)) and node.value is not None:
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                for name in _bound_names(target):
                    assigned.setdefault(name, []).append(node.value)
    return assigned


def _advanced_in_loop(nodes: List[cst.CSTNode]) -> Set[str]:
    """Names moved forward in the loop: `offset += size`, `page = page + 1`."""
    names: Set[str] = set()
    for node in nodes:
        if isinstance(node, cst.AugAssign) and isinstance(node.operator, cst.AddAssign):
            names.update(target_names(node.target))
        elif isinstance(node, cst.Assign) and len(node.targets) == 1:
            value = node.value
            if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
                names.update(_stepped(node.targets[0].target, value))
    return names


def _reads_a_response(value: cst.CSTNode, token: str, fn: Function) -> bool:
    """`page.get("NextToken")`, `page["next"]["cursor"]`, `page.marker`: a value read out of
    a name that holds what a call returned (a response), not out of the token itself."""
    base: cst.CSTNode = value
    reads = 0
    while True:
        if isinstance(base, cst.Subscript) or (isinstance(base, cst.Attribute) and reads == 0):
            base = base.value
        elif (
            isinstance(base, cst.Call)
            and isinstance(base.func, cst.Attribute)
            and base.func.attr.value == "get"
            and base.args
        ):
            base = base.func.value
        else:
            break
        reads += 1
    if not reads or not isinstance(base, cst.Name) or base.value == token:
        return False
    scope: Optional[Function] = fn
    while scope is not None and base.value not in scope.assigned:
        scope = scope.parent
    return scope is not None and any(
        isinstance(v, cst.CSTNode) and _contains_call(v) for v in scope.assigned[base.value]
    )


def _contains_call(node: cst.CSTNode) -> bool:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return False
    return isinstance(node, cst.Call) or any(_contains_call(child) for child in nodes.children(node))


def _ends_on_empty(loop: cst.CSTNode, exits: List[cst.If], responses: Set[str]) -> bool:
    """The loop leaves when a response comes back empty: `if not hits: break`,
    `if len(rows) == 0: return`, `while rows:` (and `if rows: ... else: break`)."""
    if isinstance(loop, cst.While) and _non_empty(loop.test, responses):
        return True
    for node in exits:
        if _leaves(node.body) and _empty(node.test, responses):
            return True
        if isinstance(node.orelse, cst.Else) and _leaves(node.orelse.body) and _non_empty(node.test, responses):
            return True
    return False


def _non_empty(test: cst.BaseExpression, names: Set[str]) -> bool:
    """`rows`, `len(rows)`, `page["hits"]`: true while the response has something in it."""
    if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "len" and test.args:
        test = test.args[0].value
    while isinstance(test, cst.Subscript):
        test = test.value
    return isinstance(test, cst.Name) and test.value in names


def _empty(test: cst.BaseExpression, names: Set[str]) -> bool:
    """`not rows`, `len(rows) == 0`, `rows == []`, `rows is None`, `len(rows) < size`."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return _non_empty(test.expression, names)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or):
        return _empty(test.left, names) or _empty(test.right, names)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        left, right, op = test.left, target.comparator, target.operator
        if isinstance(op, (cst.Equal, cst.Is)):
            return any(_non_empty(side, names) and _nothing(other) for side, other in ((left, right), (right, left)))
        if isinstance(op, cst.LessThan):
            return isinstance(left, cst.Call) and _non_empty(left, names)  # a short page
    return False


def _nothing(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Integer):
        return expr.evaluated_value == 0
    if isinstance(expr, cst.Name):
        return expr.value == "None"
    if isinstance(expr, (cst.List, cst.Tuple, cst.Dict)):
        return not expr.elements
    return False


def _bounded_by_size(loop: cst.CSTNode, flow: FunctionFlow) -> bool:
    """`while started < limit:` (or an exit on `started >= limit`) where the loop sets
    `started = len(...)` again on every pass: it stops when the slots are used up.  Only
    for loops that do not sleep: waiting for a count to grow is a poll."""
    nodes = [node for node, _ in flow.nodes_under(loop)]
    sizes = {
        name
        for node in nodes
        if isinstance(node, cst.Assign)
        and isinstance(node.value, cst.Call)
        and isinstance(node.value.func, cst.Name)
        and node.value.func.value == "len"
        for target in node.targets
        for name in target_names(target.target)
    }
    if not sizes:
        return False
    tests = [node.test for node in nodes if isinstance(node, cst.If) and _leaves(node.body)]
    if isinstance(loop, cst.While):
        tests.append(loop.test)
    return any(
        isinstance(test, cst.Comparison)
        and any(
            isinstance(c.operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual))
            for c in test.comparisons
        )
        and any(
            isinstance(operand, cst.Name) and operand.value in sizes
            for operand in (test.left, *(c.comparator for c in test.comparisons))
        )
        for test in tests
    )


def _bound_names(target: cst.CSTNode) -> List[str]:
    """`x`, `a, b`, and `kwargs` for `kwargs["NextToken"] = ...` / `params.marker = ...`."""
    if isinstance(target, (cst.Subscript, cst.Attribute)):
        base = target.value
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        return [base.value] if isinstance(base, cst.Name) else []
    return target_names(target)


def _names_fed_by(token: str, assigned: Dict[str, List[cst.CSTNode]]) -> Set[str]:
    """The token and the names built from it in the loop (`kwargs = {"Marker": token}`)."""
    fed = {token}
    changed = True
    while changed:
        changed = False
        for name, values in assigned.items():
            if name not in fed and any(set(free_names(v)) & fed for v in values):
                fed.add(name)
                changed = True
    return fed


def _names_from(requests: List[cst.Call], assigned: Dict[str, List[cst.CSTNode]]) -> Set[str]:
    """Names holding a response of the requests, or values read from one."""
    found = {name for name, values in assigned.items() if any(_holds(v, requests) for v in values)}
    changed = True
    while changed:
        changed = False
        for name, values in assigned.items():
            if name not in found and any(set(free_names(v)) & found for v in values):
                found.add(name)
                changed = True
    return found


def _holds(value: cst.CSTNode, calls: List[cst.Call]) -> bool:
    if any(value is c for c in calls):
        return True
    return any(_holds(child, calls) for child in nodes.children(value))


def _leaves(block: cst.CSTNode) -> bool:
    """The block ends the loop: its last statement is `break`, `return` or `raise`."""
    body = getattr(block, "body", ())
    last = body[-1] if isinstance(body, (list, tuple)) and body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return isinstance(last, (cst.Break, cst.Return, cst.Raise))  # also `if not token: break`


def _continues(block: cst.CSTNode) -> bool:
    body = getattr(block, "body", ())
    last = body[-1] if isinstance(body, (list, tuple)) and body else None
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1]
    return isinstance(last, cst.Continue)


def _consumes_finite_source(loop: cst.CSTNode, flow: FunctionFlow) -> bool:
    """`while True: chunk = body.read(n); if not chunk: break` ends at the end of the
    stream (or of the work list), like a `for` loop over it."""
    for node, _ in flow.nodes_under(loop):
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value in FINITE_SOURCE_METHODS:
                return True
            if isinstance(func, cst.Name) and func.value == "next":
                return True
    return False


def _stepped(target: cst.CSTNode, value: cst.CSTNode) -> List[str]:
    """`n = n + 1` / `n = n - 1`: the name, a counter as much as `n += 1` is."""
    if (
        isinstance(target, cst.Name)
        and isinstance(value, cst.BinaryOperation)
        and isinstance(value.operator, (cst.Add, cst.Subtract))
        and any(isinstance(side, cst.Name) and side.value == target.value for side in (value.left, value.right))
    ):
        return [target.value]
    return []


def _counts_down(test: cst.BaseExpression, counters: Set[str]) -> bool:
    """The loop's own test is a counter's truth (`while tries:`), alone or in an `and`."""
    if isinstance(test, cst.Name):
        return test.value in counters
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _counts_down(test.left, counters) or _counts_down(test.right, counters)
    return False


def _limits(comparison: cst.Comparison, counters: Set[str]) -> bool:
    """`attempts >= 5` or `retries == MAX`: a counter compared as a whole, not
    `i % 100 == 0` (a periodic action, no bound)."""
    operands = [comparison.left, *(c.comparator for c in comparison.comparisons)]
    ordered = any(
        isinstance(c.operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual))
        for c in comparison.comparisons
    )
    for operand in operands:
        if isinstance(operand, cst.Name) and operand.value in counters:
            return True
        if ordered and not isinstance(operand, cst.BinaryOperation) and counters & set(free_names(operand)):
            return True  # len(seen) > 100, self.attempts >= 3
    return False


def _always_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.evaluated_value != 0
    return False


def _asks_remaining_time(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Attribute) and call.func.attr.value == REMAINING_TIME


def _mentions_remaining_time(expr: cst.CSTNode) -> bool:
    if isinstance(expr, cst.Attribute) and expr.attr.value == REMAINING_TIME:
        return True
    return any(_mentions_remaining_time(child) for child in nodes.children(expr))
