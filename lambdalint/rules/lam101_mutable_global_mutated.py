"""LAM101 mutable-global-mutated: a module-level container that grows across invocations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function, nodes
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _state


class MutableGlobalMutated(Rule):
    code = "LAM101"
    name = "mutable-global-mutated"
    summary = (
        "A module-level list, dict, set or other mutable container is mutated on the "
        "invocation path and not reset at the start of the handler."
    )
    why = """
        Lambda keeps the execution environment, and with it every module-level object, alive
        between invocations: Init runs the module once, then the handler is called again and
        again in the same process. A module-level `results = []` appended to inside the
        handler is not a fresh list per request: the second invocation starts with the first
        one's items, the third with both, and so on until the environment is recycled.
        Handlers that return or upload "everything collected" then send earlier requests'
        data to the wrong caller, counts drift, and memory grows until the function runs
        out of it. The bug hides in tests, which usually run one invocation per process.

        The same holds for containers created in `__init__` of a class whose one instance is
        made at module level (`handler = Handler()`): `self.items` lives as long as the
        environment.

        Make the container local to the invocation (create it inside the handler), or reset
        it at the top of the handler (`x.clear()`). Containers that are only filled at
        module level and read in the handler, containers cleared at the start of the
        handler, and caches (see LAM103) are not reported.
    """
    fix_safety = """
        The fix is **unsafe**: it changes when the container is emptied. When the global is
        used by a single handler function, its initialisation moves into that function;
        otherwise a reset (`x.clear()`, or `global x` and `x = <initial value>` when the
        initial value is not empty) is inserted at the top of every handler that reaches the
        mutation. Code that relies on the data surviving between invocations (deliberate
        batching) changes behaviour, which is exactly what the rule warns about. Containers
        held by a module-level handler object (`self.items = []` in `__init__`) are reported
        without a fix.
    """
    valid = [
        Valid(
            """
            def lambda_handler(event, context):
                results = []
                for record in event["Records"]:
                    results.append(record["body"])
                return results
            """
        ),
        Valid(
            """
            ALLOWED = {"create", "delete"}
            ALLOWED.add("update")  # filled at module level (Init)


            def handler(event, context):
                return event["action"] in ALLOWED
            """
        ),
        Valid(
            """
            seen = []


            def handler(event, context):
                seen.clear()  # reset at the start of every invocation
                for record in event["Records"]:
                    seen.append(record["messageId"])
                return len(seen)
            """
        ),
        Valid(
            """
            DEFAULTS = ["a", "b"]


            def handler(event, context):
                names = list(DEFAULTS)  # a copy per invocation
                names.append(event["name"])
                return names
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            results = []


            def lambda_handler(event, context):
                for record in event["Records"]:
                    results.append(record["body"])
                return results
            """,
            lines=(6,),
            fixed="""
            def lambda_handler(event, context):
                results = []
                for record in event["Records"]:
                    results.append(record["body"])
                return results
            """,
        ),
        Invalid(
            """
            from collections import defaultdict

            totals = defaultdict(int)


            def add(record):
                totals[record["sku"]] += record["qty"]


            def handler(event, context):
                for record in event["Records"]:
                    add(record)
                return dict(totals)
            """,
            lines=(7,),
            fixed="""
            from collections import defaultdict

            totals = defaultdict(int)


            def add(record):
                totals[record["sku"]] += record["qty"]


            def handler(event, context):
                totals.clear()
                for record in event["Records"]:
                    add(record)
                return dict(totals)
            """,
        ),
        Invalid(
            """
            errors = ["header"]


            def handler(event, context):
                global errors
                errors += event.get("errors", [])
                report(errors)


            def report(lines):
                return "\\n".join(lines)
            """,
            lines=(6,),
            fixed="""
            errors = ["header"]


            def handler(event, context):
                global errors
                errors = ["header"]
                errors += event.get("errors", [])
                report(errors)


            def report(lines):
                return "\\n".join(lines)
            """,
        ),
        Invalid(
            """
            class Handler:
                def __init__(self):
                    self.processed = []

                def __call__(self, event, context):
                    for record in event["Records"]:
                        self.processed.append(record["messageId"])
                    return {"processed": len(self.processed)}


            handler = Handler()
            """,
            lines=(7,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        tracked = _state.mutable_globals(analysis)
        found = []
        for name, use in _state.usage(analysis).items():
            if _state.is_cache(use):
                continue  # a cache: LAM103 decides
            reported = set()
            for mutation in use.mutations:
                fn = mutation.site.function
                if id(fn) in reported or _state.handled_per_invocation(analysis, mutation):
                    continue
                reported.add(id(fn))
                found.append((mutation, tracked[name]))
        plans = [self._plan(m, g) for m, g in found]
        fixes = _merged_fixes(analysis.module, plans)
        for (mutation, glob), plan, fix in zip(found, plans, fixes):
            yield self._finding(mutation, glob, plan, fix)

    def _plan(self, mutation: _state.Mutation, glob: _state.MutableGlobal) -> Optional["_Plan"]:
        fn = mutation.site.function
        if glob.cls is not None:
            return None  # instance state: where to reset depends on how the class is used
        entries = [e.function for e in self.analysis.entries_reaching(fn)]
        return self._move_plan(glob, fn, entries) or self._reset_plan(glob, entries)

    def _finding(
        self, mutation: _state.Mutation, glob: _state.MutableGlobal, plan: Optional["_Plan"], fix: Optional[Fix]
    ) -> RawFinding:
        analysis = self.analysis
        fn = mutation.site.function
        entries = [e.function for e in analysis.entries_reaching(fn)]
        snippet = _common.snippet(analysis.module, mutation.site.node)
        message = (
            f"{glob.describe()} is mutated by `{snippet}` on every "
            "invocation and keeps its contents across warm invocations"
        )
        handlers = ", ".join(_where(e, analysis) for e in entries) or f"`{fn.qualname}`"
        if plan is not None and plan.removals:
            suggestion = (
                f"Create `{glob.name}` inside `{fn.qualname}` (move "
                f"`{glob.name} = {_common.snippet(analysis.module, glob.value)}` from module level "
                "to the top of the function) so each invocation starts empty."
            )
        elif glob.cls is not None:
            suggestion = (
                f"Create the {glob.kind} per invocation in `{glob.cls}` (a local in the method "
                f"that fills it, passed along) instead of `{glob.display}` from `__init__`, or "
                f"reset it with `{glob.display}.clear()` at the top of {handlers}."
            )
        else:
            suggestion = (
                f"Reset it at the top of {handlers} with `{_reset_statement_code(analysis, glob)}`, "
                "or create it inside the handler and pass it to the functions that fill it."
            )
        return self.report(mutation.site.node, message, suggestion, fn, fix)

    # -- fixes ------------------------------------------------------------------------
    def _init_statement(self, glob: _state.MutableGlobal) -> Optional[cst.SimpleStatementLine]:
        index = self.analysis.module_binding_index(glob.name)
        if index is None or len(self.analysis.module_bindings.get(glob.name, ())) != 1:
            return None
        stmt = self.analysis.module.body[index]
        if (
            isinstance(stmt, cst.SimpleStatementLine)
            and len(stmt.body) == 1
            and _common.is_single_assignment(stmt, glob.value, glob.name)
            and isinstance(_target(stmt.body[0]), cst.Name)
        ):
            return stmt
        return None

    def _move_plan(self, glob: _state.MutableGlobal, fn: Function, entries: List[Function]) -> Optional["_Plan"]:
        """Move `x = []` into the only function using it, when that is the handler itself."""
        analysis = self.analysis
        statement = self._init_statement(glob)
        if statement is None or entries != [fn] or fn.parent is not None or fn.cls is not None:
            return None
        if glob.name in fn.globals_declared or analysis.module_functions.get(fn.name) is not fn:
            return None
        users = [
            f
            for f in analysis.functions.values()
            if glob.name in f.referenced
            and analysis.is_module_level_name(glob.name, f)
            or glob.name in f.globals_declared
        ]
        if users != [fn]:
            return None
        for stmt in analysis.module.body:
            if stmt is statement or stmt is fn.node:
                continue
            if any(n.value == glob.name for n in _names(stmt)):
                return None  # also used at module level (filled at Init, exported, ...)
        if any(fn.is_local(n) for n in _free(glob.value)):
            return None  # the initial value would mean something else inside the function
        comments = [line for line in statement.leading_lines if line.comment]
        moved = statement.with_changes(leading_lines=comments)
        return _Plan({fn.node: [moved]}, [statement])

    def _reset_plan(self, glob: _state.MutableGlobal, entries: List[Function]) -> Optional["_Plan"]:
        analysis = self.analysis
        if any(entry.module is not analysis for entry in entries):
            return None  # a handler in another file: this file's fix cannot edit it
        inserts = {}
        clear = _state.starts_empty(analysis, glob.value)
        for entry in entries:
            if any(entry.is_local(n) and n not in entry.globals_declared for n in _free(glob.value)):
                return None  # the initial value would mean something else inside the handler
            if glob.name in entry.globals_declared and not _leading_global(entry, glob.name):
                return None  # a later `global x` would make `x = ...` above it a SyntaxError
            if clear and glob.name not in entry.globals_declared:
                new = [_parse_statement(f"{glob.name}.clear()")]
            else:
                new = [_parse_statement(f"{glob.name} = {analysis.module.code_for_node(glob.value)}")]
                if glob.name not in entry.globals_declared:
                    new.insert(0, _parse_statement(f"global {glob.name}"))
            inserts[entry.node] = new
        return _Plan(inserts, []) if inserts else None


@dataclass
class _Plan:
    """Statements to insert at the top of functions, module statements to remove."""

    inserts: Dict[cst.CSTNode, List[cst.CSTNode]]
    removals: List[cst.CSTNode]


def _where(entry: Function, analysis) -> str:
    """`handler`, or `handler` in app.py (importing the container) for another file's."""
    if entry.module is analysis or entry.module is None:
        return f"`{entry.qualname}`"
    return f"`{entry.qualname}` in {entry.module.path} (importing it from this module)"


