"""`_cstfast` must agree exactly with libcst: the walk order of its visitor, and the ranges
of its PositionProvider (the analysis relies on both; they replaced libcst's for speed)."""

import dataclasses
import inspect
import json
import os
import sys
import threading

import libcst as cst
import pytest
from conftest import FIXTURES, fixture_files
from libcst.metadata import MetadataWrapper, PositionProvider

from lambdalint import _cstfast, parsing

TRICKY = '''\
import os, sys as system
from . import sibling
from .pkg.mod import (a as b,  # comment
    c)

@decorate(arg=lambda x=1: x)
@other
async def handler(event: "dict", context, /, *args, key=f"{os.sep!r:>{10}}", **kw) -> None:
    global counter
    y = [i async for i in aiter() if i] if event else {k: v for k, v in kw.items()}
    z = (yield)
    if (n := len(y)) > 1 and not z or -n:
        print(*args, sep="", **kw)
    match event:
        case {"key": [1, 2, *rest]} if rest:
            pass
        case Point(x=0, y=yy) | None:
            pass
        case _:
            pass
    try:
        pass
    except* ValueError as exc:
        raise RuntimeError() from exc
    with open("f") as f, open("g"):
        x: int = 1; x += 2
    del x
    return lambda: (yield_ := 3)


class Klass(Base, metaclass=Meta):
    @property
    def __call__(self, event, context): return self[1:2:3, ...]

values = \\
    [1,
     2]
\f
while True: break
else: pass
for a, *b in c: continue
assert x, "msg"
'''


def corpus():
    out = [("tricky.py", TRICKY), ("tricky_crlf.py", TRICKY.replace("\n", "\r\n"))]
    out += [(str(p.relative_to(FIXTURES)), p.read_text()) for p in fixture_files()]
    for module in (dataclasses, inspect, json.decoder, os):
        out.append((module.__name__, open(module.__file__, encoding="utf-8").read()))
    return out


TRIVIA = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Comment,
    cst.Newline,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.AssignEqual,
    cst.Asynchronous,
    cst.ParamSlash,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
    cst.ParamStar,
    cst.ImportStar,
)


