"""The invocation path: which functions of a module run on every request."""

import textwrap

import libcst as cst
import pytest

from lambdalint.analysis import ModuleAnalysis
from lambdalint.config import Config


def analyse(source: str) -> ModuleAnalysis:
    return ModuleAnalysis(cst.parse_module(textwrap.dedent(source)), "handler.py", Config())


def on_path(source: str):
    return {fn.qualname for fn in analyse(source).path_functions}


def test_transitive_calls_are_followed_and_unrelated_functions_are_not():
    assert on_path(
        """
        def handler(event, context):
            return a(event)

        def a(event):
            return b(event)

        def b(event):
            return 1

        def unused():
            return b(None)
        """
    ) == {"handler", "a", "b"}


def test_cycles_terminate_and_include_every_member():
    assert on_path(
        """
        def handler(event, context):
            return ping(3)

        def ping(n):
            return pong(n - 1) if n else 0

        def pong(n):
            return ping(n)
        """
    ) == {"handler", "ping", "pong"}


def test_nested_functions_run_when_the_enclosing_one_uses_them():
    assert on_path(
        """
        def handler(event, context):
            def one(record):
                return two(record)

            def two(record):
                return record

            return [one(r) for r in event["Records"]]
        """
    ) == {"handler", "handler.<locals>.one", "handler.<locals>.two"}


def test_calls_inside_lambdas_and_callbacks_are_on_the_path():
    assert on_path(
        """
        def handler(event, context):
            key = lambda r: score(r)
            return sorted(map(parse, event["Records"]), key=key)

        def parse(record):
            return record

        def score(record):
            return 1
        """
    ) == {"handler", "parse", "score"}


def test_methods_of_module_level_instances_self_calls_and_class_calls():
    assert on_path(
        """
        class Repo:
            def __init__(self):
                self.items = {}

            def save(self, item):
                self._check(item)

            def _check(self, item):
                return item

            @staticmethod
            def build(event):
                return event

        repo = Repo()

        def handler(event, context):
            repo.save(Repo.build(event))
        """
    ) == {"handler", "Repo.save", "Repo._check", "Repo.build"}


def test_instances_created_in_the_handler_and_chained_calls():
    assert on_path(
        """
        class Service:
            def __init__(self, event):
                self.event = event

            def run(self):
                return 1

            def unused(self):
                return 2

        class Other:
            def go(self):
                return 3

        def handler(event, context):
            svc = Service(event)
            svc.run()
            return Other().go()
        """
    ) == {"handler", "Service.__init__", "Service.run", "Other.go"}


def test_super_calls_reach_the_base_class_method():
    assert on_path(
        """
        class Base:
            def process(self, event):
                return event

        class Child(Base):
            def process(self, event):
                return super().process(event)

        class Handler(Child):
            def __call__(self, event, context):
                return self.process(event)

        handler = Handler()
        """
    ) == {"Handler.__call__", "Child.process", "Base.process"}


def test_dispatch_tables_aliases_lambdas_and_partials_at_module_level():
    assert on_path(
        """
        import functools

        def on_create(event): return 1
        def on_delete(event): return 2
        def on_update(event, verbose): return 3
        def on_ping(event): return 4
        def on_other(event): return 5

        ROUTES = {"create": on_create, "delete": on_delete}
        UPDATE = functools.partial(on_update, verbose=True)
        PING = lambda event: on_ping(event)
        DEFAULT = on_other

        def handler(event, context):
            route = ROUTES.get(event["type"]) or UPDATE
            return route(event), PING(event), DEFAULT(event)
        """
    ) == {"handler", "on_create", "on_delete", "on_update", "on_ping", "on_other"}


def test_calls_made_only_at_module_level_are_init():
    assert on_path(
        """
        def load_config():
            return read()

        def read():
            return {}

        def register(fn):
            REGISTRY[fn.__name__] = fn
            return fn

        REGISTRY = {}
        CONFIG = load_config()

        @register
        def on_create(event):
            return CONFIG

        def handler(event, context):
            return REGISTRY[event["type"]](event)
        """
    ) == {"handler"}


def test_cached_helpers_stop_the_path():
    analysis = analyse(
        """
        import functools

        @functools.lru_cache(maxsize=1)
        def settings():
            return load()

        def load():
            return {}

        def handler(event, context):
            return settings()
        """
    )
    assert {fn.qualname for fn in analysis.path_functions} == {"handler"}


def test_self_referencing_module_values_terminate():
    assert on_path(
        """
        A = [lambda: B]
        B = [A]

        def handler(event, context):
            return A, B
        """
    ) == {"handler"}


