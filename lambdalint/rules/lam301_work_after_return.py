"""LAM301 work-after-return: threads, processes, futures and tasks left running at return."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, target_names
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common
from lambdalint.rules._flow import FunctionFlow, unwrap_container

THREAD_CLASSES = {
    "threading.Thread": "thread",
    "threading.Timer": "timer thread",
    "multiprocessing.Process": "process",
    "multiprocessing.context.Process": "process",
    "multiprocessing.get_context().Process": "process",
}
EXECUTORS = {
    "concurrent.futures.ThreadPoolExecutor()",
    "concurrent.futures.ProcessPoolExecutor()",
    "concurrent.futures.thread.ThreadPoolExecutor()",
    "concurrent.futures.process.ProcessPoolExecutor()",
}
TASK_STARTERS = {"asyncio.create_task", "asyncio.ensure_future"}
# Functions that wait for (or consume) the futures and tasks passed to them.
WAITING_FUNCTIONS = {
    "asyncio.gather",
    "asyncio.wait",
    "asyncio.wait_for",
    "asyncio.shield",
    "asyncio.as_completed",
    "asyncio.wrap_future",
    "concurrent.futures.wait",
    "concurrent.futures.as_completed",
}
WAITING_METHODS = {"run_until_complete", "gather", "wait", "wait_for", "as_completed"}
# Methods of a thread / future / task that wait for it or stop it.
FINISHING_METHODS = {"join", "result", "exception", "cancel"}
HARMLESS_BUILTINS = {"len", "bool", "print", "repr", "str", "id", "isinstance", "type"}
ADDERS = {"append", "add", "extend", "appendleft", "insert", "put", "put_nowait"}

Outcome = Tuple[str, object]  # ("waited", node) / ("bound", [names]) / ("escaped"|"ignored", None)


class WorkAfterReturn(Rule):
    code = "LAM301"
    name = "work-after-return"
    summary = (
        "A thread, process, executor future or asyncio task is started on the invocation "
        "path and not joined or awaited before the handler returns."
    )
    why = """
        Lambda freezes the execution environment as soon as the handler returns its
        response: every thread, child process and pending task in the process stops where
        it is. Work started "in the background" does not run after the response. It either
        resumes, with stale clocks and timed-out connections, whenever the next invocation
        thaws the environment, or never runs at all if no invocation comes before the
        environment is shut down. Tasks still pending when `asyncio.run()` returns are
        cancelled outright. The result is lost writes, metrics and notifications that show up
        minutes late or not at all, and errors that get reported against the wrong request.

        Wait for the work before returning: `thread.join()`, `future.result()`,
        `concurrent.futures.wait(futures)`, `await task` or `await asyncio.gather(*tasks)`.
        A `with ThreadPoolExecutor() as pool:` block waits for its futures when it exits.
        Work that must really outlive the response belongs in a queue or stream (SQS,
        EventBridge, Kinesis) or a Lambda extension, which keeps running after the
        response.

        A wait counts when it comes after the start and no `return` in between skips it
        (a wait in a `finally:` covers those returns). A thread, future or task that is
        returned, stored on an object or in a global, or passed to another function is
        left to the code that receives it and is not flagged.
    """
    references = [
        (
            "Lambda Extensions API (work that continues after the response)",
            "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html",
        ),
        (
            "concurrent.futures: waiting for futures",
            "https://docs.python.org/3/library/concurrent.futures.html#module-functions",
        ),
    ]
    valid = [
        Valid(
            """
            import threading


            def lambda_handler(event, context):
                worker = threading.Thread(target=send_audit_log, args=(event,))
                worker.start()
                result = process(event)
                worker.join()
                return result


            def send_audit_log(event):
                ...


            def process(event):
                return {"ok": True}
            """
        ),
        Valid(
            """
            from concurrent.futures import ThreadPoolExecutor


            def handler(event, context):
                with ThreadPoolExecutor(max_workers=8) as pool:
                    for record in event["Records"]:
                        pool.submit(index_record, record)
                return {"indexed": len(event["Records"])}


            def index_record(record):
                ...
            """
        ),
        Valid(
            """
            import concurrent.futures

            pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)


            def handler(event, context):
                futures = [pool.submit(resize, key) for key in event["keys"]]
                done, _ = concurrent.futures.wait(futures)
                return [f.result() for f in done]


            def resize(key):
                ...
            """
        ),
        Valid(
            """
            import asyncio


            async def main(event):
                tasks = [asyncio.create_task(notify(user)) for user in event["users"]]
                await asyncio.gather(*tasks)


            async def notify(user):
                ...


            def handler(event, context):
                asyncio.run(main(event))
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import threading


            def lambda_handler(event, context):
                threading.Thread(target=send_audit_log, args=(event,)).start()
                return process(event)


            def send_audit_log(event):
                ...


            def process(event):
                return {"ok": True}
            """,
            lines=(5,),
        ),
        Invalid(
            """
            import concurrent.futures

            pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)


            def handler(event, context):
                pool.submit(push_metrics, event["metrics"])
                return {"statusCode": 200}


            def push_metrics(metrics):
                ...
            """,
            lines=(7,),
        ),
        Invalid(
            """
            import asyncio


            async def main(event):
                asyncio.create_task(notify(event["user"]))
                return "queued"


            async def notify(user):
                ...


            def handler(event, context):
                return asyncio.run(main(event))
            """,
            lines=(5,),
        ),
        Invalid(
            """
            import threading


            def handler(event, context):
                worker = threading.Thread(target=warm_cache)
                worker.start()
                if event.get("dry_run"):
                    return "skipped"
                worker.join()
                return "done"


            def warm_cache():
                ...
            """,
            lines=(6,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        for fn in self.analysis.path_functions:
            for site in fn.iter(cst.Call):
                started = self._started_work(site, fn)
                if started is None:
                    continue
                kind, handles, value = started
                flow = FunctionFlow.of(fn)
                if not self._left_running(site, fn, flow, handles, value, kind):
                    continue
                yield self._finding(site, fn, kind)

    # -- what starts background work ------------------------------------------------
    def _started_work(self, site: Site, fn: Function) -> Optional[Tuple[str, Set[str], Optional[cst.CSTNode]]]:
        """(kind, names holding the work, the call's value if it *is* the work)."""
        call = site.node
        func = call.func
        analysis = self.analysis
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "start" and not call.args:
                kind, handles = self._thread(func.value, fn)
                return (kind, handles, None) if kind else None
            if method in ("submit", "map") and analysis.qualified_name(func.value, fn) in EXECUTORS:
                if _inside_with_of(site, func.value):
                    return None
                return ("map" if method == "map" else "future", set(), call)
            if method == "run_in_executor":
                return ("executor job", set(), call)
            if method == "create_task" and _is_event_loop(analysis.qualified_name(func.value, fn)):
                return ("task", set(), call)
        if analysis.qualified_name(func, fn) in TASK_STARTERS:
            return ("task", set(), call)
        return None

    def _thread(self, receiver: cst.BaseExpression, fn: Function) -> Tuple[Optional[str], Set[str]]:
        if isinstance(receiver, cst.Call):
            return self._thread_class(receiver, fn), set()
        if not isinstance(receiver, cst.Name):
            return None, set()
        handles = {receiver.value}
        for value in _bound_values(self.analysis, receiver.value, fn):
            if isinstance(value, cst.Call):
                kind = self._thread_class(value, fn)
                if kind:
                    return kind, handles
            iterable = getattr(value, "iterable", None)  # `for t in threads: t.start()`
            if isinstance(iterable, cst.Name):
                for element in _elements(_bound_values(self.analysis, iterable.value, fn)):
                    kind = self._thread_class(element, fn)
                    if kind:
                        return kind, handles | {iterable.value}
        return None, set()

    def _thread_class(self, call: cst.CSTNode, fn: Function) -> Optional[str]:
        if not isinstance(call, cst.Call):
            return None
        qn = self.analysis.qualified_name(call.func, fn)
        if qn in THREAD_CLASSES:
            return THREAD_CLASSES[qn]
        if isinstance(call.func, cst.Name) and call.func.value in self.analysis.classes:
            for base in self.analysis.classes[call.func.value].bases:
                base_qn = self.analysis.qualified_name(base.value, None)
                if base_qn in THREAD_CLASSES:
                    return THREAD_CLASSES[base_qn]
        return None

    # -- is it waited for before every return? -----------------------------------------
    def _left_running(
        self, site: Site, fn: Function, flow: FunctionFlow, handles: Set[str], value: Optional[cst.CSTNode], kind: str
    ) -> bool:
        waits: List[cst.CSTNode] = []
        todo = list(handles)
        seen: Set[str] = set()
        outcomes: List[Outcome] = []
        if value is not None:
            outcomes.append(self._fate(value, flow.ancestors(value) or site.ancestors, fn, kind == "map"))
        while outcomes or todo:
            if outcomes:
                what, detail = outcomes.pop()
                if what == "escaped":
                    return False  # returned or handed to code we cannot see: not our call
                if what == "waited":
                    waits.append(detail)
                elif what == "bound":
                    if any(not _is_local(fn, n) for n in detail):
                        return False  # kept in a global or outer name: waited for elsewhere
                    todo.extend(n for n in detail if n not in seen)
                continue
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for read, ancestors in flow.reads({name}):
                outcomes.append(self._fate(read, ancestors, fn, False))
        if kind in ("future", "map"):
            waits.extend(self._executor_shutdowns(site, flow))
        start = site.node
        return not any(
            flow.order(wait) >= flow.order(start) and not _early_returns(flow, start, wait) for wait in waits
        )

    def _fate(self, node: cst.CSTNode, ancestors, fn: Function, consumed_by_iteration: bool) -> Outcome:
        """What happens to a value holding the work where it is used."""
        current, ancestors = unwrap_container(node, tuple(ancestors))
        if not ancestors:
            return ("ignored", None)
        parent = ancestors[-1]
        if isinstance(parent, cst.Subscript) and parent.value is current:
            return self._fate(parent, ancestors[:-1], fn, consumed_by_iteration)  # futures[0]
        if isinstance(parent, cst.Await):
            return ("waited", node)
        if isinstance(parent, cst.Attribute) and parent.value is current:
            grand = ancestors[-2] if len(ancestors) > 1 else None
            if isinstance(grand, cst.Call) and grand.func is parent and parent.attr.value in FINISHING_METHODS:
                return ("waited", node)
            return ("ignored", None)  # t.start(), t.daemon = True, f.done()
        if isinstance(parent, cst.Arg) and len(ancestors) > 1 and isinstance(ancestors[-2], cst.Call):
            call = ancestors[-2]
            func = call.func
            if self.analysis.qualified_name(func, fn) in WAITING_FUNCTIONS or (
                isinstance(func, cst.Attribute) and func.attr.value in WAITING_METHODS
            ):
                return ("waited", node)
            if isinstance(func, cst.Attribute) and func.attr.value in ADDERS and isinstance(func.value, cst.Name):
                return ("bound", [func.value.value])
            if isinstance(func, cst.Name) and func.value in HARMLESS_BUILTINS:
                return ("ignored", None)  # len(futures), print(thread)
            if consumed_by_iteration:
                return ("waited", node)  # list(pool.map(...)) runs the whole map
            return ("escaped", None)
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is current:
            if consumed_by_iteration:
                return ("waited", node)
            return ("bound", target_names(parent.target))
        if isinstance(parent, (cst.Assign, cst.AnnAssign, cst.NamedExpr)) and parent.value is current:
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            names: List[str] = []
            for target in targets:
                if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                    names.append(target.value.value)  # futures[key] = pool.submit(...)
                elif isinstance(target, (cst.Name, cst.Tuple, cst.List)):
                    names.extend(target_names(target))
                else:
                    return ("escaped", None)  # self.worker = ...: lives on elsewhere
            return ("bound", names)
        if isinstance(parent, cst.Expr):
            return ("ignored", None)
        if isinstance(parent, (cst.Comparison, cst.ComparisonTarget, cst.If, cst.BooleanOperation, cst.UnaryOperation)):
            return ("ignored", None)
        return ("escaped", None)

    def _executor_shutdowns(self, site: Site, flow: FunctionFlow) -> List[cst.CSTNode]:
        """`pool.shutdown()` (it waits unless `wait=False`) after submitting to `pool`."""
        receiver = site.node.func.value
        if not isinstance(receiver, cst.Name):
            return []
        out: List[cst.CSTNode] = []
        for read, ancestors in flow.reads({receiver.value}):
            if (
                len(ancestors) >= 2
                and isinstance(ancestors[-1], cst.Attribute)
                and ancestors[-1].attr.value == "shutdown"
                and isinstance(ancestors[-2], cst.Call)
            ):
                call = ancestors[-2]
                no_wait = any(
                    isinstance(a.value, cst.Name)
                    and a.value.value == "False"
                    and (a.keyword is None or a.keyword.value == "wait")
                    for a in call.args
                )
                if not no_wait:
                    out.append(read)
        return out

    # -- the finding -------------------------------------------------------------------------
    def _finding(self, site: Site, fn: Function, kind: str) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, site.node)
        where = f"`{fn.qualname}`"
        if kind in ("thread", "timer thread", "process"):
            message = (
                f"`{snippet}` starts a {kind} that is not joined before {where} returns; "
                "Lambda freezes the environment on return, so the work stops mid-way"
            )
            wait = "`.join()` it"
        elif kind == "task":
            message = (
                f"`{snippet}` starts an asyncio task that is not awaited before {where} "
                "returns; it is cancelled or frozen with the environment"
            )
            wait = "`await` it (or `await asyncio.gather(*tasks)`)"
        else:
            message = (
                f"`{snippet}` runs work in an executor that is not waited for before {where} "
                "returns; Lambda freezes the environment on return, so the work stops mid-way"
            )
            wait = (
                "`await` it"
                if kind == "executor job"
                else "call `.result()` on the future, `concurrent.futures.wait(futures)`, "
                "or submit inside `with ThreadPoolExecutor() as pool:`"
            )
        suggestion = (
            f"Finish the work before {where} returns: {wait} on every path out. Work that "
            "must outlive the response belongs in a queue or stream (SQS, EventBridge, "
            "Kinesis) or a Lambda extension."
        )
        return self.report(site.node, message, suggestion, fn)


