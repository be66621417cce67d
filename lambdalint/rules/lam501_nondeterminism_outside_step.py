"""LAM501 nondeterminism-outside-step: clock, random, UUID or set order outside a durable step."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, Site, nodes
from lambdalint.catalog import STEP_CHECKPOINTABLE_CALLS
from lambdalint.durable import (
    NONDETERMINISM,
    DurableModel,
    Scope,
    durable_model,
    environment_description,
    environment_matters,
    environment_read,
    is_store,
    nondeterministic,
    set_iteration,
    short,
    where_in,
)
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _replay


class NondeterminismOutsideStep(Rule):
    code = "LAM501"
    name = "nondeterminism-outside-step"
    summary = (
        "A durable function reads the clock, a random value, a UUID, the order of a set or an "
        "environment variable that decides the path outside any durable operation."
    )
    why = (
        """
        A function decorated with `@durable_execution` (AWS Durable Execution SDK for Python)
        runs from the top every time it resumes: after a `context.wait(...)`, a callback, a
        retry. A step that completed earlier returns its checkpointed result without running
        again, but everything outside durable operations runs again. AWS's determinism guide
        asks that this code be a pure function of the event and of the results of completed
        operations.

        `time.time()`, `datetime.now()`, `random.random()`, `uuid.uuid4()` and `os.urandom()`
        return another value on the replay than on the first run. A branch on them can take
        the other path: the SDK then finds an operation that does not match its checkpoint and
        fails the execution (`NonDeterministicExecutionError`), or a later step receives an id
        or a timestamp that differs from the one an earlier step already used. Iterating over
        a set has the same problem: the order of a set of strings depends on the process's
        hash seed, so a replay in another execution environment starts the loop's operations
        in another order. An environment variable that decides the path can differ when the
        replay runs on a newer deployment (`$LATEST`); the variables Lambda sets per
        invocation or per environment (`_X_AMZN_TRACE_ID`, `AWS_LAMBDA_LOG_STREAM_NAME`,
        credentials) always differ. A guard that only raises when a setting is missing
        (`if not table: raise ValueError(...)`) is not reported: its branch runs no durable
        operation and fails every execution that lacks the setting alike. Nor is a value
        bound to a name that only one step reads, a step without side effects run once
        outside loops (`summary = parse(event)`, then `context.step(lambda _: summary)`):
        the step's checkpoint fixes what every replay sees. A step that writes somewhere
        does not count: a failed attempt is retried after a replay, with the new value.

        Make the value inside a step, so that the replay gets the checkpointed one:
        `now = context.step(lambda _: time.time(), name="now")`. A helper that reads the
        clock and is called outside a step is reported at the call. Child-context functions
        (`run_in_child_context`, `map`, `parallel`) replay the same way and are checked too;
        the inside of a step is not.
    """
        + _replay.LIMITS
    )
    fix_safety = """
        The fix wraps the call in a step, `context.step(lambda _: time.time(), name="time.time")`,
        for calls whose result the SDK's default serializer can checkpoint (numbers, strings,
        bytes, `datetime`, `UUID`) and for environment reads; a helper call that is a
        statement of its own moves into a step function defined right before it. It is
        **unsafe**: it adds a checkpointed operation, so an execution that already started
        with the old code no longer matches its checkpoints, and an exception raised inside is
        retried by the step's retry strategy and then surfaces as `StepError` (so code under a
        `try` is not fixed). Set iteration and helpers whose result is used are not fixed: sort
        the set, or return a checkpointable value from a step.
    """
    references = [
        _replay.DETERMINISM_GUIDE,
        _replay.DURABLE_BEST_PRACTICES,
        _replay.STEP_REFERENCE,
        _replay.SDK_PACKAGE,
    ]
    valid = [
        Valid(
            """
            import time

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            @durable_execution
            def handler(event, context: DurableContext):
                started = context.step(lambda _: time.time(), name="started")
                context.wait(Duration.from_minutes(5), name="cool-down")
                return {"waited": context.step(lambda _: time.time(), name="resumed") - started}
            """
        ),
        Valid(
            """
            import uuid

            from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


            @durable_step
            def create_order(step_context: StepContext, items: list) -> dict:
                return {"id": str(uuid.uuid4()), "items": items}


            @durable_execution
            def handler(event, context: DurableContext):
                order = context.step(create_order(event["items"]))
                for sku in sorted(set(event["items"])):
                    context.step(lambda _: sku.upper(), name="reserve")
                return order
            """
        ),
        Valid(
            """
            import time


            def handler(event, context):
                # not a durable function: nothing replays
                return {"now": time.time()}
            """
        ),
        Valid(
            """
            import uuid

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            @durable_execution
            def handler(event, context: DurableContext):
                summary = {"incident": str(uuid.uuid4()), "source": event["source"]}
                gathered = context.step(lambda _: summary, name="gather")  # checkpointed once
                context.wait(Duration.from_minutes(5), name="cool-down")
                return gathered["incident"]
            """
        ),
        Valid(
            """
            import os

            from aws_durable_execution_sdk_python import DurableContext, durable_execution


            @durable_execution
            def handler(event, context: DurableContext):
                table = os.environ.get("TABLE_NAME")
                if not table:  # a missing setting fails every execution alike
                    raise ValueError("TABLE_NAME is not set")
                return context.step(lambda _: table.upper(), name="table")
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import time

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            @durable_execution
            def handler(event, context: DurableContext):
                started = time.time()
                context.wait(Duration.from_minutes(5), name="cool-down")
                return {"waited": context.step(lambda _: time.time(), name="resumed") - started}
            """,
            lines=(9,),
            fixed="""
            import time

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            @durable_execution
            def handler(event, context: DurableContext):
                started = context.step(lambda _: time.time(), name="time.time")
                context.wait(Duration.from_minutes(5), name="cool-down")
                return {"waited": context.step(lambda _: time.time(), name="resumed") - started}
            """,
        ),
        Invalid(
            """
            import uuid

            import aws_durable_execution_sdk_python as sdk


            def new_order_id():
                return f"order-{uuid.uuid4()}"


            @sdk.durable_execution
            def handler(event, ctx: sdk.DurableContext):
                order_id = new_order_id()
                ctx.step(lambda _: print("charging", order_id), name="charge")
                for sku in set(event["items"]):
                    ctx.step(lambda _: print("reserving", sku), name="reserve")
                return order_id
            """,
            lines=(12, 14),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        model = durable_model(self.analysis)
        if not model.active:
            return
        for site, scope in model.replayed((cst.Call, cst.Subscript, cst.For), self.analysis):
            finding = self._site(model, site, scope)
            if finding is not None:
                yield finding
        yield from self._comprehensions(model)

    def _site(self, model: DurableModel, site: Site, scope: Scope) -> Optional[RawFinding]:
        node, fn = site.node, site.function
        analysis = model.owner(fn)
        where = where_in(scope)
        if isinstance(node, cst.For):
            what = set_iteration(node.iter, fn, analysis)
            if what is None or not _order_matters(node.body):
                return None
            return self.report(
                node,
                f"This loop {what}, {where}; a replay can run its body in another order",
                "Iterate over `sorted(...)` of the set (or a list) so that every replay starts "
                "the loop's operations in the same order.",
                fn,
            )
        if isinstance(node, cst.Subscript):
            if is_store(site):
                return None
            return self._environment(model, site, where)
        if model.operation(node) is not None or model.is_context_call(node, site):
            return None
        what = nondeterministic(node, fn, analysis)
        if what is not None and model.checkpointed_by_one_step(site):
            return None
        if what is not None:
            qualified = analysis.qualified_name(node.func, fn)
            fix = None
            if qualified in STEP_CHECKPOINTABLE_CALLS:
                fix = _replay.wrap_expression_fix(
                    model, site, "make the value inside a step, so that replays get the checkpointed one"
                )
            return self.report(
                node,
                f"`{short(analysis, node)}` {what} {where}; a replay gets another value",
                "Make the value inside a step, e.g. `value = context.step(lambda _: ..., "
                "name=\"...\")`, so that every replay gets the checkpointed value.",
                fn,
                fix,
            )
        environment = self._environment(model, site, where)
        if environment is not None:
            return environment
        called = model.callee_effect(site, NONDETERMINISM)
        if called is None or model.checkpointed_by_one_step(site):
            return None
        target, witness = called
        fix = None
        if not model.helper_mutates_outer_state(target):
            fix = _replay.wrap_statement_fix(
                model, site, f"run `{target.name}(...)` inside a step, so that replays skip it"
            )
        return self.report(
            node,
            f"`{short(analysis, node)}` {witness.describe()} {where}; a replay gets another value",
            f"Call `{target.name}` inside a step (`context.step(lambda _: {target.name}(...), "
            "name=\"...\")`) and use the checkpointed result, or pass the value in from a step.",
            site.function,
            fix,
        )

    def _environment(self, model: DurableModel, site: Site, where: str) -> Optional[RawFinding]:
        fn = site.function
        analysis = model.owner(fn)
        variable = environment_read(site.node, fn, analysis)
        if variable is None or not environment_matters(variable, site, fn, analysis):
            return None
        fix = _replay.wrap_expression_fix(
            model, site, "read the variable inside a step, so that replays get the checkpointed value"
        )
        return self.report(
            site.node,
            f"`{short(analysis, site.node)}` {environment_description(variable)}, {where}; a "
            "replay can read another value and take another path",
            "Read it inside a step (`context.step(lambda _: os.environ.get(...), name=...)`) "
            "so that every replay sees the value of the first run.",
            fn,
            fix,
        )

    def _comprehensions(self, model: DurableModel) -> Iterator[RawFinding]:
        """List, dict and generator comprehensions over a set (a set comprehension's own
        order does not matter)."""
        inside_steps = model.in_step_nodes()
        for fn, scope in list(model.scopes.items()):
            if not model.here(fn, self.analysis) or not model.replays(scope):
                continue
            for node, what in _set_comprehensions(fn, model.owner(fn), inside_steps):
                yield self.report(
                    node,
                    f"This comprehension {what}, {where_in(scope)}; a replay can build its result in another order",
                    "Iterate over `sorted(...)` of the set so that every replay gets the same order.",
                    fn,
                )


def _set_comprehensions(
    fn: Function, analysis: ModuleAnalysis, inside_steps: Set[int]
) -> List[Tuple[cst.CSTNode, str]]:
    """(comprehension, what) for the comprehensions of `fn`'s own body that iterate a set."""
    from lambdalint._cstfast import walk

    found: List[Tuple[cst.CSTNode, str]] = []

    class _Comprehensions:
        def on_visit(self, node) -> bool:
            if node is not fn.node and isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                return False
            if id(node) in inside_steps:
                return False
            if isinstance(node, (cst.ListComp, cst.DictComp, cst.GeneratorExp)):
                what = set_iteration(node.for_in.iter, fn, analysis)
                if what is not None:
                    found.append((node, what))
            return True

        def on_leave(self, node) -> None:
            pass

    walk(fn.node.body, _Comprehensions())
    return found


def _order_matters(body: cst.CSTNode) -> bool:
    """The loop body calls something, breaks, returns or yields (an order-free body only
    adds numbers up)."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Call, cst.Break, cst.Return, cst.Yield)):
            return True
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            continue
        stack.extend(nodes.children(node))
    return False