@pytest.mark.parametrize("entry", ["handler", "worker"])
def test_reachable_from_and_entries_reaching(entry):
    analysis = analyse(
        """
        def handler(event, context):
            return shared(event)

        def worker(event, context):
            return shared(event) + own()

        def shared(event):
            return 1

        def own():
            return 2
        """
    )
    fns = analysis.functions
    assert fns["shared"] in analysis.reachable_from(fns[entry])
    assert {e.function.name for e in analysis.entries_reaching(fns["shared"])} == {"handler", "worker"}
    assert {e.function.name for e in analysis.entries_reaching(fns["own"])} == {"worker"}


def test_decorators_resolving_through_a_module_level_call_do_not_crash():
    analysis = analyse(
        """
        import flask

        app = flask.Flask(__name__)

        @app.route("/")
        def index(event, context):
            return "ok"
        """
    )
    assert analysis.functions["index"].decorators == ["flask.Flask().route"]


def test_parameter_questions_along_a_chain_of_helpers_are_answered_once_each(monkeypatch):
    """A chain of n helpers passing the event on used to rescan every call on the path
    for every link of every question (cubic); now callers are indexed once and each
    parameter's answer is remembered."""
    calls = {"index": 0, "invariant": 0}
    from lambdalint.analysis.project import ProjectAnalysis
    from lambdalint.analysis.values import Values

    index, uncached = ProjectAnalysis._index_call_sites, Values._every_caller_passes_invariant

    def counting_index(self):
        calls["index"] += 1
        return index(self)

    def counting_uncached(self, *args):
        calls["invariant"] += 1
        return uncached(self, *args)

    monkeypatch.setattr(ProjectAnalysis, "_index_call_sites", counting_index)
    monkeypatch.setattr(Values, "_every_caller_passes_invariant", counting_uncached)
    n = 40
    helpers = "".join(f"def helper_{i}(key):\n    return helper_{i + 1}(key)\n\n\n" for i in range(n))
    source = (
        helpers + f"def helper_{n}(key):\n    return key\n\n\ndef handler(event, context):\n    return helper_0('k')\n"
    )
    analysis = analyse(source)
    last = analysis.functions[f"helper_{n}"]
    ret = next(site.node for site in last.iter(cst.Return))
    for _ in range(3):
        assert analysis.is_invariant(ret.value, last)
        assert not analysis.is_tainted(ret.value, last)
    assert calls["index"] == 1
    assert calls["invariant"] == n + 1


def test_configured_phases_apply_to_entry_points_found_by_convention():
    from lambdalint.config import parse_table

    source = "def handler(event, context):\n    pass\n\n\ndef other(event, context):\n    pass\n"
    everywhere = parse_table({"snapstart": True}, ".")
    analysis = ModuleAnalysis(cst.parse_module(source), "h.py", everywhere)
    assert all(e.settings.snapstart for e in analysis.entry_points)
    one = parse_table({"managed-instances": ["h.py:handler"]}, ".")
    analysis = ModuleAnalysis(cst.parse_module(source), "h.py", one)
    assert analysis.settings_for(analysis.functions["handler"]).managed_instances
    assert not analysis.settings_for(analysis.functions["other"]).managed_instances


@pytest.mark.parametrize("value", ["yes", 1, [1], ["no-function"]])
def test_phase_settings_reject_bad_values(value):
    from lambdalint.config import ConfigError, parse_table

    with pytest.raises(ConfigError, match="snapstart"):
        parse_table({"snapstart": value}, ".")


def test_sites_by_type_are_every_site_of_that_type_in_order():
    """`Function.iter` matches node types exactly: every type the rules ask for is a leaf
    class, so it finds what `isinstance` finds."""
    from conftest import fixture_files

    asked = (cst.Call, cst.Return, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.With, cst.Yield)
    asked += (cst.Import, cst.ImportFrom, cst.Del, cst.While, cst.For, cst.Subscript)
    assert all(not kind.__subclasses__() for kind in asked)
    checked = 0
    for path in fixture_files()[:60]:
        try:
            analysis = ModuleAnalysis(cst.parse_module(path.read_text()), str(path), Config())
        except cst.ParserSyntaxError:
            continue
        for fn in analysis.functions.values():
            for kind in asked:
                assert list(fn.iter(kind)) == [s for s in fn.sites if isinstance(s.node, kind)]
                checked += len(list(fn.iter(kind)))
            pair = (cst.Call, cst.Assign)
            assert list(fn.iter(*pair)) == [s for s in fn.sites if isinstance(s.node, pair)]
            if fn.sites:  # a site added after a first question is seen by the next
                fn.sites.append(fn.sites[0])
                assert list(fn.iter(type(fn.sites[0].node)))[-1] is fn.sites[0]
    assert checked > 500
