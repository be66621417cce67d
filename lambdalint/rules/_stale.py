"""Can a request read the value an earlier request left in a module-level name?

A `global x` rebound from the event leaks only when some invocation reads `x` before
rebinding it: the read comes first, the rebinding happens on some paths only (a branch,
a `try` body that can fail before it, an early return), or the read is in background work
that runs on into the next invocation.  A global rebound unconditionally at the top of
every invocation, before anything reads it, holds only the current request's value
whenever it is read.

`StaleReads` answers this for one global with a small definite-assignment walk over the
statements of an entry point, following calls (and callbacks) into the functions they run
with a summary per function: does it read the global before setting it, and does it set
it on every path that returns normally.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, binding_scope
from lambdalint.rules._state import body_statements

# Classes and calls that run a function after (or beside) the invocation that starts it.
THREAD_CLASSES = {"threading.Thread", "threading.Timer", "multiprocessing.Process"}
TASK_STARTERS = {"asyncio.create_task", "asyncio.ensure_future"}

Summary = Tuple[bool, bool]  # (reads a value it did not set, sets it on every normal return)


class _Walk:
    def __init__(self, fn: Function) -> None:
        self.fn = fn
        self.stale = False
        self.returns: List[bool] = []


class StaleReads:
    """Reads of the module-level `name` of `owner` that can see an earlier request's value."""

    def __init__(self, owner: ModuleAnalysis, name: str) -> None:
        self.owner = owner
        self.name = name
        self._summaries: Dict[int, Summary] = {}

    # -- the questions ---------------------------------------------------------------------
    def stale_in(self, fn: Function) -> bool:
        """An invocation of `fn` can read the global before (or without) rebinding it."""
        return self.summary(fn)[0]

    def read_by_background_work(self, fn: Function) -> bool:
        """Work started below `fn` (a thread, a process, an executor job, a task) reads it:
        it runs on after the handler returns and sees whatever the next request sets."""
        for caller in self.owner.reachable_from(fn):
            for target in self._started_work(caller):
                if any(self._reads_anywhere(g) for g in self.owner.reachable_from(target)):
                    return True
        return False

    def summary(self, fn: Function) -> Summary:
        key = id(fn)
        known = self._summaries.get(key)
        if known is not None:
            return known
        self._summaries[key] = (False, False)  # a recursive call adds nothing new
        walk = _Walk(fn)
        end = self._block(body_statements(fn), False, walk)
        outs = walk.returns + ([end] if end is not None else [])
        result = (walk.stale, bool(outs) and all(outs))
        self._summaries[key] = result
        return result

    # -- statements ---------------------------------------------------------------------------
    def _block(self, statements: Iterable[cst.CSTNode], assigned: Optional[bool], walk: _Walk) -> Optional[bool]:
        """The state after the statements (None: control never falls through them)."""
        for statement in statements:
            if assigned is None:
                break
            assigned = self._statement(statement, assigned, walk)
        return assigned

    def _body(self, block: Optional[cst.CSTNode], assigned: Optional[bool], walk: _Walk) -> Optional[bool]:
        if block is None:
            return assigned
        inner = getattr(block, "body", ())
        if isinstance(inner, (list, tuple)):
            return self._block(inner, assigned, walk)
        return self._block([block], assigned, walk)

    def _statement(self, node: cst.CSTNode, assigned: bool, walk: _Walk) -> Optional[bool]:
        if isinstance(node, cst.BaseSmallStatement):  # `if x: return y` on one line
            return self._small(node, assigned, walk)
        if isinstance(node, cst.SimpleStatementLine):
            state: Optional[bool] = assigned
            for small in node.body:
                if state is None:
                    break
                state = self._small(small, state, walk)
            return state
        if isinstance(node, cst.If):
            after_test = self._expr(node.test, assigned, walk)
            body = self._body(node.body, after_test, walk)
            if node.orelse is None:
                other: Optional[bool] = after_test
            elif isinstance(node.orelse, cst.If):
                other = self._statement(node.orelse, after_test, walk)
            else:
                other = self._body(node.orelse.body, after_test, walk)
            return _join(body, other)
        if isinstance(node, (cst.For, cst.While)):
            head = self._expr(node.iter if isinstance(node, cst.For) else node.test, assigned, walk)
            self._body(node.body, head, walk)  # may run zero times, or stop at a `break`
            if node.orelse is not None:
                return _join(head, self._body(node.orelse.body, head, walk))
            return head
        if isinstance(node, (cst.Try, cst.TryStar)):
            body = self._body(node.body, assigned, walk)
            if node.orelse is not None and body is not None:
                body = self._body(node.orelse.body, body, walk)
            # A handler runs after any statement of the body failed: from the state before it.
            ends = [body] + [self._body(h.body, assigned, walk) for h in node.handlers]
            end = _join(*ends)
            if node.finalbody is not None:
                final = self._body(node.finalbody.body, assigned, walk)
                if final is None:
                    return None
                if final and end is not None:
                    end = True
            return end
        if isinstance(node, cst.With):
            for item in node.items:
                assigned = self._expr(item.item, assigned, walk)
            return self._body(node.body, assigned, walk)
        if isinstance(node, cst.Match):
            subject = self._expr(node.subject, assigned, walk)
            return _join(subject, *(self._body(case.body, subject, walk) for case in node.cases))
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            for decorator in node.decorators:
                assigned = self._expr(decorator.decorator, assigned, walk)
            return assigned
        return self._expr(node, assigned, walk)

    def _small(self, node: cst.CSTNode, assigned: bool, walk: _Walk) -> Optional[bool]:
        if isinstance(node, cst.Return):
            state = self._expr(node.value, assigned, walk) if node.value is not None else assigned
            walk.returns.append(state)
            return None
        if isinstance(node, cst.Raise):
            if node.exc is not None:
                self._expr(node.exc, assigned, walk)
            return None
        if isinstance(node, (cst.Break, cst.Continue)):
            return None
        if isinstance(node, (cst.Global, cst.Nonlocal, cst.Pass, cst.Import, cst.ImportFrom)):
            return assigned
        if isinstance(node, cst.Assign):
            state = self._expr(node.value, assigned, walk)
            for target in node.targets:
                state = self._target(target.target, state, walk)
            return state
        if isinstance(node, cst.AnnAssign):
            state = self._expr(node.value, assigned, walk) if node.value is not None else assigned
            return self._target(node.target, state, walk) if node.value is not None else state
        if isinstance(node, cst.AugAssign):
            state = self._expr(node.value, assigned, walk)
            if self._is_global(node.target, walk.fn):
                if not state:
                    walk.stale = True  # `x += ...` reads the old value first
                return True
            return self._expr(node.target, state, walk)
        return self._expr(node, assigned, walk)

    def _target(self, target: cst.CSTNode, assigned: bool, walk: _Walk) -> bool:
        if isinstance(target, cst.Name):
            return True if self._is_global(target, walk.fn) else assigned
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                assigned = self._target(element.value, assigned, walk)
            return assigned
        if isinstance(target, cst.StarredElement):
            return self._target(target.value, assigned, walk)
        return self._expr(target, assigned, walk)  # `x[k] = v`, `x.attr = v` read `x`

    # -- expressions ----------------------------------------------------------------------------
    def _expr(self, node: cst.CSTNode, assigned: bool, walk: _Walk) -> bool:
        from lambdalint._cstfast import children

        if isinstance(node, cst.Name):
            if self._is_global(node, walk.fn):
                if not assigned:
                    walk.stale = True
            else:
                target = self.owner.function_named(node.value, walk.fn)
                if target is not None:  # handed on as a callback: it may run now
                    assigned = self._run(target, assigned, walk)
            return assigned
        if isinstance(node, cst.Attribute):
            return self._expr(node.value, assigned, walk)
        if isinstance(node, cst.Arg):
            return self._expr(node.value, assigned, walk)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return assigned
        if isinstance(node, cst.Call):
            if not isinstance(node.func, cst.Name):
                assigned = self._expr(node.func, assigned, walk)
            for arg in node.args:
                assigned = self._expr(arg.value, assigned, walk)
            target = self.owner.resolve_call(node.func, walk.fn)
            return self._run(target, assigned, walk) if target is not None else assigned
        for child in children(node):
            assigned = self._expr(child, assigned, walk)
        return assigned

    def _run(self, target: Function, assigned: bool, walk: _Walk) -> bool:
        stale, sets = self.summary(target)
        if stale and not assigned:
            walk.stale = True
        return assigned or sets

    def _is_global(self, node: cst.CSTNode, fn: Function) -> bool:
        return (
            isinstance(node, cst.Name)
            and node.value == self.name
            and fn.module is self.owner
            and binding_scope(self.name, fn) is None
        )

    def _reads_anywhere(self, fn: Function) -> bool:
        return fn.module is self.owner and self.name in fn.referenced and binding_scope(self.name, fn) is None

    # -- background work ------------------------------------------------------------------------
    def _started_work(self, fn: Function) -> Iterable[Function]:
        analysis = self.owner.owner(fn)
        found: Set[Function] = set()
        for site in fn.iter(cst.Call):
            call = site.node
            qualified = analysis.qualified_name(call.func, fn)
            callables: List[cst.BaseExpression] = []
            if qualified in THREAD_CLASSES:
                callables = [a.value for a in call.args if a.keyword is not None and a.keyword.value == "target"]
                if qualified == "threading.Timer":
                    callables += [a.value for a in call.args[1:2] if a.keyword is None]
            elif qualified in TASK_STARTERS and call.args and isinstance(call.args[0].value, cst.Call):
                callables = [call.args[0].value.func]
            elif isinstance(call.func, cst.Attribute) and call.func.attr.value == "submit" and call.args:
                callables = [call.args[0].value]
            elif (
                isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "run_in_executor"
                and len(call.args) > 1
            ):
                callables = [call.args[1].value]
            for expr in callables:
                target = (
                    analysis.function_named(expr.value, fn)
                    if isinstance(expr, cst.Name)
                    else analysis.resolve_call(expr, fn)
                )
                if target is not None:
                    found.add(target)
        return found


def _join(*states: Optional[bool]) -> Optional[bool]:
    """Where branches meet: set only if every branch that falls through set it."""
    through = [s for s in states if s is not None]
    if not through:
        return None
    return all(through)
