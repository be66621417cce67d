"""LAM107 reserved-env-var-write: code that sets or deletes a variable the Lambda runtime owns."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, string_value
from lambdalint.analysis.nodes import called_name
from lambdalint.catalog import (
    CREDENTIAL_ENV_VARS,
    ENV_FUNCTIONS,
    ENVIRON,
    ENVIRON_WRITERS,
    REGION_ENV_VARS,
    RESERVED_ENV_PREFIX,
    RESERVED_ENV_VARS,
    SETTABLE_AWS_LAMBDA_VARS,
)
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _hygiene

ENVVARS_URL = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime"

_ENV_FUNCTION_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in ENV_FUNCTIONS)

# (node reported, variables, "sets" | "deletes" | "clears", or "... natively" for os.putenv / os.unsetenv)
_Write = Tuple[object, List[str], str]  # (node, variables, what it does)


def is_reserved(name: str) -> bool:
    return name in RESERVED_ENV_VARS or (name.startswith(RESERVED_ENV_PREFIX) and name not in SETTABLE_AWS_LAMBDA_VARS)


class ReservedEnvVarWrite(Rule):
    code = "LAM107"
    name = "reserved-env-var-write"
    summary = (
        "Code sets or deletes an environment variable that the Lambda runtime defines "
        "(`AWS_REGION`, the credential variables, `AWS_LAMBDA_*`, `_HANDLER`, ...)."
    )
    why = """
        The Lambda runtime sets a list of reserved environment variables before it imports
        your module: the Region (`AWS_REGION`, `AWS_DEFAULT_REGION`), the execution role's
        credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`),
        the function's name, version, memory size and log group (`AWS_LAMBDA_*`), the
        handler (`_HANDLER`), the code and runtime paths (`LAMBDA_TASK_ROOT`,
        `LAMBDA_RUNTIME_DIR`), the runtime identifier (`AWS_EXECUTION_ENV`) and the X-Ray
        trace header (`_X_AMZN_TRACE_ID`). They cannot be set in the function's
        configuration because the SDKs, Powertools, the X-Ray SDK and extensions rely on
        them.

        `os.environ` belongs to the process, and the process lives on between invocations.
        A write made during one request (or at import) is still there for every later
        request the execution environment serves (only `_X_AMZN_TRACE_ID` is set again by
        the runtime for each invocation): SDK clients created afterwards talk to
        another Region or sign with other credentials than the execution role's, tracing
        attaches segments to the wrong trace, and a deleted variable makes later clients
        fail (`NoRegionError`, `NoCredentialsError`) or fall back to something else. The
        bug depends on which request ran first in the environment, so it rarely shows in
        tests.

        Pass the value where it is used instead: `region_name=` on the client or a
        `boto3.Session(...)`, a session built from `sts.assume_role` credentials, or a
        variable name of your own.

        Flagged anywhere in a handler module (import-time code too), except under
        `if __name__ == "__main__":` and in functions only that block calls: that code never
        runs in Lambda. `os.environ.setdefault(...)` is not flagged: Lambda has already set
        every reserved variable, so it keeps Lambda's value.
    """
    references = [
        ("Defined runtime environment variables (Lambda developer guide)", ENVVARS_URL),
        (
            "Boto3 credentials: passing credentials as parameters",
            "https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html"
            "#passing-credentials-as-parameters",
        ),
        (
            "Amazon Q detector: override of reserved variable names in a Lambda function",
            "https://docs.aws.amazon.com/amazonq/detector-library/python/lambda-override-reserved/",
        ),
    ]
    valid = [
        Valid(
            """
            import os

            import boto3


            def lambda_handler(event, context):
                s3 = boto3.client("s3", region_name=event["region"])
                return s3.list_objects_v2(Bucket=os.environ["BUCKET"])
            """
        ),
        Valid(
            """
            import os

            import boto3

            os.environ.setdefault("AWS_REGION", "eu-west-1")  # Lambda has set it: no change
            os.environ["APP_STAGE"] = "prod"  # a variable of the application's own


            def handler(event, context):
                return boto3.client("sts").get_caller_identity()


            if __name__ == "__main__":
                os.environ["AWS_REGION"] = "eu-west-1"  # local runs only
                handler({}, None)
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import os

            import boto3


            def lambda_handler(event, context):
                os.environ["AWS_REGION"] = event["region"]
                s3 = boto3.client("s3")
                return s3.list_objects_v2(Bucket=event["bucket"])
            """,
            lines=(7,),
        ),
        Invalid(
            """
            import os

            import boto3

            sts = boto3.client("sts")


            def handler(event, context):
                creds = sts.assume_role(RoleArn=event["role"], RoleSessionName="job")["Credentials"]
                os.environ.update({
                    "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                    "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                    "AWS_SESSION_TOKEN": creds["SessionToken"],
                })
                return boto3.client("s3").list_buckets()
            """,
            lines=(10,),
        ),
        Invalid(
            """
            from os import environ

            del environ["AWS_DEFAULT_REGION"]


            def handler(event, context):
                return {"ok": True}
            """,
            lines=(3,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        main_blocks, main_only = self._main_only()
        kinds = (cst.Call, cst.Assign, cst.AugAssign, cst.Del)  # what can write (see _writes)
        for node, ancestors in _hygiene.module_level_nodes(analysis):
            if type(node) not in kinds or node in main_blocks or any(a in main_blocks for a in ancestors):
                continue
            for write in self._writes(node, None):
                yield self._finding(write, None)
        for fn in analysis.functions.values():
            if fn in main_only:
                continue
            for site in fn.iter(*kinds):
                for write in self._writes(site.node, fn):
                    yield self._finding(write, fn)

    # -- what the code writes ------------------------------------------------------------------
    def _writes(self, node: cst.CSTNode, fn: Optional[Function]) -> Iterator[_Write]:
        kind = type(node)
        if kind is cst.Call:
            yield from self._call_writes(node, fn)
        elif kind is cst.Assign or kind is cst.AugAssign:
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            names = [n for t in targets for n in self._subscript_keys(t, fn)]
            if kind is cst.AugAssign and type(node.operator) is cst.BitOrAssign and self._is_environ(node.target, fn):
                names += self._mapping_keys(node.value, fn)  # os.environ |= {...}
            if names:
                yield node, names, "sets"
        elif kind is cst.Del:
            target = node.target
            targets = [e.value for e in target.elements] if isinstance(target, (cst.Tuple, cst.List)) else [target]
            names = [n for t in targets for n in self._subscript_keys(t, fn)]
            if names:
                yield node, names, "deletes"

    def _call_writes(self, call: cst.Call, fn: Optional[Function]) -> Iterator[_Write]:
        func = call.func
        last = called_name(func)
        if last not in ENVIRON_WRITERS and last not in _ENV_FUNCTION_NAMES:
            return  # decided on the name alone: most calls are not about the environment
        qn = self.analysis.qualified_name(func, fn)
        args = _hygiene.positional(call)
        if qn in ENV_FUNCTIONS and args:
            name = self._reserved_key(args[0].value, fn)
            if name:  # the C environment only: what child processes and native code see
                yield call, [name], "sets natively" if qn.endswith("putenv") else "deletes natively"
            return
        if (
            not isinstance(func, cst.Attribute)
            or func.attr.value not in ENVIRON_WRITERS
            or not self._is_environ(func.value, fn)
        ):
            return
        method = func.attr.value
        if method == "clear":
            yield call, [], "clears"
        elif method == "update":
            names = [n for a in args for n in self._mapping_keys(a.value, fn)]
            names += [a.keyword.value for a in call.args if a.keyword is not None and is_reserved(a.keyword.value)]
            if names:
                yield call, names, "sets"
        elif method in ("pop", "__delitem__", "__setitem__") and args:
            name = self._reserved_key(args[0].value, fn)
            if name:
                yield call, [name], "sets" if method == "__setitem__" else "deletes"

    def _is_environ(self, expr, fn: Optional[Function]) -> bool:
        return self.analysis.qualified_name(expr, fn) == ENVIRON

    def _subscript_keys(self, target, fn: Optional[Function]) -> List[str]:
        if not isinstance(target, cst.Subscript) or not self._is_environ(target.value, fn):
            return []
        if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
            return []
        name = self._reserved_key(target.slice[0].slice.value, fn)
        return [name] if name else []

    def _mapping_keys(self, expr, fn: Optional[Function]) -> List[str]:
        """Reserved keys of a dict display (`{"AWS_REGION": ...}`) or `dict(AWS_REGION=...)`."""
        out: List[str] = []
        if isinstance(expr, cst.Dict):
            for element in expr.elements:
                if isinstance(element, cst.DictElement):
                    name = self._reserved_key(element.key, fn)
                    if name:
                        out.append(name)
        elif isinstance(expr, cst.Call) and self.analysis.qualified_name(expr.func, fn) == "dict":
            out += [a.keyword.value for a in expr.args if a.keyword is not None and is_reserved(a.keyword.value)]
        return out

    def _reserved_key(self, expr, fn: Optional[Function]) -> Optional[str]:
        name = _hygiene.constant_string(self.analysis, expr, fn)
        return name if name is not None and is_reserved(name) else None

    # -- code that never runs in Lambda ----------------------------------------------------------
    def _main_only(self) -> Tuple[Set[cst.CSTNode], Set[Function]]:
        """`if __name__ == "__main__":` blocks, and the functions only they call."""
        analysis = self.analysis
        blocks: Set[cst.CSTNode] = set()
        for stmt in analysis.module.body:
            if isinstance(stmt, cst.If) and _is_main_test(stmt.test):
                blocks.add(stmt)
        if not blocks:
            return blocks, set()
        called_from_main: Set[str] = set()
        referenced_elsewhere: Set[str] = set()
        for node, ancestors in _hygiene.module_level_nodes(analysis):
            if isinstance(node, cst.Name):
                inside = node in blocks or any(a in blocks for a in ancestors)
                (called_from_main if inside else referenced_elsewhere).add(node.value)
        main_only: Set[Function] = set()
        for fn in analysis.module_functions.values():
            if (
                fn.name in called_from_main
                and fn.name not in referenced_elsewhere
                and fn not in analysis.path_functions
                and not any(fn.name in other.referenced for other in analysis.functions.values() if other is not fn)
            ):
                main_only |= {f for f in analysis.reachable_from(fn) if f not in analysis.path_functions}
        return blocks, main_only

    # -- the finding ---------------------------------------------------------------------------------
    def _finding(self, write: _Write, fn: Optional[Function]) -> RawFinding:
        node, names, verb = write
        snippet = _common.snippet(self.analysis.module, node, 70)
        if verb == "clears":
            message = (
                f"`{snippet}` deletes every environment variable, also those the Lambda "
                "runtime defines (Region, credentials, `AWS_LAMBDA_*`); every later request in "
                "this execution environment runs without them"
            )
            suggestion = (
                "Remove only the application's own variables (`os.environ.pop(\"MY_VAR\", None)`), "
                "never the whole environment."
            )
            return self.report(node, message, suggestion, fn)
        unique = list(dict.fromkeys(names))
        shown = ", ".join(f"`{n}`" for n in unique[:3]) + (f" and {len(unique) - 3} more" if len(unique) > 3 else "")
        plural = len(unique) > 1
        what = "" if plural else f" ({RESERVED_ENV_VARS.get(unique[0], 'a variable of the runtime')})"
        effect = _effect(unique, verb)
        message = (
            f"`{snippet}` {'overwrites' if verb.startswith('sets') else 'deletes'} {shown}{what}, "
            f"which the Lambda runtime defines: {effect}"
        )
        return self.report(node, message, _suggestion(unique), fn)


