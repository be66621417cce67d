"""LAM504 step-mutates-outer-state: a step's function changes variables outside the step."""

from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, ModuleAnalysis, Site
from lambdalint.catalog import MUTATING_METHODS
from lambdalint.durable import DurableModel, StepBody, durable_model, short
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _replay


class StepMutatesOuterState(Rule):
    code = "LAM504"
    name = "step-mutates-outer-state"
    summary = (
        "A step's function assigns to or changes a variable or container of the enclosing "
        "function, an argument, or a global: on replay the step is skipped and the change "
        "never happens."
    )
    why = (
        """
        On the first run a step's function runs and its *return value* is checkpointed; on
        every replay the SDK returns that value without running the function. A change the
        function makes to anything outside itself (appending to the handler's list, setting a
        key of a dict it was given, assigning a `global` or `nonlocal`) happens on the first
        run only. After the next wait or callback the handler runs again with the list empty
        and the dict unchanged, and takes another path or returns other data.

        Return the value from the step and use what `context.step(...)` returns:
        `charged = context.step(lambda _: charge(order), name="charge")` instead of
        `context.step(lambda _: results.append(charge(order)), name="charge")`.

        Changes made by helpers that a step's function calls are not followed yet.
    """
        + _replay.LIMITS
    )
    references = [
        _replay.DETERMINISM_GUIDE,
        _replay.STEP_REFERENCE,
        _replay.SDK_PACKAGE,
    ]
    valid = [
        Valid(
            """
            from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


            @durable_step
            def price(step_context: StepContext, order: dict) -> dict:
                priced = dict(order)
                priced["total"] = sum(line["amount"] for line in order["lines"])
                return priced


            @durable_execution
            def handler(event, context: DurableContext):
                priced = context.step(price(event["order"]))
                totals = [context.step(lambda _: line["amount"] * 2, name="double") for line in priced["lines"]]
                return {"order": priced, "totals": totals}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step
            from aws_durable_execution_sdk_python.config import Duration

            charged = set()


            @durable_step
            def price(step_context: StepContext, order: dict) -> dict:
                order["total"] = sum(line["amount"] for line in order["lines"])
                charged.add(order["id"])
                return order


            @durable_execution
            def handler(event, context: DurableContext):
                totals = []
                context.step(price(event["order"]))
                context.step(lambda _: totals.append(event["order"]["total"]), name="record")
                context.wait(Duration.from_seconds(10), name="settle")
                return {"totals": totals, "order": event["order"]}
            """,
            lines=(9, 10, 18),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        model = durable_model(self.analysis)
        if not model.active:
            return
        for body in list(model.step_lambdas.values()):
            if body.operation is not None and model.here(body.operation.site.function, self.analysis):
                yield from self._lambda(model, body)
        for fn, body in list(model.step_functions.items()):
            if model.here(fn, self.analysis):
                yield from self._function(model, fn, body)

    def _lambda(self, model: DurableModel, body: StepBody) -> Iterator[RawFinding]:
        op = body.operation
        if op is None:
            return
        fn = op.site.function
        analysis = model.owner(fn)
        params = _lambda_params(body.node)
        for site in fn.iter(cst.Call):
            if not _within(site, body.node) or _inner_lambda_binds(site, body.node):
                continue
            name = _mutated_name(site.node)
            if name is None or name in params:
                continue
            if not _outer(name, fn, analysis):
                continue
            yield self._finding(model, site.node, name, fn, analysis)

    def _function(self, model: DurableModel, fn: Function, body: StepBody) -> Iterator[RawFinding]:
        analysis = model.owner(fn)
        caller_params = [p for p in (*fn.positional_params(), *fn.extra_params) if p not in body.sdk_params]
        for site in fn.sites:
            node = site.node
            names: List[Tuple[cst.CSTNode, str]] = []
            if isinstance(node, cst.Call):
                name = _mutated_name(node)
                if name is not None:
                    names.append((node, name))
            elif isinstance(node, (cst.Assign, cst.AugAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                for target in targets:
                    for name, direct in _stored_names(target):
                        if direct and (name in fn.globals_declared or name in fn.nonlocals_declared) or not direct:
                            names.append((node, name))
            elif isinstance(node, cst.Del):
                for name, direct in _stored_names(node.target):
                    if not direct or name in fn.globals_declared:
                        names.append((node, name))
            for reported, name in names:
                if self._outer_for_function(name, fn, analysis, caller_params):
                    yield self._finding(model, reported, name, fn, analysis)

    def _outer_for_function(self, name: str, fn: Function, analysis: ModuleAnalysis, caller_params: List[str]) -> bool:
        if name in fn.globals_declared or name in fn.nonlocals_declared:
            return True
        if name in caller_params:
            # the caller's object, unless the function rebinds the name first
            return not fn.assigned.get(name)
        if fn.is_local(name):
            return False
        return _outer(name, fn, analysis)

    def _finding(
        self, model: DurableModel, node: cst.CSTNode, name: str, fn: Function, analysis: ModuleAnalysis
    ) -> RawFinding:
        return self.report(
            node,
            f"`{short(analysis, node)}` changes `{name}` from inside a step's function; on replay "
            "the step is skipped and the change never happens",
            f"Return the value from the step and use the result of `context.step(...)` instead of changing `{name}`.",
            fn,
        )


def _lambda_params(node: cst.Lambda) -> Set[str]:
    p = node.params
    names = {x.name.value for x in (*p.posonly_params, *p.params, *p.kwonly_params)}
    if isinstance(p.star_arg, cst.Param):
        names.add(p.star_arg.name.value)
    if p.star_kwarg is not None:
        names.add(p.star_kwarg.name.value)
    return names


def _within(site: Site, node: cst.CSTNode) -> bool:
    return any(a is node for a in site.ancestors)


def _inner_lambda_binds(site: Site, outer: cst.CSTNode) -> bool:
    """A lambda inside the step lambda: its own parameters are its own business."""
    seen = False
    for anc in site.ancestors:
        if anc is outer:
            seen = True
        elif seen and isinstance(anc, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return True
    return False


def _mutated_name(call: cst.Call) -> Optional[str]:
    """`x` for `x.append(...)`, `x["k"].update(...)`, `setattr(x, ...)`."""
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in MUTATING_METHODS:
        return _base(func.value)
    if isinstance(func, cst.Name) and func.value in ("setattr", "delattr") and call.args:
        return _base(call.args[0].value)
    return None


def _base(node: cst.CSTNode) -> Optional[str]:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _stored_names(target: cst.CSTNode) -> Iterator[Tuple[str, bool]]:
    """(name, True) for a name assigned directly; (base, False) for `base[k] = ` / `base.a = `."""
    if isinstance(target, cst.Name):
        yield target.value, True
    elif isinstance(target, (cst.Subscript, cst.Attribute)):
        base = _base(target)
        if base is not None:
            yield base, False
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _stored_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _stored_names(target.value)


def _outer(name: str, fn: Function, analysis: ModuleAnalysis) -> bool:
    """A variable of an enclosing function or a module-level variable (not an import, a
    function or a class)."""
    if name in ("self", "cls"):
        return False
    scope: Optional[Function] = fn
    while scope is not None:
        if scope.is_local(name):
            return name not in scope.local_aliases and not any(
                isinstance(v, cst.FunctionDef) for v in scope.assigned.get(name, [])
            )
        scope = scope.parent
    if name in analysis.aliases or name in analysis.module_functions or name in analysis.classes:
        return False
    return name in analysis.module_bindings
