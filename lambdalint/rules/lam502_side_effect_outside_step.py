"""LAM502 side-effect-outside-step: AWS SDK calls, HTTP requests, queries and writes outside a step."""

from __future__ import annotations

from typing import Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Site
from lambdalint.durable import (
    SIDE_EFFECT,
    DurableModel,
    Scope,
    durable_model,
    short,
    side_effect,
    where_in,
)
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _replay


class SideEffectOutsideStep(Rule):
    code = "LAM502"
    name = "side-effect-outside-step"
    summary = (
        "A durable function makes an AWS SDK call, an HTTP request, a database query, sends a "
        "message or writes a file outside any durable operation: every replay repeats it."
    )
    why = (
        """
        A durable function (`@durable_execution`) runs from the top on every resumption, and
        only the results of durable operations are checkpointed. A `sqs.send_message(...)`,
        `requests.post(...)`, `table.put_item(...)`, `cursor.execute(...)` or a file opened for
        writing outside a step runs again on every replay: after each wait, each callback and
        each retry. That is a second charge, a second e-mail, a duplicated row; and a read
        outside a step can return other data on the replay and send the handler down another
        path.

        Put the call in a step: `context.step(lambda _: sqs.send_message(...), name="notify")`
        or a `@durable_step` function. The step runs once per successful attempt and replays
        return its checkpointed result. (A step can be retried after a failure, so the call
        should still be idempotent: pass an idempotency key made in an earlier step.) A helper
        that does I/O and is called outside a step is reported at the call. Calls guarded by
        `if not context.is_replaying():` are not reported.
    """
        + _replay.LIMITS
    )
    fix_safety = """
        When the call is a statement of its own (its result is not used), the fix moves it
        into a step function defined right before a `context.step(...)` that runs it; a helper
        call is moved the same way unless the helper changes module-level state or an object
        it is given (a step would skip that change on replay). The step returns `None`, which
        the SDK can always checkpoint. The fix is **unsafe**: the call now runs once per
        execution instead of once per replay, exceptions it raises are retried by the step's
        retry strategy and then surface as `StepError` (so code under a `try` is not fixed),
        and an execution that already started with the old code no longer matches its
        checkpoints. A call whose result is used is not fixed: its result (an HTTP response, a
        boto3 streaming body) may not be checkpointable; return what you need from a step
        instead.
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
            import boto3

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration

            sqs = boto3.client("sqs")


            @durable_execution
            def handler(event, context: DurableContext):
                context.step(
                    lambda _: sqs.send_message(QueueUrl=event["queue"], MessageBody="received")["MessageId"],
                    name="acknowledge",
                )
                context.wait(Duration.from_hours(1), name="grace-period")
                return {"status": "done"}
            """
        ),
        Valid(
            """
            import boto3

            sqs = boto3.client("sqs")


            def handler(event, context):
                # not a durable function: it runs once per invocation
                sqs.send_message(QueueUrl=event["queue"], MessageBody="received")
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import boto3

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration

            sqs = boto3.client("sqs")


            @durable_execution
            def handler(event, context: DurableContext):
                sqs.send_message(QueueUrl=event["queue"], MessageBody="received")
                context.wait(Duration.from_hours(1), name="grace-period")
                return {"status": "done"}
            """,
            lines=(11,),
            fixed="""
            import boto3

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration

            sqs = boto3.client("sqs")


            @durable_execution
            def handler(event, context: DurableContext):
                def _send_message_step(_):
                    sqs.send_message(QueueUrl=event["queue"], MessageBody="received")
                context.step(_send_message_step, name="sqs.send_message")
                context.wait(Duration.from_hours(1), name="grace-period")
                return {"status": "done"}
            """,
        ),
        Invalid(
            """
            import requests

            from aws_durable_execution_sdk_python import DurableContext, durable_execution


            def notify(url, order):
                requests.post(url, json=order, timeout=5)


            def charge(ctx: DurableContext, order):
                response = requests.post("https://payments.example.com/charge", json=order, timeout=5)
                return ctx.step(lambda _: response.json()["id"], name="charge-id")


            @durable_execution
            def handler(event, context):
                notify(event["webhook"], event["order"])
                return charge(context, event["order"])
            """,
            lines=(11, 17),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        model = durable_model(self.analysis)
        if not model.active:
            return
        for site, scope in model.replayed((cst.Call,), self.analysis):
            finding = self._site(model, site, scope)
            if finding is not None:
                yield finding

    def _site(self, model: DurableModel, site: Site, scope: Scope) -> Optional[RawFinding]:
        call, fn = site.node, site.function
        if (
            model.operation(call) is not None
            or model.is_context_call(call, site)
            or model.guarded_by_not_replaying(site)
        ):
            return None
        analysis = model.owner(fn)
        where = where_in(scope)
        what = side_effect(call, fn, analysis)
        if what is not None:
            fix = _replay.wrap_statement_fix(model, site, "run the call inside a step, so that replays skip it")
            return self.report(
                call,
                f"`{short(analysis, call)}` {what} {where}; every replay repeats it",
                "Make the call inside a step (`context.step(lambda _: ..., name=\"...\")` or a "
                "`@durable_step` function) and return only checkpointable data from it.",
                fn,
                fix,
            )
        called = model.callee_effect(site, SIDE_EFFECT)
        if called is None:
            return None
        target, witness = called
        fix = None
        if not model.helper_mutates_outer_state(target):
            fix = _replay.wrap_statement_fix(
                model, site, f"run `{target.name}(...)` inside a step, so that replays skip it"
            )
        return self.report(
            call,
            f"`{short(analysis, call)}` {witness.describe()} {where}; every replay repeats it",
            f"Call `{target.name}` inside a step (`context.step(lambda _: {target.name}(...), "
            "name=\"...\")`) so that it runs once per execution.",
            fn,
            fix,
        )
