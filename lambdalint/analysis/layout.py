"""Where things are in the module: statement order, free module-level names, positions.

Fixes that move code to module level ask these; positions are computed only for the nodes
that findings report (libcst's PositionProvider would cost several times the parse), and
only the module-level statements that hold them are generated again when the source and
the lines CPython's parser gave its statements are known.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis.nodes import bound_by, walk_defs

_NEWLINE = re.compile(r"\r\n?|\n")  # line ends as libcst counts them


class Layout:
    def __init__(self, analysis) -> None:
        self.analysis = analysis
        self._positions: Dict[cst.CSTNode, object] = {}
        self._top_index: Optional[Dict[int, int]] = None
        self._binding_index: Optional[Dict[str, int]] = None
        self._starts: Optional[Tuple[List[int], List[int]]] = None  # see _statement_starts
        self._starts_known = False  # _statement_starts was computed (its answer may be None)

    def top_level_index(self, node: cst.CSTNode) -> int:
        """Index of the module-level statement holding `node` (a def found by identity)."""
        body = self.analysis.module.body
        if self._top_index is None:
            self._top_index = {}
            for index, stmt in enumerate(body):
                self._top_index[id(stmt)] = index
                if isinstance(stmt, cst.ClassDef):
                    for inner in walk_defs(stmt):
                        self._top_index[id(inner)] = index
        for fn in self.analysis.functions.values():
            if fn.node is node:
                while fn.parent is not None:
                    fn = fn.parent
                return self._top_index.get(id(fn.node), len(body))
        return self._top_index.get(id(node), len(body))

    def module_binding_index(self, name: str) -> Optional[int]:
        """Index of the first module-level statement that binds `name`, if any."""
        if self._binding_index is None:
            self._binding_index = {}
            for index, stmt in enumerate(self.analysis.module.body):
                for bound in bound_by(stmt):
                    self._binding_index.setdefault(bound, index)
        return self._binding_index.get(name)

    def is_module_name_free(self, name: str) -> bool:
        """Nothing at module level (or via `global`) uses `name` yet."""
        analysis = self.analysis
        if self.module_binding_index(name) is not None or name in analysis.aliases:
            return False
        return not any(name in fn.globals_declared for fn in analysis.functions.values())

    def position(self, node: cst.CSTNode):
        """libcst's PositionProvider range of `node` (computed for reported nodes only)."""
        if node not in self._positions:
            self.resolve_positions([node])
        return self._positions[node]

    def resolve_positions(self, nodes: Iterable[cst.CSTNode]) -> None:
        """Compute the positions of `nodes` in one pass (call with every reported node)."""
        from lambdalint._cstfast import positions

        missing = [n for n in nodes if n not in self._positions]
        if missing:
            missing = self._resolve_by_statement(missing)
        if missing:
            self._positions.update(positions(self.analysis.module, missing))

    def _resolve_by_statement(self, nodes: List[cst.CSTNode]) -> List[cst.CSTNode]:
        """Positions of `nodes` from their own module-level statements' code only; returns
        the nodes left for a pass over the whole module.  A statement's code is compared
        with the source at the line it should start on, so a wrong line is never used."""
        from lambdalint._cstfast import statement_positions

        starts = self._statement_starts()
        if starts is None:
            return nodes
        line_starts, offsets = starts
        analysis = self.analysis
        body = analysis.module.body
        text = analysis.source[0]
        groups: Dict[int, List[cst.CSTNode]] = {}
        left: List[cst.CSTNode] = []
        for node in nodes:
            index = analysis.statement_of.get(id(node), -1)
            (groups.setdefault(index, []) if 0 <= index < len(body) else left).append(node)
        for index in sorted(groups):
            line = line_starts[index]
            found, code = statement_positions(analysis.module, body[index], groups[index], line)
            if 1 <= line <= len(offsets) and _same_code(text, offsets[line - 1], code, analysis.module):
                self._positions.update(found)
                left.extend(node for node in groups[index] if node not in found)
            else:
                left.extend(groups[index])
        return left

    def _statement_starts(self) -> Optional[Tuple[List[int], List[int]]]:
        """(the line each module-level statement's code starts on, its leading blank lines
        and comments included; the offset in the source of each line), or None when the
        source or CPython's view of it is unknown."""
        if not self._starts_known:
            self._starts_known = True
            self._starts = self._find_statement_starts()
        return self._starts

    def _find_statement_starts(self) -> Optional[Tuple[List[int], List[int]]]:
        source = self.analysis.source
        if source is None:
            return None
        text, lines = source
        if lines is None:  # not kept from the parse (a module given with its text): parse again
            from lambdalint.parsing import python_ast, statement_lines

            tree = python_ast(text)
            if tree is None:
                return None
            lines = statement_lines(tree)
        starts: List[int] = []
        count = 0  # CPython's statements so far: `a = 1; b = 2` is one line, two statements
        for stmt in self.analysis.module.body:
            if count >= len(lines):
                return None
            lead = len(stmt.leading_lines)
            decorators = getattr(stmt, "decorators", ())
            if decorators:  # the def's own leading lines come first, then the decorator's
                lead += len(decorators[0].leading_lines)
            starts.append(lines[count] - lead)
            count += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        if count != len(lines):
            return None
        offsets = [0]
        offsets.extend(match.end() for match in _NEWLINE.finditer(text))
        return starts, offsets


def _same_code(text: str, offset: int, code: str, module: cst.Module) -> bool:
    """`code` is the source at `offset`: where a file has no newline at its end, the code of
    its last statement has one more (libcst drops it from the module's code)."""
    if text.startswith(code, offset):
        return True
    newline = module.default_newline
    return (
        not module.has_trailing_newline
        and code.endswith(newline)
        and len(text) - offset == len(code) - len(newline)
        and text.startswith(code[: -len(newline)], offset)
    )