def _merged_fixes(module: cst.Module, plans: List[Optional[_Plan]]) -> List[Optional[Fix]]:
    """One fix per group of findings whose plans touch the same function.

    Every fix of a group carries the whole group's edits: the engine applies the first
    and drops the others as conflicting, so a handler leaking five globals is fixed in one
    pass instead of five (the engine bounds its passes)."""
    groups: List[List[int]] = []
    for index, plan in enumerate(plans):
        if plan is None:
            continue
        touched = set(map(id, plan.inserts))
        merged = [g for g in groups if touched & {id(n) for i in g for n in plans[i].inserts}]
        groups = [g for g in groups if g not in merged] + [sorted([index, *(i for g in merged for i in g)])]
    fixes: List[Optional[Fix]] = [None] * len(plans)
    body = list(module.body)
    for group in groups:
        inserts: Dict[cst.CSTNode, List[cst.CSTNode]] = {}
        removals: List[cst.CSTNode] = []
        for i in group:
            for node, statements in plans[i].inserts.items():
                bucket = inserts.setdefault(node, [])
                bucket.extend(s for s in statements if not any(s.deep_equals(o) for o in bucket))
            removals.extend(r for r in plans[i].removals if all(r is not o for o in removals))
        edits: Dict[cst.CSTNode, object] = {node: _insert_at_top(stmts) for node, stmts in inserts.items()}
        for stmt in removals:
            edits[stmt] = cst.RemoveFromParent()
        _keep_spacing(body, removals, edits)
        names = [n for i in group for n in _plan_names(plans[i])]
        fix = Fix(
            applicability=UNSAFE,
            description="make " + ", ".join(f"`{n}`" for n in dict.fromkeys(names)) + " per-invocation",
            edits=edits,
        )
        for i in group:
            fixes[i] = fix
    return fixes


