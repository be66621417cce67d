"""LAM304 handler-not-found, at the `def`: a named handler Lambda cannot call as f(event, context).

The template side (a `Handler` whose module or function does not exist) is reported at the
template line by `lambdalint.templates.check_refs`, which has no module to analyse.
"""

from __future__ import annotations

from typing import Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function, powertools_calls_with_event_and_context
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid

# Entry points that something other than a naming convention says Lambda calls directly.
_NAMED = ("config", "template")


class HandlerNotFound(Rule):
    code = "LAM304"
    name = "handler-not-found"
    summary = (
        "A handler named by configuration or a template does not exist, or cannot be "
        "called with two positional arguments (event, context)."
    )
    why = """
        The Lambda Python runtime imports the module a function's `Handler` names and calls
        `handler(event, context)` with two positional arguments. A handler whose module or
        function does not exist fails every invocation with `Runtime.ImportModuleError` or
        `Runtime.HandlerNotFound`; one that cannot take two positional arguments (one
        parameter, a third required parameter, a required keyword-only parameter) fails
        with a `TypeError` before any of your code runs. Neither shows up until the function
        is deployed and invoked.

        Missing modules and functions are reported at the template or configuration line
        (SAM / CloudFormation `Handler`, Serverless `handler`, CDK `handler=`, `handlers` in
        `[tool.lambdalint]`). A wrong signature is reported at the `def`, for handlers named
        that way and for functions wrapped by AWS Lambda Powertools handler decorators
        (`@logger.inject_lambda_context`, `@tracer.capture_lambda_handler`,
        `@metrics.log_metrics`, `@event_source`, ...), whose wrappers always call the
        function with `(event, context)`.
    """
    options = """
        - `handlers`: `path:function` entry points; each must exist.
        - `templates`: globs of SAM / CloudFormation / Serverless templates (default: found
          automatically under the linted paths); each Python `Handler` must exist.
    """
    valid = [
        Valid(
            """
            from aws_lambda_powertools import Logger

            logger = Logger()


            @logger.inject_lambda_context
            def run(event, context):
                return {"id": event["id"]}
            """
        ),
        Valid(
            """
            from aws_lambda_powertools import Tracer

            tracer = Tracer()


            @tracer.capture_lambda_handler
            def run(event, context, *, dry_run=False):
                return {"dry_run": dry_run}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            from aws_lambda_powertools import Logger

            logger = Logger()


            @logger.inject_lambda_context
            def run(event):
                return {"id": event["id"]}
            """,
            lines=(7,),
        ),
        Invalid(
            """
            from aws_lambda_powertools.utilities.data_classes import SQSEvent, event_source


            @event_source(data_class=SQSEvent)
            def consume(event, context, table):
                return [r.body for r in event.records]
            """,
            lines=(5,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        for entry in self.analysis.entry_points:
            fn = entry.function
            # Decorators made with @lambda_handler_decorator call the function as they please.
            wrapped = [d for d in fn.decorators if powertools_calls_with_event_and_context(d)]
            if entry.source in _NAMED and fn.decorators and not wrapped:
                continue  # another decorator may change what Lambda actually calls
            if entry.source not in _NAMED and not wrapped:
                continue
            problem = signature_problem(fn)
            if problem is None:
                continue
            why = f"named by {entry.detail or entry.source}" if entry.source in _NAMED else (
                f"wrapped by @{wrapped[0].rsplit('.', 1)[-1]}")
            yield self.report(
                fn.node,
                f"handler `{fn.qualname}` ({why}) {problem}, but Lambda calls it as "
                f"`{fn.name}(event, context)`",
                f"Give `{fn.qualname}` the signature `(event, context)`; move other inputs to "
                "module-level settings (os.environ) or optional keyword arguments.",
                fn,
            )


def signature_problem(fn: Function) -> Optional[str]:
    """Why `fn(event, context)` would raise TypeError, or None when it is fine."""
    params = fn.node.params
    positional = [*params.posonly_params, *params.params]
    if fn.is_method and positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    required = [p for p in positional if p.default is None]
    varargs = isinstance(params.star_arg, cst.Param)
    if len(positional) < 2 and not varargs:
        count = len(positional)
        return f"takes {count} positional argument{'s' if count != 1 else ''}"
    if len(required) > 2:
        extra = ", ".join(p.name.value for p in required[2:])
        return f"requires more than two positional arguments (also `{extra}`)"
    kwonly = [p.name.value for p in params.kwonly_params if p.default is None]
    if kwonly:
        return f"requires the keyword-only argument{'s' if len(kwonly) > 1 else ''} `{', '.join(kwonly)}`"
    return None
