"""The project model: which files are analysed together, found from cheap passes.

A finding in `handler.py` can depend on `services/db.py` (the client is built there) and the
other way round (what `handler.py` passes decides whether `db.py`'s parameter is invariant).
So files are grouped into *units*: the modules that can reach an entry point, connected by
imports.  The model is built without LibCST:

1. every Python file of the project gets the text pre-pass (`parsing.might_have_entry_point`,
   or a handler named by a template or the configuration): these are the *entry files*;
2. from the entry files, imports are followed into the project's own modules (a regular
   expression over the text, resolved with `SourceLayout`): the *reachable* files;
3. the reachable files, connected by imports in either direction, form the units; a unit is
   linted when it holds a linted file.

Files that no entry point can reach and that have no entry point themselves never reach
LibCST: a linted one only gets CPython's syntax check (the *light* files).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from lambdalint.project.layout import SourceLayout

FileRef = Tuple[str, str]  # (real path, display path)


@dataclass
class Unit:
    """Modules linted together; `linted` are the real paths whose findings are reported."""

    members: List[FileRef]
    linted: List[str]


@dataclass
class Plan:
    layout: SourceLayout
    units: List[Unit] = field(default_factory=list)
    light: List[FileRef] = field(default_factory=list)  # linted files nothing reaches (paths as found)
    entry_files: Set[str] = field(default_factory=set)  # real paths
    imports: Dict[str, List[str]] = field(default_factory=dict)  # real path -> project modules it imports

    def unit_of(self, real: str) -> Optional[Unit]:
        """The unit holding `real` (an index built on first use: flake8 asks once per file)."""
        index = self.__dict__.get("_unit_index")
        if index is None or index[0] != len(self.units):
            table: Dict[str, Unit] = {}
            for unit in self.units:
                for member, _ in unit.members:
                    table.setdefault(member, unit)
            index = self.__dict__["_unit_index"] = (len(self.units), table)
        return index[1].get(real)


def project_files(root: str, exclude: Sequence[str], cwd: str, settings_root: str) -> List[str]:
    """Every Python file of the project (tool folders, virtual environments and excludes
    skipped), as real paths inside the project."""
    from lambdalint.discovery import walk

    real_root = os.path.realpath(root)
    out = []
    for path in walk(root, exclude, cwd, root=settings_root):
        real = os.path.realpath(path)
        if real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep):
            out.append(real)
    return out


def build_plan(
    linted: Sequence[FileRef],
    others: Iterable[str],
    layout: SourceLayout,
    may_hold_entry_point: Callable[[str], Optional[bool]],
    imports_of: Callable[[str], List[str]],
    display: Callable[[str], str],
) -> Plan:
    """Group `linted` files and the project's `others` (real paths) into units.

    `may_hold_entry_point(real)` is the text pre-pass (None when the file cannot be read:
    the lint reports that); `imports_of(real)` the dotted names a file imports, asked only
    of the files an entry file reaches (most of a large tree never is)."""
    from lambdalint.files import RealPaths

    plan = Plan(layout)
    shown: Dict[str, str] = {}
    linted_real = []
    realpath = RealPaths()
    for path, display_path in linted:
        real = realpath(path)
        linted_real.append(real)
        shown.setdefault(real, display_path)
    for real in dict.fromkeys([*shown, *others]):
        if may_hold_entry_point(real):
            plan.entry_files.add(real)
    reached: Set[str] = set(plan.entry_files)
    todo = sorted(plan.entry_files)
    while todo:
        real = todo.pop()
        found = []
        for dotted in imports_of(real):
            target = layout.resolve(dotted, real)
            if target is not None and target != real and target not in found:
                found.append(target)
        plan.imports[real] = found
        for target in found:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    for component in _components(reached, plan.imports):
        linted_here = [real for real in component if real in shown]
        if linted_here:
            members = [(real, shown.get(real) or display(real)) for real in component]
            plan.units.append(Unit(members, linted_here))
    plan.light = [ref for ref, real in zip(linted, linted_real) if real not in reached]
    return plan


def _components(nodes: Set[str], edges: Dict[str, List[str]]) -> List[List[str]]:
    """Connected components of the import graph (either direction), each sorted, in the
    order of their first member."""
    parent = {node: node for node in nodes}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for source, targets in edges.items():
        for target in targets:
            if source in parent and target in parent:
                a, b = find(source), find(target)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: Dict[str, List[str]] = {}
    for node in sorted(nodes):
        groups.setdefault(find(node), []).append(node)
    return sorted(groups.values(), key=lambda members: members[0])