def _keep_spacing(body: List[cst.CSTNode], removals: List[cst.CSTNode], edits: Dict) -> None:
    """The statement after a removed run takes over the run's blank lines above it (or
    none, when it becomes the first statement of the module)."""
    index = 0
    while index < len(body):
        if not any(body[index] is r for r in removals):
            index += 1
            continue
        start = index
        while index < len(body) and any(body[index] is r for r in removals):
            index += 1
        if index == len(body):
            return
        blank = [line for line in body[start].leading_lines if not line.comment]
        kept = body[index]
        prior = edits.get(kept)  # bound now: the lambdas below replace this very entry
        if start == 0:
            edits[kept] = lambda u, f=prior: _strip_blank_lines(f(u) if f else u)
        elif blank and not kept.leading_lines:
            edits[kept] = lambda u, f=prior, b=blank: _with_blank_lines(f(u) if f else u, b)


def _with_blank_lines(node: cst.CSTNode, blank: List[cst.EmptyLine]) -> cst.CSTNode:
    return node.with_changes(leading_lines=[*blank, *node.leading_lines])


def _plan_names(plan: _Plan) -> List[str]:
    out = []
    for statements in plan.inserts.values():
        for stmt in statements:
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    target = small.targets[0].target
                elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    target = small.value.func.value
                else:
                    continue
                if isinstance(target, cst.Name):
                    out.append(target.value)
    return out


