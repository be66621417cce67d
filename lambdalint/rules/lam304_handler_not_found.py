"""LAM304 handler-not-found: a named handler Lambda cannot load or call as f(event, context).

Two sides, both here: a wrong signature is found by the rule class at the `def`; a `Handler`
whose module or function does not exist is found by `handler_ref_findings` at the template
or configuration line, which has no module to analyse (the pipeline calls it).
"""

from __future__ import annotations

import ast
import os
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, powertools_calls_with_event_and_context
from lambdalint.model import FileError, Finding, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.templates.refs import HandlerRef

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

        Code that a build makes is not checked, since the source does not hold what Lambda
        loads: a prebuilt archive (`CodeUri: functioncode.zip`), a build directory that is
        not in the repository (`.build/`, `dist/`, `.aws-sam/`, `cdk.out/`, `package/`; when
        the module is beside such a directory, as after `pip install -t package`, that module
        is the entry point), a handler that a Serverless plugin writes when it packages the
        service (serverless-wsgi's `wsgi_handler.handler`); nor are Serverless services for
        another provider (Azure, OpenWhisk), nor a `Handler` that the Lambda Web Adapter starts
        as a script (`run.sh`, with the adapter's `AWS_LAMBDA_EXEC_WRAPPER` or layer).
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
            why = (
                f"named by {entry.detail or entry.source}"
                if entry.source in _NAMED
                else (f"wrapped by @{wrapped[0].rsplit('.', 1)[-1]}")
            )
            yield self.report(
                fn.node,
                f"handler `{fn.qualname}` ({why}) {problem}, but Lambda calls it as `{fn.name}(event, context)`",
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


# -- the template and configuration side ----------------------------------------------------


def module_names(path: str) -> Optional[Set[str]]:
    """Names bound at module level (defs, classes, assignments, imports); None if unknown."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError, RecursionError):
        return None
    names: Set[str] = set()
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return None  # anything could come in
                names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(node).__name__ == "TryStar":
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    todo.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    return names


def problem_of(ref: HandlerRef, cache: Dict[str, Optional[Set[str]]]) -> Optional[str]:
    """Why the handler a template names does not exist (arity is checked at the `def`)."""
    if ref.built or ref.web_adapter:
        return None
    if ref.problem is not None:
        return ref.problem if ref.runtime_known or ref.kind in ("config", "--handler") else None
    assert ref.module_path is not None
    if ref.module_path not in cache:
        cache[ref.module_path] = module_names(ref.module_path)
    names = cache[ref.module_path]
    if names is not None and ref.function not in names:
        return f"handler `{ref.handler}`: `{os.path.basename(ref.module_path)}` defines no function `{ref.function}`"
    return None


def handler_ref_findings(refs: Sequence[HandlerRef], display) -> Tuple[List[Finding], List[FileError]]:
    """Findings at the template / configuration line for every handler Lambda cannot load,
    and errors for `--handler` arguments that point nowhere (they have no line to report
    at).  `display` turns a path into the one reports show."""
    findings: List[Finding] = []
    errors: List[FileError] = []
    cache: Dict[str, Optional[Set[str]]] = {}
    for ref in refs:
        problem = problem_of(ref, cache)
        if problem is None:
            continue
        if not ref.origin:
            errors.append(FileError(ref.handler.rpartition(":")[0], f"--handler: {problem}"))
            continue
        line = max(ref.line, 1)
        where = f" ({ref.name})" if ref.name else ""
        findings.append(
            Finding(
                path=display(ref.origin),
                line=line,
                column=max(ref.column, 1),
                end_line=line,
                end_column=max(ref.column, 1) + len(ref.handler),
                code=HandlerNotFound.code,
                name=HandlerNotFound.name,
                message=f"{ref.kind}{where} names a handler Lambda cannot load: {problem}",
                suggestion=_suggestion(ref),
                handler=f"{display(ref.module_path)}:{ref.function}" if ref.module_path else None,
            )
        )
    return findings, errors


def _suggestion(ref: HandlerRef) -> str:
    if ref.module_path is not None:
        return (
            f"Define `def {ref.function}(event, context):` at module level in "
            f"`{os.path.basename(ref.module_path)}`, or change the handler to name an existing function."
        )
    if ref.kind in ("config", "--handler"):
        return "Fix the path in `handlers` (relative to the config file) or remove the entry."
    return (
        "Make the handler `<module path relative to the code directory>.<function>` "
        "point at an existing file, or fix the code directory (CodeUri / Code / entry)."
    )