def _is_main_test(test) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    if not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    sides = [test.left, test.comparisons[0].comparator]
    return any(isinstance(s, cst.Name) and s.value == "__name__" for s in sides) and any(
        string_value(s) == "__main__" for s in sides
    )


def _effect(names: List[str], verb: str) -> str:
    if names == ["_X_AMZN_TRACE_ID"]:
        return "X-Ray segments of this invocation go to the wrong trace (the runtime sets it again for the next one)"
    return _lasting_effect(names, verb) + " for every later request in this execution environment"


def _lasting_effect(names: List[str], verb: str) -> str:
    if verb.endswith("natively"):
        return "child processes and native libraries see the changed environment"
    if all(n in REGION_ENV_VARS for n in names):
        return (
            "SDK clients created afterwards use another Region"
            if verb == "sets"
            else "SDK clients created afterwards have no default Region"
        )
    if all(n in CREDENTIAL_ENV_VARS for n in names):
        return (
            "SDK clients created afterwards sign with these credentials instead of the execution role's"
            if verb == "sets"
            else "SDK clients created afterwards lose the execution role's credentials"
        )
    if verb == "deletes":
        return "the runtime, the SDKs and Powertools find it missing"
    return "the runtime, the SDKs and Powertools read the changed value"


def _suggestion(names: List[str]) -> str:
    if all(n in REGION_ENV_VARS for n in names):
        return (
            "Pass the Region where it is needed instead of changing the environment: "
            "`boto3.client(\"s3\", region_name=...)` or `boto3.Session(region_name=...)`."
        )
    if any(n in CREDENTIAL_ENV_VARS for n in names):
        return (
            "Create a `boto3.Session(aws_access_key_id=..., aws_secret_access_key=..., "
            "aws_session_token=...)` from the credentials (e.g. those of `sts.assume_role`) "
            "and build the clients from it, instead of changing the process environment."
        )
    return (
        "Leave the variable to the runtime; keep the value in a variable name or module "
        "constant of the application's own."
    )