def _strip_blank_lines(node: cst.CSTNode) -> cst.CSTNode:
    lines = getattr(node, "leading_lines", None)
    if lines is None:
        return node
    while lines and not lines[0].comment:
        lines = lines[1:]
    return node.with_changes(leading_lines=lines)


def _reset_statement_code(analysis, glob: _state.MutableGlobal) -> str:
    if _state.starts_empty(analysis, glob.value):
        return f"{glob.name}.clear()"
    return f"global {glob.name}; {glob.name} = {_common.snippet(analysis.module, glob.value, 40)}"


def _target(small: cst.CSTNode) -> cst.CSTNode:
    return small.targets[0].target if isinstance(small, cst.Assign) else small.target


def _names(node: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    for child in nodes.children(node):
        yield from _names(child)


def _free(expr: cst.CSTNode) -> List[str]:
    return [n.value for n in _names(expr)]


def _parse_statement(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code + "\n")


def _leading_global(fn: Function, name: str) -> bool:
    """`global name` is among the statements at the very top of the body."""
    for stmt in _state.body_statements(fn):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
            isinstance(s, (cst.Global, cst.Nonlocal)) or _is_docstring_expr(s) for s in stmt.body
        ):
            if any(isinstance(s, cst.Global) and any(n.name.value == name for n in s.names) for s in stmt.body):
                return True
            continue
        return False
    return False


def _is_docstring_expr(small: cst.CSTNode) -> bool:
    return isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))


def _insert_at_top(statements: List[cst.CSTNode]):
    """Insert statements into a function body after its docstring and `global` lines."""

    def edit(updated: cst.FunctionDef) -> cst.FunctionDef:
        body = updated.body
        if not isinstance(body, cst.IndentedBlock):
            body = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=list(body.body))])
        stmts = list(body.body)
        index = 0
        while (
            index < len(stmts)
            and isinstance(stmts[index], cst.SimpleStatementLine)
            and all(
                isinstance(s, (cst.Global, cst.Nonlocal)) or (index == 0 and _is_docstring_expr(s))
                for s in stmts[index].body
            )
        ):
            index += 1
        return updated.with_changes(body=body.with_changes(body=[*stmts[:index], *statements, *stmts[index:]]))

    return edit
