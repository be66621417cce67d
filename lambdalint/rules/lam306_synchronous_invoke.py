"""LAM306 synchronous-invoke: one Lambda function waiting for another on every request."""

from __future__ import annotations

from typing import Iterator, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site
from lambdalint.analysis.nodes import param_default
from lambdalint.catalog import LAMBDA_SERVICE, LAMBDA_SYNC_INVOKE_METHODS, SYNC_INVOCATION_TYPES
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _hygiene


class SynchronousInvoke(Rule):
    code = "LAM306"
    name = "synchronous-invoke"
    summary = (
        "A Lambda client's `invoke(...)` on the invocation path waits for the other function "
        "(no `InvocationType`, or `InvocationType=\"RequestResponse\"`)."
    )
    why = """
        `Invoke` with the default invocation type, `RequestResponse`, is synchronous: the
        calling function sits in its own invocation, billed for its memory and duration,
        until the called function has finished. Both functions are billed for the same
        wait, both count against the account's concurrency, and the caller's timeout has
        to cover the callee's whole run. Failures compound: boto3 retries a throttled or
        timed-out call, the callee may already have done its work, and an event source
        then retries the caller, which calls the callee again.

        When the caller does not need the result, invoke asynchronously with
        `InvocationType="Event"`: Lambda queues the event, retries failures and can send
        them to a destination or dead-letter queue. When it does need the result, let an
        orchestrator wait instead of a function (AWS Step Functions, or a queue between the
        two), or at least give the client a read timeout below the caller's own.

        Calls at import time are not flagged, nor `InvocationType="Event"` or `"DryRun"`,
        nor an `InvocationType` that the code computes.
    """
    references = [
        (
            "Invoke (Lambda API reference): InvocationType",
            "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html",
        ),
        (
            "Invoking a Lambda function asynchronously",
            "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html",
        ),
        (
            "Anti-patterns in Lambda-based applications: Lambda functions calling Lambda functions",
            "https://docs.aws.amazon.com/lambda/latest/operatorguide/functions-calling-functions.html",
        ),
    ]
    valid = [
        Valid(
            """
            import json
            import os

            import boto3

            lambda_client = boto3.client("lambda")


            def handler(event, context):
                lambda_client.invoke(
                    FunctionName=os.environ["WORKER"],
                    InvocationType="Event",
                    Payload=json.dumps(event),
                )
                return {"statusCode": 202}
            """
        ),
        Valid(
            """
            import boto3

            lambda_client = boto3.client("lambda")
            # a warm-up call at import time runs once per environment
            lambda_client.invoke(FunctionName="warmer")


            def handler(event, context):
                return {"ok": True}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import json
            import os

            import boto3

            lambda_client = boto3.client("lambda")


            def handler(event, context):
                response = lambda_client.invoke(
                    FunctionName=os.environ["PRICING_FUNCTION"],
                    Payload=json.dumps({"sku": event["sku"]}),
                )
                return json.load(response["Payload"])
            """,
            lines=(10,),
        ),
        Invalid(
            """
            import boto3


            class Dispatcher:
                def __init__(self):
                    self.client = boto3.session.Session().client("lambda", region_name="eu-west-1")

                def send(self, name, payload):
                    return self.client.invoke(FunctionName=name, InvocationType="RequestResponse",
                                              Payload=payload)


            dispatcher = Dispatcher()


            def lambda_handler(event, context):
                return dispatcher.send("resize", event["body"])
            """,
            lines=(9,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                func = site.node.func
                if not isinstance(func, cst.Attribute) or func.attr.value not in LAMBDA_SYNC_INVOKE_METHODS:
                    continue
                kind = self._invocation_type(site.node, fn)
                if kind is None:
                    continue
                if _hygiene.client_service(analysis, func.value, fn) != LAMBDA_SERVICE:
                    continue
                yield self._finding(site, fn, kind)

    def _invocation_type(self, call: cst.Call, fn: Function) -> Optional[str]:
        """ "default" or the synchronous type given; None when the call is asynchronous or
        its type is not known."""
        arg = _hygiene.keyword(call, "InvocationType")
        if arg is None:
            return None if _hygiene.has_unpacked_keywords(call) else "default"
        value = _hygiene.constant_string(self.analysis, arg.value, fn)
        if value is None and isinstance(arg.value, cst.Name) and arg.value.value in fn.params:
            value = self._passed_type(fn, arg.value.value)
        return value if value in SYNC_INVOCATION_TYPES else None

    def _passed_type(self, fn: Function, param: str) -> Optional[str]:
        """A helper's `invocation_type` parameter: the synchronous type that a call on the
        invocation path passes (or leaves to the parameter's default), if any."""
        analysis = self.analysis
        index = fn.positional_params().index(param) if param in fn.positional_params() else -1
        for caller, call in analysis.call_sites(fn):
            if call is None:
                continue
            value = _argument(call, index, param)
            if value is None:
                if _hygiene.has_unpacked_keywords(call):
                    continue
                value, scope = param_default(fn.node, param), None
            else:
                scope = caller
            text = _hygiene.constant_string(analysis, value, scope)
            if text in SYNC_INVOCATION_TYPES:
                return text
        return None

    def _finding(self, site: Site, fn: Function, kind: str) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, site.node, 60)
        how = (
            "without `InvocationType` (the default is `RequestResponse`)"
            if kind == "default"
            else f"with `InvocationType=\"{kind}\"`"
        )
        message = (
            f"`{snippet}` calls another Lambda function synchronously {how}: this function "
            "waits, billed, for the other's whole run, and their timeouts and retries compound"
        )
        settings = self.analysis.settings_for(fn)
        budget = (
            f" below this function's {settings.timeout} s timeout"
            if settings.timeout is not None
            else " below this function's timeout"
        )
        suggestion = (
            f"If `{fn.qualname}` does not use the result, pass `InvocationType=\"Event\"` (Lambda "
            "queues the event and retries it; send failures to a destination or dead-letter "
            "queue). If it needs the result, let Step Functions or a queue connect the two "
            "functions; if the call stays, give the client a read timeout"
            f"{budget} (`botocore.config.Config(read_timeout=...)`)."
        )
        return self.report(site.node, message, suggestion, fn)


def _argument(call: cst.Call, index: int, name: str):
    """The value passed for a parameter (by keyword, or at its position)."""
    arg = _hygiene.keyword(call, name)
    if arg is not None:
        return arg.value
    args = _hygiene.positional(call)
    return args[index].value if 0 <= index < len(args) else None
