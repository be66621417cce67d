"""LAM106 shared-tmp-path: on Lambda Managed Instances, a fixed /tmp path written by
concurrent requests (separate processes that share /tmp)."""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Iterable, Iterator, List, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function
from lambdalint.catalog import ATOMIC_REPLACES, FILE_LOCKS
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _restore
from lambdalint.rules.lam105_tmp_file_leak import TmpFileLeak

MANAGED_INSTANCES_REFERENCES = [
    (
        "Python runtime for Lambda Managed Instances",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-python-runtime.html",
    ),
    (
        "Lambda Managed Instances runtimes (supported runtimes, shared /tmp)",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-runtimes.html",
    ),
    (
        "Capacity provider settings: AWS::Lambda::Function CapacityProviderConfig (CloudFormation)",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-capacityproviderconfig.html",
    ),
    (
        "Capacity provider settings: CapacityProviderConfig (SAM)",
        "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-capacityproviderconfig.html",
    ),
    (
        "Capacity provider settings: `capacityProvider` (Serverless Framework)",
        "https://www.serverless.com/framework/docs/providers/aws/guide/managed-instances",
    ),
    (
        "Capacity provider settings: `CapacityProvider.add_function` (AWS CDK)",
        "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda.CapacityProvider.html",
    ),
    ("tempfile: files with names no other process uses", "https://docs.python.org/3/library/tempfile.html"),
]