class _Recorder(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_visit(self, node):
        self.events.append(("visit", node))
        return True

    def on_leave(self, original_node):
        self.events.append(("leave", original_node))


@pytest.mark.parametrize("name,text", corpus(), ids=[n for n, _ in corpus()])
def test_walk_matches_libcst_visit_order(name, text):
    module = cst.parse_module(text)
    reference, fast = _Recorder(), _Recorder()
    module.visit(reference)
    _cstfast.walk(module, fast)
    walked = {id(node) for _, node in fast.events}
    skipped = [node for _, node in reference.events if id(node) not in walked]
    assert all(isinstance(node, TRIVIA) for node in skipped), {type(n).__name__ for n in skipped}
    assert fast.events == [(kind, node) for kind, node in reference.events if id(node) in walked]


@pytest.mark.parametrize("name,text", corpus(), ids=[n for n, _ in corpus()])
def test_positions_match_position_provider(name, text):
    module = cst.parse_module(text)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = list(expected)
    assert _cstfast.positions(module, nodes) == dict(expected)
    # a few nodes at a time, as the engine asks for them (and the pass stops early)
    for node in nodes[:: max(1, len(nodes) // 40)]:
        assert _cstfast.positions(module, [node]) == {node: expected[node]}


@pytest.mark.parametrize("name,text", corpus(), ids=[n for n, _ in corpus()])
def test_module_code_matches_libcst(name, text):
    module = cst.parse_module(text)
    known = {}
    assert _cstfast.module_code(module, known, remember=True) == module.code == text
    assert _cstfast.module_code(module, known) == text  # from the remembered statements
    if module.body:  # one statement changed, the others reused
        changed = module.with_changes(body=[*module.body[:-1], cst.parse_statement("x = 1\n")])
        assert _cstfast.module_code(changed, known) == changed.code
    stripped = cst.parse_module(text.rstrip("\r\n"))
    assert _cstfast.module_code(stripped, {}, remember=True) == stripped.code


@pytest.mark.parametrize("name,text", corpus()[:3], ids=[n for n, _ in corpus()[:3]])
def test_children_are_libcst_children_without_trivia(name, text):
    walked = _Recorder()
    _cstfast.walk(cst.parse_module(text), walked)
    for _, node in walked.events:
        assert _cstfast.children(node) == [c for c in node.children if not isinstance(c, TRIVIA)]


def _by_statement_cases():
    out = list(corpus())
    out.append(("no_final_newline.py", TRICKY.rstrip("\n")))
    out.append(("comments_around_decorators.py", "\n# top\n\n@a\n\n# between\n@b\ndef f():\n    pass\n\n# end\n"))
    out.append(("semicolons.py", "import os; x = 1\ny = 2; z = (\n3)\nif x: pass\n"))
    return out


@pytest.mark.parametrize("name,text", _by_statement_cases(), ids=[n for n, _ in _by_statement_cases()])
def test_positions_by_statement_match_position_provider(name, text):
    """Layout generates only the module-level statements that hold the nodes asked for,
    starting at the lines CPython's parser gave them; the ranges are PositionProvider's."""
    from lambdalint.analysis import ModuleAnalysis
    from lambdalint.config import Config
    from lambdalint.parsing import parse_with_lines

    module, lines, error = parse_with_lines(text, name)
    assert error is None
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    for source in ((text, lines), (text, None)):  # lines from the parse, or found again
        analysis = ModuleAnalysis(module, name, Config(), source=source)
        nodes = [node for node in expected if id(node) in analysis.statement_of and node is not module]
        layout = analysis.layout
        assert layout._resolve_by_statement(nodes[::7]) == []  # no whole-module pass needed
        layout.resolve_positions(nodes)
        assert {node: layout.position(node) for node in nodes} == {node: expected[node] for node in nodes}


def test_positions_by_statement_fall_back_where_libcst_code_differs_from_the_source():
    """libcst regenerates `except OSError :` without the space: that statement's code is
    not the source, so its nodes are placed by the whole-module pass (libcst's view)."""
    from lambdalint.analysis import ModuleAnalysis
    from lambdalint.config import Config
    from lambdalint.parsing import parse_with_lines

    text = "x = 1\ntry:\n    pass\nexcept OSError :\n    y = 2\nz = 3\n"
    module, lines, _ = parse_with_lines(text, "quirk.py")
    assert module.code != text
    analysis = ModuleAnalysis(module, "quirk.py", Config(), source=(text, lines))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    first, in_try, last = module.body
    assert analysis.layout._resolve_by_statement([first, in_try, last]) == [in_try]
    analysis.resolve_positions([in_try.handlers[0].body])
    assert analysis.position(in_try.handlers[0].body) == expected[in_try.handlers[0].body]
    assert analysis.position(last) == expected[last]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs grammar this interpreter lacks")
def test_positions_without_cpython_lines_use_the_whole_module_pass():
    """A `type` statement (Python 3.12) parses with LibCST but not with an older CPython:
    no statement lines, so positions come from the whole-module pass, asked once."""
    from lambdalint.analysis import ModuleAnalysis
    from lambdalint.config import Config
    from lambdalint.parsing import parse_with_lines

    text = "type Alias = int\nx = make()\n"
    module, lines, error = parse_with_lines(text, "newer.py")
    assert error is None and lines is None
    analysis = ModuleAnalysis(module, "newer.py", Config(), source=(text, lines))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    call = module.body[1].body[0].value
    assert analysis.layout._resolve_by_statement([call]) == [call]
    assert analysis.layout._starts_known and analysis.layout._starts is None
    assert analysis.position(call) == expected[call]


@pytest.mark.parametrize("name,text", corpus(), ids=[n for n, _ in corpus()])
def test_unvalidated_parse_builds_the_same_tree_as_libcst(name, text):
    module = parsing.parse_unvalidated(text)
    assert module.deep_equals(cst.parse_module(text))
    assert module.code == text


def test_nodes_built_outside_the_parse_are_still_validated():
    parsing.parse_unvalidated("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    errors = []

    def build_in_another_thread():
        try:
            cst.Name("not a name")
        except cst.CSTValidationError as exc:
            errors.append(exc)

    parsing._UNVALIDATED.add(threading.get_ident())  # this thread "parsing"; another builds
    try:
        worker = threading.Thread(target=build_in_another_thread)
        worker.start()
        worker.join()
    finally:
        parsing._UNVALIDATED.discard(threading.get_ident())
    assert len(errors) == 1


def test_a_failed_unvalidated_parse_turns_validation_back_on():
    with pytest.raises(cst.ParserSyntaxError):
        parsing.parse_unvalidated("def (:\n")
    assert not parsing._UNVALIDATED
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