def _bound_values(analysis, name: str, fn: Function) -> List[object]:
    scope: Optional[Function] = fn
    while scope is not None:
        if scope.is_local(name):
            return list(scope.assigned.get(name, []))
        scope = scope.parent
    return list(analysis.module_bindings.get(name, []))


def _elements(values: List[object]) -> Iterator[cst.CSTNode]:
    """The items of list displays and comprehensions a container name is bound to."""
    for value in values:
        if isinstance(value, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            yield value.elt
        elif isinstance(value, (cst.List, cst.Tuple, cst.Set)):
            for element in value.elements:
                yield element.value


def _is_event_loop(qualified: Optional[str]) -> bool:
    return qualified is not None and qualified.startswith("asyncio.") and qualified.endswith("loop()")


def _inside_with_of(site: Site, receiver: cst.BaseExpression) -> bool:
    """`with pool:` around the call: leaving the block shuts the executor down and waits."""
    if not isinstance(receiver, cst.Name):
        return False
    for anc in site.ancestors:
        if isinstance(anc, cst.With):
            for item in anc.items:
                if isinstance(item.item, cst.Name) and item.item.value == receiver.value:
                    return True
    return False


def _early_returns(flow: FunctionFlow, start: cst.CSTNode, wait: cst.CSTNode) -> bool:
    """A `return` between starting and waiting skips the wait, unless the wait sits in a
    `finally:` that also covers the return."""
    finals = [
        a
        for a in flow.ancestors(wait)
        if isinstance(a, cst.Try) and a.finalbody is not None and any(b is a.finalbody for b in flow.ancestors(wait))
    ]
    for ret in flow.returns_between(start, wait):
        ret_ancestors = flow.ancestors(ret)
        if not any(
            any(a is t for a in ret_ancestors) and not any(a is t.finalbody for a in ret_ancestors) for t in finals
        ):
            return True
    return False


def _is_local(fn: Function, name: str) -> bool:
    scope: Optional[Function] = fn
    while scope is not None:
        if scope.is_local(name):
            return scope is fn
        scope = scope.parent
    return False
