"""Helpers the replay rules (LAM501-LAM505) share: references and the step-wrapping fixes."""

from __future__ import annotations

import re
from typing import Optional, Set

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, dotted_name, free_names, nodes
from lambdalint.durable import DurableModel
from lambdalint.model import UNSAFE, Fix

DETERMINISM_GUIDE = (
    "Determinism during replay (AWS Durable Execution SDK guide)",
    "https://docs.aws.amazon.com/durable-execution/patterns/best-practices/determinism/",
)
DURABLE_BEST_PRACTICES = (
    "Best practices for Lambda durable functions",
    "https://docs.aws.amazon.com/lambda/latest/dg/durable-best-practices.html",
)
STEP_REFERENCE = (
    "Steps (Durable Execution SDK reference: `context.step`, `@durable_step`)",
    "https://docs.aws.amazon.com/durable-execution/sdk-reference/operations/step/",
)
CHILD_CONTEXT_REFERENCE = (
    "Child contexts (Durable Execution SDK reference: `run_in_child_context`)",
    "https://aws.github.io/aws-durable-execution-docs/sdk-reference/operations/child-context",
)
LOGGING_REFERENCE = (
    "Logging (Durable Execution SDK reference: the replay-aware `context.logger`)",
    "https://aws.github.io/aws-durable-execution-docs/sdk-reference/observability/logging/",
)
SDK_PACKAGE = (
    "aws-durable-execution-sdk-python (the SDK's README: `DurableContext` operations)",
    "https://pypi.org/project/aws-durable-execution-sdk-python/",
)

# What lambdalint does not see, for the rule pages.
LIMITS = """
        Durable code is followed into the other modules of the project that are analysed
        with the handler's module: a helper there is reported at its call, a helper handed
        the context and a step function are checked where they are. What lambdalint cannot
        see: code in installed packages (a step function or helper from a library is not
        checked, and a call of it outside a step is not followed), a DurableContext stored in
        an attribute or a container and used from there, SDK clients and connections that
        arrive as parameters or attributes (`self.table`), and the SDK imported through a
        module of your own that re-exports it. The SDK imported under another name
        (`import aws_durable_execution_sdk_python as sdk`,
        `from aws_durable_execution_sdk_python import durable_execution as de`) and a
        DurableContext handed to helpers (`def save(ctx: DurableContext)`, a call with the
        context, a nested function that uses it) are understood.
"""


def step_name(text: str) -> str:
    """A readable step name from the wrapped code (`time.time`, `s3.put_object`)."""
    name = re.sub(r"[^\w.\-]+", "-", text).strip("-.")
    return name[:60] or "step"


def self_contained(node: cst.CSTNode, model: DurableModel, site: Site) -> bool:
    """The expression can run inside a step function: not under a `try` (the step's errors
    arrive as `StepError` after its retries), no `await`/`yield`, no assignment expression
    (it would bind inside the step), and no use of a DurableContext (that would start an
    operation inside the step)."""
    if any(isinstance(a, (cst.Try, cst.TryStar)) for a in site.ancestors):
        return False  # a step raises StepError after its retries: an `except` would miss it
    contexts = set(model.contexts_at(site))
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.Await, cst.Yield, cst.NamedExpr)):
            return False
        if isinstance(current, cst.Name) and current.value in contexts:
            return False
        stack.extend(nodes.children(current))
    return True


def context_for_fix(model: DurableModel, site: Site) -> Optional[str]:
    contexts = model.contexts_at(site)
    return contexts[0] if contexts else None


