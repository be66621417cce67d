"""LAM101 mutable-global-mutated: a module-level container that grows across invocations."""

from __future__ import annotations

from typing import Iterator, List, Optional

from lambdalint._lazy import cst
from lambdalint.analysis import Function
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
        batching) changes behaviour, which is exactly what the rule warns about.
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
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        tracked = _state.mutable_globals(analysis)
        for name, use in _state.usage(analysis).items():
            if _state.is_cache(use):
                continue  # a cache: LAM103 decides
            reported = set()
            for mutation in use.mutations:
                fn = mutation.site.function
                if id(fn) in reported or _state.handled_per_invocation(analysis, mutation):
                    continue
                reported.add(id(fn))
                yield self._finding(mutation, tracked[name])

    def _finding(self, mutation: _state.Mutation, glob: _state.MutableGlobal) -> RawFinding:
        analysis = self.analysis
        fn = mutation.site.function
        entries = [e.function for e in analysis.entries_reaching(fn)]
        snippet = _common.snippet(analysis.module, mutation.site.node)
        message = (
            f"module-level {glob.kind} `{glob.name}` is mutated by `{snippet}` on every "
            "invocation and keeps its contents across warm invocations"
        )
        handlers = ", ".join(f"`{e.qualname}`" for e in entries) or f"`{fn.qualname}`"
        move = self._move_fix(glob, fn, entries)
        if move is not None:
            suggestion = (
                f"Create `{glob.name}` inside `{fn.qualname}` (move "
                f"`{glob.name} = {_common.snippet(analysis.module, glob.value)}` from module level "
                "to the top of the function) so each invocation starts empty."
            )
            return self.report(mutation.site.node, message, suggestion, fn, move)
        reset = _reset_statement_code(analysis, glob)
        suggestion = (
            f"Reset it at the top of {handlers} with `{reset}`, or create it inside the "
            "handler and pass it to the functions that fill it."
        )
        return self.report(mutation.site.node, message, suggestion, fn, self._reset_fix(glob, entries))

    # -- fixes ------------------------------------------------------------------------
    def _init_statement(self, glob: _state.MutableGlobal) -> Optional[cst.SimpleStatementLine]:
        index = self.analysis.module_binding_index(glob.name)
        if index is None or len(self.analysis.module_bindings.get(glob.name, ())) != 1:
            return None
        stmt = self.analysis.module.body[index]
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 \
                and _common.is_single_assignment(stmt, glob.value, glob.name) \
                and isinstance(_target(stmt.body[0]), cst.Name):
            return stmt
        return None

    def _move_fix(self, glob: _state.MutableGlobal, fn: Function, entries: List[Function]) -> Optional[Fix]:
        """Move `x = []` into the only function using it, when that is the handler itself."""
        analysis = self.analysis
        statement = self._init_statement(glob)
        if statement is None or entries != [fn] or fn.parent is not None or fn.cls is not None:
            return None
        if glob.name in fn.globals_declared or analysis.module_functions.get(fn.name) is not fn:
            return None
        users = [f for f in analysis.functions.values()
                 if glob.name in f.referenced and analysis.is_module_level_name(glob.name, f)
                 or glob.name in f.globals_declared]
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
        edits = {statement: cst.RemoveFromParent(), fn.node: _insert_at_top([moved])}
        body = list(analysis.module.body)
        index = next(i for i, s in enumerate(body) if s is statement)
        if index == 0 and len(body) > 1:  # the next statement becomes the first: no blank lines above
            following = body[1]
            strip = _strip_blank_lines
            edits[following] = (lambda u, f=edits.get(following): strip(f(u) if f else u))
        return Fix(
            applicability=UNSAFE,
            description=f"move `{glob.name} = ...` into `{fn.qualname}`",
            edits=edits,
        )

    def _reset_fix(self, glob: _state.MutableGlobal, entries: List[Function]) -> Optional[Fix]:
        analysis = self.analysis
        if not entries:
            return None
        edits = {}
        clear = _state.starts_empty(analysis, glob.value)
        for entry in entries:
            if _state.reset_before(entry, glob.name, len(_state.body_statements(entry))) \
                    and not any(m.site.function is entry for m in _state.usage(analysis)[glob.name].mutations):
                continue
            if any(entry.is_local(n) and n not in entry.globals_declared for n in _free(glob.value)):
                return None  # the initial value would mean something else inside the handler
            if glob.name in entry.globals_declared and not _leading_global(entry, glob.name):
                return None  # a later `global x` would make `x = ...` above it a SyntaxError
            if clear and not (glob.name in entry.globals_declared):
                new = [_parse_statement(f"{glob.name}.clear()")]
            else:
                new = [_parse_statement(f"{glob.name} = {analysis.module.code_for_node(glob.value)}")]
                if glob.name not in entry.globals_declared:
                    new.insert(0, _parse_statement(f"global {glob.name}"))
            edits[entry.node] = _insert_at_top(new)
        if not edits:
            return None
        return Fix(
            applicability=UNSAFE,
            description=f"reset `{glob.name}` at the start of the handler",
            edits=edits,
        )


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
    for child in node.children:
        yield from _names(child)


def _free(expr: cst.CSTNode) -> List[str]:
    return [n.value for n in _names(expr)]


def _parse_statement(code: str) -> cst.SimpleStatementLine:
    return cst.parse_statement(code + "\n")


def _leading_global(fn: Function, name: str) -> bool:
    """`global name` is among the statements at the very top of the body."""
    for stmt in _state.body_statements(fn):
        if isinstance(stmt, cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Global, cst.Nonlocal)) or _is_docstring_expr(s) for s in stmt.body):
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
        while index < len(stmts) and isinstance(stmts[index], cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Global, cst.Nonlocal)) or (index == 0 and _is_docstring_expr(s))
                for s in stmts[index].body):
            index += 1
        return updated.with_changes(body=body.with_changes(body=[*stmts[:index], *statements, *stmts[index:]]))

    return edit