class SharedTmpPath(Rule):
    code = "LAM106"
    name = "shared-tmp-path"
    summary = (
        "On Lambda Managed Instances, a fixed `/tmp` path is written on the invocation path, or "
        "at Init without an atomic replace or a lock; concurrent requests overwrite each other's file."
    )
    why = """
        On Lambda Managed Instances one execution environment serves many requests at once.
        The Python runtime gives each concurrent request its own process, so module-level
        state stays private to a request, but the processes share one `/tmp`. Two requests
        that write the same fixed path (`/tmp/report.csv`, `/tmp/model.bin`) interleave their
        writes: one request reads the half-written file of another, uploads the other
        customer's data, or crashes on a truncated model. AWS's page on the Python runtime
        for Managed Instances warns about exactly this shared directory.

        Each process also runs Init on its own, so a fixed file written at module level is
        written by several processes at the same time too; at Init that is safe only when
        the file is published atomically (written under a unique name, then `os.replace`d
        into place) or written under a file lock (`fcntl.flock`, `filelock.FileLock`).

        Name per-request files after the request (`context.aws_request_id`) or let
        `tempfile` choose a unique name. The rule applies only to functions on Managed
        Instances; on the default compute type an environment serves one request at a time.
    """
    fix_safety = """
        The fix names the file after the request: a fixed path written in the handler
        itself, as a string literal in the call or in a local variable assigned once, becomes
        `f"/tmp/{context.aws_request_id}-<name>"`, and every use of that literal or variable
        in the handler follows. It is **unsafe**: the file is now one per request, so it is no
        longer a cache shared by later requests, and it has to be removed when done (LAM105
        says where), and code elsewhere that opens the old name no longer finds it. It is not
        offered when the path is a module-level constant, when the same literal appears
        outside the handler, or when the function has no `context` parameter.
    """
    options = """
        - The rule applies only to functions on Lambda Managed Instances: a
          `CapacityProviderConfig` in a SAM / CloudFormation template (SAM `Globals`
          included), `capacityProvider` in `serverless.yml`, `CapacityProvider.add_function`
          in a CDK app, or `managed-instances = true` (or a list of `path:function`) in
          `[tool.lambdalint]`. A capacity provider on a runtime that does not support it
          (before Python 3.13) or given through a condition (`!If`) leaves it off, with a note.
          The examples on this page run with `managed-instances = true`.
    """
    references = MANAGED_INSTANCES_REFERENCES
    example_config = {"managed_instances": True}
    valid = [
        Valid(
            """
            import csv
            import os

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                path = f"/tmp/{context.aws_request_id}.csv"
                with open(path, "w", newline="") as out:
                    csv.writer(out).writerows(event["rows"])
                try:
                    s3.upload_file(path, os.environ["BUCKET"], event["key"])
                finally:
                    os.remove(path)
            """
        ),
        Valid(
            """
            import os
            import tempfile

            import boto3

            s3 = boto3.client("s3")
            MODEL = "/tmp/model.bin"

            # Init: each process downloads under its own name, then publishes atomically
            if not os.path.exists(MODEL):
                fd, partial = tempfile.mkstemp(dir="/tmp")
                os.close(fd)
                s3.download_file(os.environ["BUCKET"], "model.bin", partial)
                os.replace(partial, MODEL)


            def handler(event, context):
                with open(MODEL, "rb") as model:
                    return {"size": len(model.read())}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import json

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                with open("/tmp/report.json", "w") as out:
                    json.dump(event["rows"], out)
                s3.upload_file("/tmp/report.json", "reports", event["key"])
            """,
            lines=(9,),
            fixed="""
            import json

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                with open(f"/tmp/{context.aws_request_id}-report.json", "w") as out:
                    json.dump(event["rows"], out)
                s3.upload_file(f"/tmp/{context.aws_request_id}-report.json", "reports", event["key"])
            """,
        ),
        Invalid(
            """
            import os
            from pathlib import Path

            import boto3

            s3 = boto3.client("s3")
            CACHE = Path("/tmp/config.json")
            CACHE.write_text("{}")


            def handler(event, context):
                if not os.path.exists("/tmp/model.bin"):
                    s3.download_file("models", "model.bin", "/tmp/model.bin")
                return CACHE.read_text()
            """,
            lines=(8, 13),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        if not any(entry.settings.managed_instances for entry in analysis.project.entry_points):
            return  # no function of the project runs on Managed Instances
        files = TmpFileLeak(analysis)
        for fn in analysis.path_functions:
            if not analysis.settings_for(fn).managed_instances:
                continue
            calls = [site.node for site in fn.iter(cst.Call)]
            for site in fn.iter(cst.Call):
                path = self._fixed_tmp_write(files, site, fn)
                if path is not None and not self._guarded(calls, site.node, path, fn):
                    yield self._finding(site.node, fn, path, at_init=False)
        if not _restore.init_settings(analysis).managed_instances:
            return
        init = _restore.init_calls(analysis)
        calls = [node for node, _ in init]
        for node, ancestors in init:
            if _restore.in_default(ancestors):
                continue
            init_site = SimpleNamespace(node=node, ancestors=ancestors)
            path = self._fixed_tmp_write(files, init_site, None)
            if (
                path is not None
                and not self._guarded(calls, node, path, None)
                and not _under_lock(analysis, ancestors, None)
            ):
                yield self._finding(node, None, path, at_init=True)

    def _fixed_tmp_write(self, files: TmpFileLeak, site, fn: Optional[Function]) -> Optional[cst.BaseExpression]:
        """The path, when the call writes a file at a fixed path under /tmp."""
        created = files._creates(site, fn)
        if created is None:
            return None
        what, path = created
        if what != "file" or path is None:
            return None  # directories, and temp files with random names
        if not files._under_tmp(path, fn, 0) or not self.analysis.is_invariant(path, fn):
            return None
        return path

    def _guarded(self, calls: Iterable[cst.Call], write: cst.Call, path, fn: Optional[Function]) -> bool:
        """Written under a file lock, or published with an atomic replace from that path."""
        analysis = self.analysis
        code = analysis.module.code_for_node(path)
        for call in calls:
            qn = analysis.qualified_name(call.func, fn)
            if qn in FILE_LOCKS:
                return True
            if qn in ATOMIC_REPLACES or (
                isinstance(call.func, cst.Attribute)
                and call.func.attr.value in ("replace", "rename")
                and analysis.module.code_for_node(call.func.value) == code
            ):
                if call.args and analysis.module.code_for_node(call.args[0].value) == code:
                    return True
        return False

    def _finding(self, node: cst.Call, fn: Optional[Function], path, at_init: bool) -> RawFinding:
        module = self.analysis.module
        snippet = _common.snippet(module, node)
        shown = _common.snippet(module, path)
        if at_init:
            message = (
                f"`{snippet}` writes the fixed path `{shown}` at Init; on Lambda Managed Instances "
                "every request process runs Init and they share /tmp, so they write this file at "
                "the same time"
            )
            suggestion = (
                "Write it under a unique name (`tempfile.mkstemp(dir=\"/tmp\")`) and publish it "
                f"with `os.replace(tmp_path, {shown})`, or hold a file lock "
                "(`fcntl.flock`, `filelock.FileLock`) while writing."
            )
            return self.report(node, message, suggestion)
        where = f"`{fn.qualname}`"
        message = (
            f"`{snippet}` writes the fixed path `{shown}` in {where}; on Lambda Managed Instances "
            "concurrent requests run in processes that share /tmp and overwrite each other's file"
        )
        suggestion = (
            "Give each request its own file: include `context.aws_request_id` in the name, or "
            "use `tempfile.NamedTemporaryFile(dir=\"/tmp\")` / `tempfile.TemporaryDirectory()`; "
            "for a cache shared by requests, write it under a unique name and `os.replace` it "
            "into place."
        )
        return self.report(node, message, suggestion, fn, self._fix(fn, path))

    # -- the fix: a per-request name --------------------------------------------------------------
    def _fix(self, fn: Function, path) -> Optional[Fix]:
        analysis = self.analysis
        context = self._context_name(fn)
        if context is None:
            return None
        literals: List[cst.SimpleString] = []
        if isinstance(path, cst.SimpleString):
            literals = [
                n
                for n in _common.walk_nodes(fn.node.body)
                if isinstance(n, cst.SimpleString) and n.evaluated_value == path.evaluated_value
            ]
            everywhere = [
                n
                for n in _common.walk_nodes(analysis.module)
                if isinstance(n, cst.SimpleString) and n.evaluated_value == path.evaluated_value
            ]
            if len(everywhere) != len(literals):
                return None  # read or written elsewhere under the old name
        elif isinstance(path, cst.Name) and fn.is_local(path.value) and path.value not in fn.params:
            values = fn.assigned.get(path.value, [])
            if len(values) != 1 or not isinstance(values[0], cst.SimpleString):
                return None
            literals = [values[0]]
        if not literals:
            return None
        replacement = _per_request(literals[0], context)
        if replacement is None:
            return None
        return Fix(
            applicability=UNSAFE,
            description=(
                f"name the file after the request: `{replacement}` (one file per request; remove it when done)"
            ),
            edits={literal: cst.parse_expression(replacement) for literal in literals},
        )

    def _context_name(self, fn: Function) -> Optional[str]:
        """The handler's context parameter, when `fn` is an entry point that receives it."""
        if not any(e.function is fn for e in self.analysis.entry_points):
            return None
        params = fn.positional_params()
        if len(params) < 2 or params[1] not in self.analysis.entry_params(fn):
            return None
        return params[1]


def _per_request(literal: cst.SimpleString, context: str) -> Optional[str]:
    """`f"/tmp/{context.aws_request_id}-report.json"` for `"/tmp/report.json"`."""
    value = literal.evaluated_value
    if not isinstance(value, str) or literal.prefix.lower() not in ("",) or not value.startswith("/tmp/"):
        return None
    directory, name = os.path.split(value)
    if not name or any(c in value for c in '"\\\n\r{}'):
        return None
    return f'f"{directory}/{{{context}.aws_request_id}}-{name}"'


def _under_lock(analysis, ancestors, fn) -> bool:
    """Inside `with FileLock(...):` (or another lock in the catalog)."""
    for anc in ancestors:
        if isinstance(anc, cst.With):
            for item in anc.items:
                if isinstance(item.item, cst.Call) and analysis.qualified_name(item.item.func, fn) in FILE_LOCKS:
                    return True
    return False