def wrap_expression_fix(model: DurableModel, site: Site, description: str) -> Optional[Fix]:
    """`context.step(lambda _: <expr>, name="<expr>")` in place of the expression."""
    node = site.node
    context = context_for_fix(model, site)
    if context is None or not self_contained(node, model, site):
        return None
    module = model.owner(site.function).module
    code = module.code_for_node(node).strip()
    func = node.func if isinstance(node, cst.Call) else node.value if isinstance(node, cst.Subscript) else node
    name = step_name(dotted_name(func) or _callee_word(func))
    param = "_" if "_" not in set(free_names(node)) else "_step"
    quote = _free_quote(site)
    if quote is None:
        return None
    try:
        replacement = cst.parse_expression(f'{context}.step(lambda {param}: {code}, name={quote}{name}{quote})')
    except Exception:  # an expression that does not survive the move: no fix
        return None
    return Fix(applicability=UNSAFE, description=description, edits={node: replacement})


def _free_quote(site: Site) -> Optional[str]:
    """A quote character the new `name=` string can use: inside an f-string, not the one
    that delimits it (before Python 3.12 that ends the f-string)."""
    used: Set[str] = set()
    for anc in site.ancestors:
        if isinstance(anc, cst.FormattedString):
            used.update(ch for ch in anc.start if ch in "'\"")
    for quote in ('"', "'"):
        if quote not in used:
            return quote
    return None


def call_statement(site: Site) -> Optional[cst.SimpleStatementLine]:
    """The statement line when the call is a whole statement of its own in a block."""
    parent = site.parent
    if not isinstance(parent, cst.Expr) or parent.value is not site.node:
        return None
    if len(site.ancestors) < 3:
        return None
    line, block = site.ancestors[-2], site.ancestors[-3]
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or not isinstance(block, cst.IndentedBlock):
        return None
    return line


def wrap_statement_fix(model: DurableModel, site: Site, description: str) -> Optional[Fix]:
    """Move a call statement into a step function defined right before the step:

        def _put_object_step(_):
            s3.put_object(...)
        context.step(_put_object_step, name="s3.put_object")

    The step returns None, which the SDK can always checkpoint; the call's own result is
    not used by the statement."""
    node = site.node
    statement = call_statement(site)
    context = context_for_fix(model, site)
    if statement is None or context is None or not self_contained(node, model, site):
        return None
    base = _callee_word(node.func)
    ordinal = _earlier_statements_calling(site, base)
    wanted = f"_{base}_step" if ordinal == 0 else f"_{base}_step{ordinal + 1}"
    def_name = _free_name(site.function, wanted)
    name = step_name(dotted_name(node.func) or base)
    try:
        call_line = cst.parse_statement(f'{context}.step({def_name}, name="{name}")')
    except Exception:
        return None
    inner = cst.SimpleStatementLine(body=[cst.Expr(value=node)], trailing_whitespace=statement.trailing_whitespace)
    step_def = cst.FunctionDef(
        name=cst.Name(def_name),
        params=cst.Parameters(params=[cst.Param(cst.Name("_"))]),
        body=cst.IndentedBlock(body=[inner]),
        leading_lines=statement.leading_lines,
    )
    return Fix(
        applicability=UNSAFE, description=description, edits={statement: cst.FlattenSentinel([step_def, call_line])}
    )


def _callee_word(func: cst.BaseExpression) -> str:
    """`put_object` for `s3.put_object`, `notify` for `notify`: names the generated step."""
    if isinstance(func, cst.Attribute):
        return func.attr.value.strip("_") or "call"
    if isinstance(func, cst.Name):
        return func.value.strip("_") or "call"
    return "call"


def _earlier_statements_calling(site: Site, word: str) -> int:
    """How many call statements before this one in the same function call a function of the
    same name: fixes applied together then give their step functions distinct names."""
    count = 0
    for other in site.function.iter(cst.Call):
        if other.node is site.node:
            break
        if call_statement(other) is not None and _callee_word(other.node.func) == word:
            count += 1
    return count


def _free_name(fn: Function, wanted: str) -> str:
    used: Set[str] = set(fn.referenced) | set(fn.assigned) | set(fn.params) | set(fn.extra_params)
    current = fn.parent
    while current is not None:
        used |= set(current.assigned) | set(current.params)
        current = current.parent
    name, index = wanted, 2
    while name in used:
        name, index = f"{wanted}{index}", index + 1
    return name
