"""LAM503 nested-durable-operation: a durable operation started inside a step's function."""

from __future__ import annotations

from typing import Iterator, Set

from lambdalint._lazy import cst
from lambdalint.durable import OPERATION, durable_model, short
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _replay


class NestedDurableOperation(Rule):
    code = "LAM503"
    name = "nested-durable-operation"
    summary = (
        "A durable operation (`step`, `wait`, `invoke`, `map`, `parallel`, callbacks, child "
        "contexts) is started inside the function of a step."
    )
    why = (
        """
        A step's function runs as one unit whose result is checkpointed; it receives a
        `StepContext`, which has a logger and no operations. Starting `context.step(...)`,
        `context.wait(...)` or any other durable operation from inside it (on the handler's
        context, closed over by the lambda) is not supported by the SDK: the inner operation
        takes an operation id in the middle of the outer one, so on the replay, when the
        outer step returns its checkpoint without running, every later operation is one
        position off and the execution fails with `NonDeterministicExecutionError`. A wait
        inside a step cannot suspend the function either.

        To group several operations, use a child context: `context.run_in_child_context(
        lambda child: ..., name="...")` or a `@durable_with_child_context` function, whose
        operations run on the child context it receives. Also reported: a call, inside a step,
        of a helper that starts operations on a DurableContext.
    """
        + _replay.LIMITS
    )
    references = [
        _replay.DETERMINISM_GUIDE,
        _replay.STEP_REFERENCE,
        _replay.CHILD_CONTEXT_REFERENCE,
        _replay.SDK_PACKAGE,
    ]
    valid = [
        Valid(
            """
            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            def ship(child: DurableContext, order_id: str) -> str:
                label = child.step(lambda _: f"label-{order_id}", name="label")
                child.wait(Duration.from_seconds(30), name="pickup")
                return label


            @durable_execution
            def handler(event, context: DurableContext):
                return context.run_in_child_context(lambda child: ship(child, event["id"]), name="ship")
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            @durable_execution
            def handler(event, context: DurableContext):
                def ship(_):
                    label = context.step(lambda _: f"label-{event['id']}", name="label")
                    context.wait(Duration.from_seconds(30), name="pickup")
                    return label

                return context.step(ship, name="ship")
            """,
            lines=(8, 9),
        ),
        Invalid(
            """
            from aws_durable_execution_sdk_python import DurableContext, durable_execution


            def audit(ctx: DurableContext, what: str) -> None:
                ctx.step(lambda _: print("audit", what), name="audit")


            @durable_execution
            def handler(event, context: DurableContext):
                return context.step(lambda _: audit(context, "charge") or "charged", name="charge")
            """,
            lines=(10,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        model = durable_model(self.analysis)
        if not model.active:
            return
        reported: Set[int] = set()
        for op in model.operations:
            if op.in_step and model.here(op.site.function, self.analysis):
                reported.add(id(op.site.node))
                analysis = model.owner(op.site.function)
                yield self.report(
                    op.site.node,
                    f"`{short(analysis, op.site.node)}` starts a durable operation inside a step's "
                    "function; the SDK does not support nested operations",
                    "Run the operations in a child context instead: "
                    "`context.run_in_child_context(lambda child: ..., name=\"...\")` with "
                    "`child.step(...)` / `child.wait(...)` inside.",
                    op.site.function,
                )
        for fn in list(self.analysis.functions.values()):
            for site in fn.iter(cst.Call):
                if id(site.node) in reported or model.step_body_of(site) is None:
                    continue
                if model.operation(site.node) is not None:
                    continue
                called = model.callee_effect(site, OPERATION)
                if called is None:
                    continue
                target, witness = called
                analysis = model.owner(fn)
                yield self.report(
                    site.node,
                    f"`{short(analysis, site.node)}` {witness.describe()} inside a step's function; "
                    "the SDK does not support nested operations",
                    f"Call `{target.name}` from the handler or a child context "
                    "(`context.run_in_child_context(...)`), not from inside a step.",
                    fn,
                )
