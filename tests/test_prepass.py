"""The text pre-pass (`might_have_entry_point`) decides which files never reach LibCST.
It must be a superset of the analysis: pre-pass False implies no entry point."""

from typing import Optional

import libcst as cst
import pytest
from conftest import FIXTURES, fixture_files
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lambdalint.analysis import ModuleAnalysis
from lambdalint.config import Config
from lambdalint.parsing import might_have_entry_point
from lambdalint.registry import all_rules


def entry_points(text: str, config: Optional[Config] = None, extra=()):
    config = config or Config()
    return [e.function.qualname for e in ModuleAnalysis(cst.parse_module(text), "m.py", config, extra).entry_points]


def examples():
    out = [(str(p.relative_to(FIXTURES)), p.read_text()) for p in fixture_files()]
    for rule in all_rules().values():
        for number, example in enumerate([*rule.valid, *rule.invalid]):
            out.append((f"{rule.code}-example-{number}", example.source))
    return out


@pytest.mark.parametrize("name,text", examples(), ids=[n for n, _ in examples()])
def test_prepass_false_implies_no_entry_point(name, text):
    if not might_have_entry_point(text):
        assert entry_points(text) == []


def test_fixtures_with_handlers_pass_the_prepass():
    """Guards the test above against a corpus where the pre-pass is never False or True."""
    verdicts = {might_have_entry_point(text) for _, text in examples()}
    assert True in verdicts
    assert any(entry_points(text) for _, text in examples())


TRICKY_HANDLERS = {
    "multi-line signature": "def process(\n    event,\n    context,\n):\n    pass\n",
    "comments in the parameters": "def process(  # the entry point\n    # first the event\n"
    "    event,  # dict\n    context,\n):\n    pass\n",
    "annotations": "def process(event: 'dict[str, Any]', context: LambdaContext) -> dict:\n    pass\n",
    "defaults and positional-only": "def process(event=None, context=None, /):\n    pass\n",
    "async def": "async def process(event, context):\n    pass\n",
    "prefixed names": "def process(s3_event, lambda_context):\n    pass\n",
    "underscored names": "def process(_event, _):\n    pass\n",
    "evt and ctx": "def process(evt, ctx):\n    pass\n",
    "backslash continuation": "def \\\n    process \\\n    (event, context):\n    pass\n",
    "tabs and form feed": "def\tprocess\t(\x0c event,\tcontext):\n    pass\n",
    "CRLF line endings": "def process(\r\n    event,\r\n    context,\r\n):\r\n    pass\r\n",
    "convention name": "def lambda_handler(a, b):\n    pass\n",
    "convention name without parameters": "def handler():\n    pass\n",
    "inside if": "if True:\n    def process(event, context):\n        pass\n",
    "decorated": "@wrap\ndef process(event, context):\n    pass\n",
    "__call__": "class App:\n    def __call__(self, event, context):\n        pass\n\napp = App()\n",
    "__call__ with other names": "class App:\n    def __call__(self, payload, runtime):\n        pass\n\napp = App()\n",
    "__call__, instance inside try": "class App:\n    def __call__(self, e, c):\n        pass\n\n"
    "try:\n    app = App()\nexcept ImportError:\n    pass\n",
    "inside try and with": "try:\n    with suppress():\n        def process(event, context):\n            pass\n"
    "except Exception:\n    pass\n",
    "configured name inside if": "if True:\n    def lambda_handler(a, b):\n        pass\n",
}


@pytest.mark.parametrize("name", sorted(TRICKY_HANDLERS))
def test_tricky_handlers_pass_the_prepass(name):
    text = TRICKY_HANDLERS[name]
    assert entry_points(text), "the case is meant to have an entry point"
    assert might_have_entry_point(text)


def test_configured_handler_names_pass_the_prepass():
    text = "def run_job(payload, runtime):\n    pass\n"
    config = Config(handler_names=("run_job",))
    assert entry_points(text) == []
    assert not might_have_entry_point(text)
    assert entry_points(text, config) == ["run_job"]
    assert might_have_entry_point(text, config.handler_names)
    assert might_have_entry_point("def \\\n  run_job(a, b): pass\n", config.handler_names)


def test_configured_entry_points_force_the_analysis():
    text = "def run_job(payload, runtime):\n    pass\n"
    assert entry_points(text, extra=["run_job"]) == ["run_job"]
    assert might_have_entry_point(text, forced=True)


def test_library_code_that_looks_like_handlers_is_skipped():
    """Hints found only where Lambda never looks (methods, nested functions, a `__call__`
    with no module-level instance) are confirmed with CPython's parser and rejected."""
    lookalikes = [
        "class Backend:\n    def _invoke_lambda(self, event, context):\n        pass\n",
        "def outer():\n    def filter_func(event, ctx):\n        pass\n",
        "class App:\n    def __call__(self, environ, start_response):\n        pass\n",
        "class App:\n    def __call__(self, request):\n        pass\n\napp = App()\n",
        "class Router:\n    def handler(self, event, context):\n        pass\n",
    ]
    for text in lookalikes:
        assert entry_points(text) == [], text
        assert not might_have_entry_point(text), text


def test_unparsable_text_with_a_hint_is_left_to_libcst():
    assert might_have_entry_point("class Backend:\n    def _invoke(self, event, context):\n        pass(\n")


def test_long_words_full_of_def_are_scanned_in_linear_time():
    # each `def` inside the word used to start a match running to the word's end
    assert not might_have_entry_point("def" * 100_000)
    assert not might_have_entry_point("x = " + "undefined_" * 30_000 + "\n")


def test_files_without_entry_points_are_skipped():
    assert not might_have_entry_point("import os\n\ndef helper(x, y):\n    return x\n")
    assert not might_have_entry_point("def process(data, context):\n    pass\n")
    assert not might_have_entry_point("")


# Property: whatever legal spelling of a def line, pre-pass False implies no entry point.
_line_gap = st.sampled_from([" ", "\t", " \\\n    ", "\\\n ", "\x0c "])  # outside brackets
_bracket_gap = st.lists(  # inside the parentheses newlines and comments are free
    st.sampled_from(["", " ", "\t", "\n    ", "  # note\n    ", "\\\n    ", "\r\n    "]),
    max_size=3,
).map("".join)
_param = st.sampled_from(["event", "evt", "s3_event", "_event", "payload", "ctx", "context", "self", "e"])
_annotation = st.sampled_from(["", ": dict", ": 'Ctx'", "=None", ": int = 1"])


@st.composite
def _def_lines(draw):
    name = draw(st.sampled_from(["process", "handler", "lambda_handler", "run"]))
    before_parenthesis = draw(st.sampled_from(["", " ", " \\\n"]))
    return (
        f"{draw(st.sampled_from(['', 'async ']))}def{draw(_line_gap)}{name}"
        f"{before_parenthesis}({draw(_bracket_gap)}"
        f"{draw(_param)}{draw(_annotation)},{draw(_bracket_gap)}{draw(_param)}{draw(_annotation)}"
        f"{draw(_bracket_gap)}):\n    pass\n"
    )


@settings(max_examples=300, deadline=None)
@given(_def_lines())
def test_prepass_is_a_superset_for_generated_signatures(text):
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        assume(False)  # e.g. a default before a plain parameter
    if ModuleAnalysis(module, "m.py", Config()).entry_points:
        assert might_have_entry_point(text), text
