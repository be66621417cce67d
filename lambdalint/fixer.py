"""Apply the fixes rules propose: node replacements plus statements hoisted to module level."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from lambdalint.analysis import bound_by, dotted_name, free_names
from lambdalint.model import Fix


class _Replace(cst.CSTTransformer):
    def __init__(self, edits: Dict[cst.CSTNode, object], on_path: Optional[Set[int]] = None) -> None:
        super().__init__()
        self.edits = edits
        # ids of the edited nodes and their ancestors, when known: the only nodes whose
        # children can change, so the rest of a function is never descended into
        self.on_path = on_path

    def on_visit(self, node) -> bool:
        return self.on_path is None or id(node) in self.on_path

    def on_leave(self, original_node, updated_node):
        if isinstance(original_node, cst.IndentedBlock):
            updated_node = self._close_gap(original_node, updated_node)
        replacement = self.edits.get(original_node)
        if replacement is None:
            return updated_node
        if callable(replacement):  # a function of the updated node (for nested edits)
            return replacement(updated_node)
        return replacement

    def _close_gap(self, original_node, updated_node):
        """When the statements opening a block are removed, the blank lines that separated
        them from the rest go too (no empty line right below a `def`)."""
        first = original_node.body[0] if original_node.body else None
        if not isinstance(self.edits.get(first), cst.RemovalSentinel) or not updated_node.body:
            return updated_node
        head = updated_node.body[0]
        lines = list(head.leading_lines)
        while lines and lines[0].comment is None:
            lines.pop(0)
        return updated_node.with_changes(body=[head.with_changes(leading_lines=lines), *updated_node.body[1:]])


def _is_import(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
    )


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def import_block_end(body: Sequence[cst.CSTNode]) -> int:
    """Index just after the module's leading docstring and import block."""
    end = 0
    for index, stmt in enumerate(body):
        if _is_import(stmt) or (index == 0 and _is_docstring(stmt)):
            end = index + 1
        elif isinstance(stmt, cst.If) or isinstance(stmt, cst.Try):
            continue  # `if TYPE_CHECKING:` / `try: import x` blocks between imports
        else:
            break
    return end


def has_import(module: cst.Module, name: str) -> bool:
    """`name` is a module name (`functools`) or an import statement (`from x import y`,
    possibly with its comments);
    true when the module already has it at top level (every name the statement binds)."""
    if not _is_module_name(name):
        wanted = _import_bindings(cst.parse_statement(name))
        present: Set[tuple] = set()
        for stmt in module.body:
            present |= _import_bindings(stmt)
        return wanted <= present
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Import) and any(
                    isinstance(a.name, cst.Name) and a.name.value == name and a.asname is None for a in small.names
                ):
                    return True
    return False


def top_level_index(module: cst.Module, node: cst.CSTNode) -> int:
    """Index of the module-level statement that contains `node` (by identity)."""
    index = _statement_of(module)[0].get(id(node))
    if index is not None:
        return index
    for index, stmt in enumerate(module.body):  # punctuation and whitespace are not indexed
        if stmt is node or _contains(stmt, node):
            return index
    return len(module.body)


def _contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    stack = [tree]
    while stack:
        current = stack.pop()
        if current is node:
            return True
        stack.extend(current.children)
    return False


def apply(module: cst.Module, fixes: Sequence[Fix], anchors: Sequence[cst.CSTNode]) -> cst.Module:
    """Apply `fixes` together.  `anchors[i]` is the node of fix i's finding: statements
    it hoists go right before the module-level statement that contains it, where every
    module-level name the function could see is already bound."""
    edits: Dict[cst.CSTNode, object] = {}
    for fix in fixes:
        edits.update(fix.edits)
    hoisted: Dict[cst.CSTNode, List[cst.CSTNode]] = {}
    for fix, anchor in zip(fixes, anchors):
        for stmt in fix.module_statements:
            index = hoist_index(module, stmt, top_level_index(module, anchor))
            if index < len(module.body):
                hoisted.setdefault(module.body[index], []).append(stmt)
    for target, statements in hoisted.items():
        edits[target] = _prepend(statements, edits.get(target))
    result = _replace(module, edits) if edits else module
    for name in sorted({name for fix in fixes for name in fix.imports}):
        if not has_import(result, name):
            result = add_import(result, name)
    return result


# The module-level statement index and the parent of every node of the last module seen:
# a fix diff per finding asks for them again and again.  Modules are immutable, so they
# never go stale; only one is kept (the file being checked).
_STATEMENT_OF: Dict[int, Tuple[cst.Module, Dict[int, int], Dict[int, int]]] = {}


def _statement_of(module: cst.Module) -> Tuple[Dict[int, int], Dict[int, int]]:
    """(node id -> index of the module-level statement holding it, node id -> its parent's
    id), for the nodes `_cstfast.children` reaches (no whitespace or punctuation)."""
    cached = _STATEMENT_OF.get(id(module))
    if cached is not None and cached[0] is module:
        return cached[1], cached[2]
    from lambdalint._cstfast import walk

    index_of: Dict[int, int] = {}
    parent_of: Dict[int, int] = {}

    class _Index:
        current = 0
        stack: List[int] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            key = id(node)
            index_of[key] = self.current
            if self.stack:
                parent_of[key] = self.stack[-1]
            self.stack.append(key)
            return True

        def on_leave(self, node: cst.CSTNode) -> None:
            self.stack.pop()

    indexer = _Index()
    for index, stmt in enumerate(module.body):
        indexer.current = index
        walk(stmt, indexer)
    _STATEMENT_OF.clear()
    _STATEMENT_OF[id(module)] = (module, index_of, parent_of)
    return index_of, parent_of


