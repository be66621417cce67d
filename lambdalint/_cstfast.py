"""Cheaper stand-ins for two libcst services the analysis needs.

`walk` drives a visitor over the semantic nodes in libcst's lexical order without
rebuilding every node (libcst's `CSTNode.visit` reconstructs each node it passes, which
costs about as much as the parse).  Whitespace, comments and punctuation are skipped:
they never hold code.

`positions` gives exactly what `libcst.metadata.PositionProvider` gives, but only for the
nodes asked for: one code generation pass that records token counts instead of building
a position for every node, and that stops after the last node needed.  With the line a
module-level statement starts on, `statement_positions` does the same for one statement.
"""

from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager, nullcontext
from operator import attrgetter
from typing import Callable, ContextManager, Dict, Iterable, Iterator, Optional, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange

# Fields that only ever hold whitespace, comments or punctuation.
_TRIVIA_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "leading_lines",
        "lines_after_decorators",
        "trailing_whitespace",
        "leading_whitespace",
        "comma",
        "semicolon",
        "header",
        "footer",
        "equal",
        "dot",
        "colon",
        "first_colon",
        "second_colon",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "operator",
        "asynchronous",
        "relative",
        "posonly_ind",
        "separator",
        "trailing_comma",
    }
)

# Where libcst's lexical (visit) order differs from the dataclass field order.
_LEXICAL_ORDER = {
    "IfExp": ("body", "test", "orelse"),
    "FunctionDef": ("decorators", "name", "type_parameters", "params", "returns", "body"),
    "ClassDef": ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    "Arg": ("keyword", "value"),
    "Parameters": ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    "ExceptHandler": ("type", "name", "body"),
    "ExceptStarHandler": ("type", "name", "body"),
    "MatchCase": ("pattern", "guard", "body"),
    "TypeAlias": ("name", "type_parameters", "value"),
}

_FIELDS: Dict[type, Callable[[cst.CSTNode], tuple]] = {}  # type -> getter of its fields' values


def _fields_of(node_type: type) -> Callable[[cst.CSTNode], tuple]:
    names = _LEXICAL_ORDER.get(node_type.__name__)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if not f.name.startswith("whitespace") and f.name not in _TRIVIA_FIELDS
        )
    if names:
        getter = attrgetter(*names)
        _FIELDS[node_type] = getter if len(names) > 1 else lambda node: (getter(node),)
    else:
        _FIELDS[node_type] = lambda node: ()
    return _FIELDS[node_type]


def walk(root: cst.CSTNode, visitor) -> None:
    """Call `visitor.on_visit(node)` / `visitor.on_leave(node)` like `root.visit(visitor)`."""
    on_visit, on_leave = visitor.on_visit, visitor.on_leave

    def visit(node) -> None:
        if on_visit(node):
            for child in children(node):
                visit(child)
        on_leave(node)

    visit(root)


def children(node: cst.CSTNode) -> list:
    """`node.children` without whitespace and punctuation, in the same order, without
    rebuilding `node` (libcst's `children` property does)."""
    out = []
    for value in (_FIELDS.get(type(node)) or _fields_of(type(node)))(node):
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                wanted = _IS_NODE.get(type(item))
                if wanted is None:
                    wanted = _is_node(type(item))
                if wanted:
                    out.append(item)
        else:
            wanted = _IS_NODE.get(kind)
            if wanted is None:
                wanted = _is_node(kind)
            if wanted:
                out.append(value)
    return out


# type -> is it a CSTNode (isinstance against libcst's ABCs is slow; types are few)
_IS_NODE: Dict[type, bool] = {}


def _is_node(kind: type) -> bool:
    _IS_NODE[kind] = result = issubclass(kind, cst.CSTNode)
    return result


_NOTHING_TO_RECORD = nullcontext()


class _Done(Exception):
    """Every requested position is known: stop generating code."""


