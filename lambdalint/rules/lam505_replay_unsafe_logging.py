"""LAM505 replay-unsafe-logging: `print` / `logging` outside a step in a durable function."""

from __future__ import annotations

from typing import Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Site
from lambdalint.catalog import DURABLE_LOGGER_KEYWORDS, DURABLE_LOGGER_METHODS
from lambdalint.durable import (
    LOGGING,
    DurableModel,
    Scope,
    durable_model,
    logging_call,
    short,
    where_in,
)
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _replay


class ReplayUnsafeLogging(Rule):
    code = "LAM505"
    name = "replay-unsafe-logging"
    summary = "`print` or a `logging` call outside any step of a durable function: every replay writes the line again."
    why = (
        """
        A durable function (`@durable_execution`) runs from the top on every resumption. A
        `print(...)`, `logging.info(...)` or `logger.info(...)` outside a step is written again
        on every replay: a workflow with ten waits logs its first line ten times, and metrics
        or alarms built on log lines count ten events.

        The SDK's `context.logger` is replay-aware: it drops what is logged while the function
        replays operations that already completed, and adds the execution ARN and operation
        name to every entry. Inside a step, use the step context's logger
        (`step_context.logger`). Powertools' `Logger` can be plugged in with
        `context.set_logger(logger)`. A helper called outside a step that prints or logs is
        reported at the call; output guarded by `if not context.is_replaying():` is not
        reported, nor output in a branch of the handler that ends the execution (it returns
        or raises, outside a `try` body) and holds no durable operation: such a branch never
        suspends, so the run that enters it is the execution's last.
    """
        + _replay.LIMITS
    )
    fix_safety = """
        The fix replaces `print(x)` (one argument, no `sep`/`end`/`file`) and
        `logging.<level>(...)` / `logger.<level>(...)` calls (`debug`, `info`, `warning`,
        `error`, `exception`, with no keyword other than `extra`) with the same call on
        `context.logger`. It is **unsafe**: the entry goes to the SDK's logger (by default the
        root logger, with the execution's ids added), not to the named logger or stdout
        format it used before, and it is no longer written on replays. `critical`, `log`,
        `exc_info=` / `stack_info=` and `print` with several arguments are not fixed: the
        SDK's logger has no equivalent.
    """
    references = [
        _replay.LOGGING_REFERENCE,
        _replay.DETERMINISM_GUIDE,
        _replay.SDK_PACKAGE,
    ]
    valid = [
        Valid(
            """
            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration


            @durable_execution
            def handler(event, context: DurableContext):
                if not event.get("items"):
                    print("rejected: no items")  # the execution ends here: written once
                    return {"status": "rejected"}
                context.wait(Duration.from_minutes(5), name="cool-down")
                return context.step(lambda _: len(event["items"]), name="count")
            """
        ),
        Valid(
            """
            from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
            from aws_durable_execution_sdk_python.config import Duration


            @durable_step
            def approve(step_context: StepContext, order_id: str) -> bool:
                step_context.logger.info("approving %s", order_id)
                print("approved", order_id)  # inside a step: written once per attempt
                return True


            @durable_execution
            def handler(event, context: DurableContext):
                context.logger.info("order received", extra={"order": event["id"]})
                approved = context.step(approve(event["id"]))
                context.wait(Duration.from_seconds(60), name="cool-down")
                if not context.is_replaying():
                    print("resumed")
                return approved
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import logging

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration

            logger = logging.getLogger(__name__)


            @durable_execution
            def handler(event, context: DurableContext):
                print(f"order {event['id']} received")
                logger.info("waiting for %s", event["id"])
                context.wait(Duration.from_seconds(60), name="cool-down")
                return {"status": "done"}
            """,
            lines=(11, 12),
            fixed="""
            import logging

            from aws_durable_execution_sdk_python import DurableContext, durable_execution
            from aws_durable_execution_sdk_python.config import Duration

            logger = logging.getLogger(__name__)


            @durable_execution
            def handler(event, context: DurableContext):
                context.logger.info(f"order {event['id']} received")
                context.logger.info("waiting for %s", event["id"])
                context.wait(Duration.from_seconds(60), name="cool-down")
                return {"status": "done"}
            """,
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
            or model.in_final_branch(site, scope)
        ):
            return None
        analysis = model.owner(fn)
        where = where_in(scope)
        what = logging_call(call, fn, analysis)
        if what is not None:
            return self.report(
                call,
                f"`{short(analysis, call)}` {what} {where}; every replay writes it again",
                "Log with the replay-aware `context.logger` (`context.logger.info(...)`), or "
                "inside a step with `step_context.logger`.",
                fn,
                self._fix(model, site),
            )
        called = model.callee_effect(site, LOGGING)
        if called is None:
            return None
        target, witness = called
        return self.report(
            call,
            f"`{short(analysis, call)}` {witness.describe()} {where}; every replay writes it again",
            f"Log from `{target.name}` through a logger it is given (`context.logger`), or call it inside a step.",
            fn,
        )

    def _fix(self, model: DurableModel, site: Site) -> Optional[Fix]:
        call = site.node
        contexts = model.contexts_at(site)
        if not contexts:
            return None
        func = call.func
        if isinstance(func, cst.Name):  # print
            if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
                return None
            method = "info"
        else:
            method = "warning" if func.attr.value == "warn" else func.attr.value
            if method not in DURABLE_LOGGER_METHODS:
                return None
            if any(
                a.star == "**" or (a.keyword is not None and a.keyword.value not in DURABLE_LOGGER_KEYWORDS)
                for a in call.args
            ):
                return None
        logger = cst.Attribute(
            value=cst.Attribute(value=cst.Name(contexts[0]), attr=cst.Name("logger")), attr=cst.Name(method)
        )
        return Fix(
            applicability=UNSAFE,
            description=f"log with the replay-aware `{contexts[0]}.logger`",
            edits={call: call.with_changes(func=logger)},
        )
