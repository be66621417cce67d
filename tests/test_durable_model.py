"""lambdalint.durable: what runs where in a durable function, and its hooks for calls that
leave the module (the project-wide model hands in another module's functions)."""

import textwrap

import libcst as cst

from lambdalint.analysis import ModuleAnalysis
from lambdalint.config import Config
from lambdalint.durable import (
    NONDETERMINISM,
    REPLAY,
    SIDE_EFFECT,
    STEP,
    DurableModel,
    durable_model,
)


def analyse(code: str, path: str = "app.py") -> ModuleAnalysis:
    return ModuleAnalysis(cst.parse_module(textwrap.dedent(code)), path, Config())


APP = """
    import aws_durable_execution_sdk_python as sdk
    from util import stamp


    @sdk.durable_step
    def charge(step_context, order):
        return order


    def save(ctx: sdk.DurableContext, order):
        return ctx.step(lambda _: order, name="save")


    @sdk.durable_execution
    def handler(event, context):
        started = stamp()
        context.step(charge(event))
        context.run_in_child_context(lambda child: child.step(lambda _: 1, name="one"), name="c")
        return save(context, event), started
"""

UTIL = """
    import time


    def stamp():
        return now()


    def now():
        return time.time()
"""


def call_site(analysis, function, text):
    fn = analysis.functions[function]
    return next(s for s in fn.iter(cst.Call) if analysis.module.code_for_node(s.node) == text)


def test_scopes_contexts_steps_and_regions():
    analysis = analyse(APP)
    model = durable_model(analysis)
    assert [f.name for f in model.handlers] == ["handler"]
    assert {f.name: (s.kind, s.contexts) for f, s in model.scopes.items()} == {
        "handler": ("handler", {"context"}),
        "save": ("helper", {"ctx"}),
    }
    assert [f.name for f in model.step_functions] == ["charge"]
    assert sorted(op.method for op in model.operations) == ["run_in_child_context", "step", "step", "step"]
    assert model.region(call_site(analysis, "handler", "stamp()")) == REPLAY
    assert model.region(next(analysis.functions["save"].iter(cst.Call))) == REPLAY
    inner = next(
        s
        for s in analysis.functions["handler"].iter(cst.Call)
        if analysis.module.code_for_node(s.node) == "child.step(lambda _: 1, name=\"one\")"
    )
    assert model.region(inner) == REPLAY and model.contexts_at(inner)[0] == "child"
    assert model.replays(model.scopes[analysis.functions["handler"]])


def test_a_call_into_another_module_is_followed_through_the_hooks():
    app, util = analyse(APP), analyse(UTIL, "util.py")
    owners = {fn: util for fn in util.functions.values()}

    def resolve(func, fn):
        owner = owners.get(fn, app)
        if owner is app and isinstance(func, cst.Name) and app.aliases.get(func.value) == "util.stamp":
            return util.module_functions["stamp"]
        return owner.resolve_call(func, fn)

    site = call_site(app, "handler", "stamp()")
    assert DurableModel(app).callee_effect(site, NONDETERMINISM) is None  # not visible alone
    model = DurableModel(app, resolve=resolve, analysis_of=lambda fn: owners.get(fn, app))
    target, witness = model.callee_effect(site, NONDETERMINISM)
    assert target.name == "stamp"
    assert (witness.verb, witness.code, witness.chain) == ("reads the clock", "time.time()", ("stamp", "now"))
    assert model.callee_effect(site, SIDE_EFFECT) is None


def test_no_sdk_no_model():
    analysis = analyse("""
        import time


        def handler(event, context):
            return context.step(lambda _: time.time())
    """)
    model = durable_model(analysis)
    assert not model.active and model.scopes == {} and model.operations == []


def test_step_region_inside_lambdas_and_step_functions():
    analysis = analyse("""
        from aws_durable_execution_sdk_python import durable_execution


        @durable_execution
        def handler(event, context):
            def work(_):
                return len(event)
            context.step(work, name="work")
            return context.step(lambda _: len(event), name="inline")
    """)
    model = durable_model(analysis)
    in_def = next(analysis.functions["handler.<locals>.work"].iter(cst.Call))
    in_lambda = call_site(analysis, "handler", "len(event)")
    assert model.region(in_def) == STEP and model.region(in_lambda) == STEP