class _PositionState(CodegenState):
    """Records token counts around the wanted nodes; positions come from them later."""

    def __init__(self, module: cst.Module, wanted: Iterable[cst.CSTNode]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = set(wanted)
        self.pending = len(self.wanted)
        self.helpers: set = set()  # start/end nodes a wanted node borrows its bounds from
        self.starts: list = []
        self.spans: Dict[cst.CSTNode, Tuple[int, int]] = {}  # syntactic, else whitespace-inclusive

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.starts.append(len(self.tokens))

    def pop_trailing_newline(self) -> None:
        pass  # positions are taken before the module drops its last newline, as in libcst

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.starts.pop()
        if node in self.wanted or node in self.helpers:
            if node not in self.spans:  # no syntactic position: the whitespace-inclusive one
                self.spans[node] = (start, len(self.tokens))
            if node in self.wanted:
                self.pending -= 1
                if self.pending <= 0:
                    raise _Done  # every record for a node happens inside its own codegen

    def record_syntactic_position(  # type: ignore[override]  # libcst's codegen only enters it
        self, node: cst.CSTNode, *, start_node: Optional[cst.CSTNode] = None, end_node: Optional[cst.CSTNode] = None
    ) -> ContextManager[None]:
        if node not in self.wanted and node not in self.helpers:
            return _NOTHING_TO_RECORD  # most nodes: no generator-based context manager to make
        return self._recording(node, start_node, end_node)

    @contextmanager
    def _recording(
        self, node: cst.CSTNode, start_node: Optional[cst.CSTNode], end_node: Optional[cst.CSTNode]
    ) -> Iterator[None]:
        for helper in (start_node, end_node):
            if helper is not None:
                self.helpers.add(helper)
        start = len(self.tokens)
        yield
        end = len(self.tokens)
        if start_node is not None:
            start = self.spans[start_node][0]
        if end_node is not None:
            end = self.spans[end_node][1]
        self.spans[node] = (start, end)  # the last record wins, as in libcst


_NEWLINE = re.compile(r"\r\n?|\n")


def positions(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> Dict[cst.CSTNode, CodeRange]:
    """`PositionProvider` ranges (1-based lines, 0-based columns) of `nodes` in `module`."""
    return _positions_in(module, module, nodes, 1)[0]


def statement_positions(
    module: cst.Module, statement: cst.CSTNode, nodes: Iterable[cst.CSTNode], first_line: int
) -> Tuple[Dict[cst.CSTNode, CodeRange], str]:
    """As `positions`, for nodes inside one module-level `statement` whose code (leading
    blank lines and comments included) starts at column 0 of `first_line`; with the code
    generated, up to the last of `nodes`, for the caller to check against the source."""
    return _positions_in(module, statement, nodes, first_line)


def _positions_in(module: cst.Module, root: cst.CSTNode, nodes: Iterable[cst.CSTNode], first_line: int):
    state = _PositionState(module, nodes)
    if state.wanted:
        try:
            root._codegen(state)
        except _Done:
            pass
    token_positions = _token_positions(state.tokens, {i for span in state.spans.values() for i in span}, first_line)
    found = {
        node: CodeRange(token_positions[start], token_positions[end])
        for node, (start, end) in state.spans.items()
        if node in state.wanted
    }
    return found, "".join(state.tokens)


def _token_positions(tokens: list, wanted: set, first_line: int = 1) -> Dict[int, CodePosition]:
    """Line and column before token `i`, for each wanted `i` (libcst's own arithmetic)."""
    out: Dict[int, CodePosition] = {}
    line, column = first_line, 0
    last = max(wanted, default=-1)
    for index, token in enumerate(tokens):
        if index > last:
            break
        if index in wanted:
            out[index] = CodePosition(line, column)
        if "\n" in token or "\r" in token:
            segments = _NEWLINE.split(token)
            line += len(segments) - 1
            column = len(segments[-1])
        else:
            column += len(token)
    if last >= len(tokens) or last not in out:
        for index in wanted:
            if index not in out:
                out[index] = CodePosition(line, column)
    return out


def module_code(module: cst.Module, known: Dict[int, Tuple[cst.CSTNode, str]], remember: bool = False) -> str:
    """`module.code`, reusing the text of module-level statements generated before.

    A fix changes one or two statements, and each finding's diff needs the whole new
    module's code: `known` (id -> (statement, text)) holds the original statements' text,
    filled when `remember` is true."""
    if not module.has_trailing_newline:
        return module.code  # the last token is dropped: generate it the ordinary way
    state = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
    for line in module.header:
        line._codegen(state)
    for stmt in module.body:
        seen = known.get(id(stmt))
        if seen is not None and seen[0] is stmt:
            state.tokens.append(seen[1])
            continue
        mark = len(state.tokens)
        stmt._codegen(state)
        if remember:
            known[id(stmt)] = (stmt, "".join(state.tokens[mark:]))
    for line in module.footer:
        line._codegen(state)
    if not state.tokens:
        state.add_token(state.default_newline)
    return "".join(state.tokens)