def _replace(module: cst.Module, edits: Dict[cst.CSTNode, object]) -> cst.Module:
    """`module.visit(_Replace(edits))`, visiting only the statements that hold an edit and,
    in them, only the edited nodes and their ancestors."""
    statement_of, parent_of = _statement_of(module)
    touched: Set[int] = set()
    on_path: Set[int] = set()
    for node in edits:
        index = statement_of.get(id(node))
        if index is None:  # the module itself, or punctuation: do it the long way
            return module.visit(_Replace(edits))
        touched.add(index)
        key: Optional[int] = id(node)
        while key is not None and key not in on_path:
            on_path.add(key)
            key = parent_of.get(key)
    replacer = _Replace(edits, on_path)
    body: List[cst.CSTNode] = []
    for index, stmt in enumerate(module.body):
        if index not in touched:
            body.append(stmt)
            continue
        new = stmt.visit(replacer)
        if isinstance(new, cst.FlattenSentinel):
            body.extend(new.nodes)
        elif not isinstance(new, cst.RemovalSentinel):
            body.append(new)
    return module.with_changes(body=body)


def hoist_index(module: cst.Module, stmt: cst.CSTNode, limit: int) -> int:
    """Where a hoisted statement goes: before the first def/class that follows the imports
    and every module-level binding it reads, and never after `limit` (the statement that
    contains the code it came from, where all those names were already visible)."""
    needed = set(free_names(stmt))
    earliest = import_block_end(module.body)
    for index, top in enumerate(module.body[:limit]):
        if needed & set(bound_by(top)):
            earliest = max(earliest, index + 1)
    for index in range(earliest, limit):
        if isinstance(module.body[index], (cst.FunctionDef, cst.ClassDef)):
            return index
    return limit


def _prepend(statements: List[cst.CSTNode], prior: object):
    def edit(updated: Any):
        if prior is not None:
            updated = prior(updated) if callable(prior) else prior
        new = []
        for position, stmt in enumerate(statements):
            comments = [line for line in getattr(stmt, "leading_lines", ()) if line.comment]
            blank = [cst.EmptyLine()] if position == 0 else []
            defs = (cst.FunctionDef, cst.ClassDef)
            if isinstance(stmt, defs) or (position and isinstance(statements[position - 1], defs)):
                blank = [cst.EmptyLine(), cst.EmptyLine()]  # PEP 8: defs apart by two lines
            new.append(stmt.with_changes(leading_lines=blank + comments))
        if isinstance(updated, cst.FlattenSentinel):
            return cst.FlattenSentinel([*new, *updated.nodes])
        if isinstance(updated, cst.RemovalSentinel):
            return cst.FlattenSentinel(new)
        return cst.FlattenSentinel([*new, updated])

    return edit


def _is_module_name(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _import_bindings(stmt: cst.CSTNode) -> Set[tuple]:
    """(local name, what it is bound to) for each name a top-level import line binds."""
    out: Set[tuple] = set()
    if not isinstance(stmt, cst.SimpleStatementLine):
        return out
    for small in stmt.body:
        if isinstance(small, cst.Import):
            for alias in small.names:
                full = dotted_name(alias.name) or ""
                if alias.asname is not None:
                    out.add((dotted_name(alias.asname.name), full))
                else:
                    out.add((full, full))  # `import a.b` makes a.b reachable
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            module = "." * len(small.relative) + (dotted_name(small.module) or "")
            for alias in small.names:
                name = dotted_name(alias.name) or ""
                local = dotted_name(alias.asname.name) if alias.asname is not None else name
                out.add((local, f"{module}:{name}"))
    return out


def add_import(module: cst.Module, name: str) -> cst.Module:
    """Add `import name`, or the import statement `name` ("from x import y", "import a as
    b"), at the end of the leading import block (after the docstring when there is none)."""
    body = list(module.body)
    if not _is_module_name(name):
        stmt = cst.parse_statement(name)
    else:
        stmt = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(name))])])
    index = import_block_end(body)
    if not any(_is_import(s) for s in body[:index]) and index < len(body):
        # A new import block: keep it apart from the code after it (and the docstring).
        if index > 0:
            stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
        following = body[index]
        if not any(line.comment is None for line in following.leading_lines):
            blank = [cst.EmptyLine()] * (2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1)
            body[index] = following.with_changes(leading_lines=[*blank, *following.leading_lines])
    body.insert(index, stmt)
    return module.with_changes(body=body)


def conflicts(a: Fix, b: Fix) -> bool:
    """Two fixes conflict when one edits a node the other edits or contains."""
    nodes_a, nodes_b = list(a.edits), list(b.edits)
    if any(x is y or _contains(x, y) or _contains(y, x) for x in nodes_a for y in nodes_b):
        return True
    # Two statements hoisted under one name would shadow each other at module level.
    names_a = {n for stmt in a.module_statements for n in bound_by(stmt)}
    return any(n in names_a for stmt in b.module_statements for n in bound_by(stmt))
