"""LAM203 import-in-handler: import statements that run on the invocation path."""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, bound_by, dotted_name, free_names
from lambdalint.catalog import LOADED_WITH, STARTUP
from lambdalint.model import SAFE, UNSAFE, Fix, RawFinding
from lambdalint.project.imports import dotted_prefixes
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common
from lambdalint.rules._restore import init_call_targets, init_nodes

# Code that changes what a later import does (the env vars a library reads when imported,
# the search path); an import moved above it would behave differently.
_IMPORT_ENVIRONMENT = {
    "os.environ.update",
    "os.environ.setdefault",
    "os.putenv",
    "os.chdir",
    "sys.path.append",
    "sys.path.insert",
    "sys.path.extend",
    "site.addsitedir",
    "importlib.invalidate_caches",
}


class ImportInHandler(Rule):
    code = "LAM203"
    name = "import-in-handler"
    summary = "An `import` statement runs on the invocation path instead of at module level (Init)."
    why = """
        Importing a module executes it: a heavy dependency (pandas, numpy, an ML framework,
        even `boto3`) takes hundreds of milliseconds to seconds. Imported at module level,
        that work happens during Init, once per execution environment, where provisioned
        concurrency and SnapStart can pay it before any request arrives. Imported inside the
        handler, it lands on the first request each environment serves, inflating exactly
        the latency users notice; later invocations still pay a `sys.modules` lookup.

        Since 1 August 2025 AWS bills the Init phase too, so the point is not that Init is
        free: the import costs the same either way, but at module level it is done before a
        request waits on it. A deliberately lazy import (an optional dependency inside
        `try/except ImportError`, a module only some routes need) is still reported, because
        the cost still lands on a request; its fix is marked unsafe. Imports under
        `if TYPE_CHECKING:` never run and are not reported, and neither are imports of a
        module that is already loaded before the handler runs: imported during Init (at
        module level, or in a function that module-level code calls, such as the `__init__`
        of a module-level client manager and the methods it calls; not inside a `try` that
        carries on after a failure, where the import may have failed) by a module that this
        function's Init loads (the handler's module, a module that imports it, such as the
        app module of a route, and what those import at Init; another function of the
        project loads its own modules in its own environment), loaded by the interpreter
        itself, or loaded by
        a library imported at Init (`import logging` loads `traceback`, `import boto3` loads
        `botocore.exceptions`, `import requests` loads `requests.adapters`; the catalogue
        holds what was measured). Such a statement is a
        dictionary lookup and moves no cost onto a request.
    """
    fix_safety = """
        Moving a plain `import x` / `from x import y` that sits at the top level of the
        function body to the module's import block is **safe** when the names it binds are
        free at module level (or already bound there by the same import, in which case the
        statement is just removed): only the moment of the import changes. It is **unsafe**
        inside `try`, `if`, loops or `with` (often a deliberate optional or lazy import, and
        an `ImportError` would now stop Init), for relative imports (they can be there to
        break an import cycle), and when the function or the module changes `os.environ` or
        `sys.path` before the import. No fix is offered when the name means something else
        at module level.
    """
    valid = [
        Valid(
            """
            import pandas as pd


            def lambda_handler(event, context):
                frame = pd.DataFrame(event["rows"])
                return {"total": float(frame["amount"].sum())}
            """
        ),
        Valid(
            """
            from typing import TYPE_CHECKING


            def handler(event, context):
                if TYPE_CHECKING:
                    from mypy_boto3_s3 import S3Client
                return {"ok": True}
            """
        ),
        Valid(
            """
            def main():
                import argparse  # a command-line script, not a handler

                argparse.ArgumentParser().parse_args()
            """
        ),
        Valid(
            """
            import json

            import boto3


            def handler(event, context):
                import json  # already loaded at Init: a dictionary lookup
                from botocore.exceptions import ClientError  # loaded by `import boto3`

                try:
                    return json.dumps(boto3.client("s3").list_buckets())
                except ClientError:
                    return "{}"
            """
        ),
        Valid(
            """
            class SearchClient:
                def __init__(self):
                    self._client = None
                    self._connect()

                def _connect(self):
                    from opensearchpy import OpenSearch  # runs at Init: `search` below

                    self._client = OpenSearch(hosts=["search.internal"])

                def get(self):
                    if self._client is None:
                        self._connect()
                    return self._client


            search = SearchClient()


            def handler(event, context):
                from opensearchpy.exceptions import NotFoundError  # loaded with it at Init

                try:
                    return search.get().get(index="docs", id=event["id"])
                except NotFoundError:
                    return None
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import boto3


            def lambda_handler(event, context):
                import pandas as pd

                frame = pd.DataFrame(event["rows"])
                return {"total": float(frame["amount"].sum())}
            """,
            lines=(5,),
            fixed="""
            import boto3
            import pandas as pd


            def lambda_handler(event, context):
                frame = pd.DataFrame(event["rows"])
                return {"total": float(frame["amount"].sum())}
            """,
        ),
        Invalid(
            """
            import logging

            logger = logging.getLogger()


            def handler(event, context):
                try:
                    import orjson as json_lib
                except ImportError:
                    import json as json_lib
                logger.info("serialising")
                return json_lib.dumps(event)
            """,
            lines=(8, 10),
            fixed="""
            import logging

            logger = logging.getLogger()

            try:
                import orjson as json_lib
            except ImportError:
                import json as json_lib


            def handler(event, context):
                logger.info("serialising")
                return json_lib.dumps(event)
            """,
        ),
        Invalid(
            """
            import json


            def render(rows):
                from jinja2 import Template

                return Template("{{ rows|length }}").render(rows=rows)


            def handler(event, context):
                import csv

                return json.dumps({"html": render(event["rows"]), "sep": csv.excel.delimiter})
            """,
            lines=(5, 11),
            fixed="""
            import json
            from jinja2 import Template
            import csv


            def render(rows):
                return Template("{{ rows|length }}").render(rows=rows)


            def handler(event, context):
                return json.dumps({"html": render(event["rows"]), "sep": csv.excel.delimiter})
            """,
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Import, cst.ImportFrom):
                if _under_type_checking(site) or self._already_loaded(site.node, fn):
                    continue
                yield self._finding(site, fn)

    def _already_loaded(self, node, fn: Function) -> bool:
        """Every module the statement names is in `sys.modules` before the handler runs, in
        every function whose invocation path holds `fn`: the statement is a dictionary
        lookup and moves no cost onto the request."""
        wanted: List[Optional[str]]
        if isinstance(node, cst.ImportFrom):
            dots = "." * len(node.relative)
            if node.module is not None:
                wanted = [dots + (dotted_name(node.module) or "")]
            elif isinstance(node.names, cst.ImportStar):
                return False
            else:  # `from . import service`: each name is a submodule (or the package's)
                wanted = [dots + (dotted_name(alias.name) or "") for alias in node.names]
            if dots and any(w == dots for w in wanted):
                return False
        else:
            wanted = [dotted_name(alias.name) for alias in node.names]
        if any(name is None for name in wanted):
            return False
        project = self.analysis.project
        layout = project.layout
        # a module of the project is loaded when Init imports its file; a library, when an
        # import at Init names it (or loads it, as the catalogue measured)
        files = {name: layout.resolve(name, self.analysis.real_path) if layout is not None else None for name in wanted}
        if isinstance(node, cst.ImportFrom) and node.module is None and layout is not None:
            # a name that is no submodule is an attribute of the package, loaded with it
            package = layout.resolve("." * len(node.relative), self.analysis.real_path)
            files = {name: found or package for name, found in files.items()}
        if any(files[name] is None and name not in _loaded_by_any_init(project) for name in wanted):
            return False  # no Init of the project loads it (the usual case: nothing more to ask)
        entries = _entry_modules_reaching(project).get(fn) or [self.analysis]
        for module in entries:
            init_files = _init_files_of(project, module)
            names = _loaded_at_init_of(project, module)
            if not all(files[name] in init_files if files[name] else name in names for name in wanted):
                return False
        return True

    def _finding(self, site: Site, fn: Function) -> RawFinding:
        code = _common.snippet(self.analysis.module, site.node.with_changes(semicolon=cst.MaybeSentinel.DEFAULT))
        where = f"`{fn.qualname}`"
        if self.analysis.settings_for(fn).snapstart:
            message = (
                f"`{code}` runs inside {where} on the invocation path: this function uses "
                "SnapStart, which pre-pays imports done at Init (they are in the snapshot), but "
                "this one lands on the first request of every restored environment"
            )
        else:
            message = (
                f"`{code}` runs inside {where} on the invocation path: the import cost lands on "
                "a request instead of Init, where provisioned concurrency and SnapStart can pre-pay it"
            )
        lazy = _optional_import(site)
        if lazy:
            suggestion = (
                f"Move `{code}` to the top of the module; it looks like an optional import "
                f"(inside `try/except {lazy}`), so move the whole `try/except` with it and set "
                "the fallback there."
            )
        else:
            suggestion = f"Move `{code}` out of {where} to the import block at the top of the module."
        clashes = [
            local
            for local, target in _bindings(site.node)
            if self.analysis.aliases.get(local, target) != target
            or (local not in self.analysis.aliases and not self.analysis.is_module_name_free(local))
        ]
        if clashes:
            names = ", ".join(f"`{n}`" for n in clashes)
            suggestion += f" {names} already means something else at module level: rename one first."
        return self.report(site.node, message, suggestion, fn, self._fix(site, fn, code))

    def _fix(self, site: Site, fn: Function, code: str) -> Optional[Fix]:
        analysis = self.analysis
        node = site.node
        statement = site.statement()
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        if _optional_import(site):
            return self._hoist_try_fix(site, fn)
        bindings = _bindings(node)
        if not bindings:
            return None
        for local, target in bindings:
            if (
                _rebound_nearby(fn, local)
                or sum(1 for s in fn.iter(cst.Import, cst.ImportFrom) if local in dict(_bindings(s.node))) > 1
            ):
                return None
            existing = analysis.aliases.get(local)
            if local in analysis.module_bindings or (existing is None and not analysis.is_module_name_free(local)):
                return None  # assigned at module level too (`yaml = None` fallback, a constant)
            if existing is not None and existing != target:
                return None  # the module-level name is another module or object
        source = _statement_source(node, statement)
        from lambdalint.fixer import has_import  # here: fixer imports libcst eagerly (see _lazy)

        already = has_import(analysis.module, source)
        unsafe = (
            site.in_control_flow()
            or (isinstance(node, cst.ImportFrom) and bool(node.relative))
            or self._environment_changed_before(fn)
            or self._has_star_import()
        )
        if len(statement.body) == 1:
            edits = _common.remove_statement_edits(site, statement)
        else:
            edits = {node: cst.RemoveFromParent()}
        return Fix(
            applicability=UNSAFE if unsafe else SAFE,
            description=f"move `{code}` to the module's imports",
            edits=edits,
            imports=[] if already else [source],
        )

    def _hoist_try_fix(self, site: Site, fn: Function) -> Optional[Fix]:
        """An optional import keeps its fallback: the whole `try/except ImportError` (at the
        top level of the function body, holding only imports and simple assignments) moves
        to module level."""
        analysis = self.analysis
        block = site.ancestors[1] if len(site.ancestors) > 1 else None
        if not isinstance(block, cst.Try) or site.ancestors[0] is not fn.node.body:
            return None
        if block.orelse is not None or block.finalbody is not None:
            return None
        inner = [id(n) for n in _common.walk_nodes(block)]
        for name in bound_by(block):
            if not analysis.is_module_name_free(name) or name in fn.globals_declared:
                return None
            if any(id(v) not in inner for v in fn.assigned.get(name, [])):
                return None
        own = set(bound_by(block))
        for node in _common.walk_nodes(block):
            if isinstance(node, cst.BaseCompoundStatement) and node is not block:
                return None
            if isinstance(node, cst.SimpleStatementLine):
                if not all(
                    isinstance(small, (cst.Import, cst.ImportFrom, cst.Pass, cst.Assign)) for small in node.body
                ):
                    return None
                reads = {n for small in node.body if isinstance(small, cst.Assign) for n in free_names(small.value)}
                if not all(_common.uses_only_module_names(analysis, cst.Name(n), fn, node) for n in reads - own):
                    return None
        return Fix(
            applicability=UNSAFE,
            description="move the optional import's `try/except` to module level",
            edits=_common.remove_statement_edits(site, block),
            module_statements=[block],
        )

    def _has_star_import(self) -> bool:
        """`from x import *` at module level may bind the same name: order would matter."""
        return any(
            isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
            for stmt in self.analysis.module.body
            if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body
        )

    def _environment_changed_before(self, fn: Function) -> bool:
        """The function or module-level code sets env vars / sys.path an import may read."""
        analysis = self.analysis
        for site in fn.sites:
            if _changes_environment(analysis, site.node, fn):
                return True
        for stmt in analysis.module.body:
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                continue
            for node in _common.walk_nodes(stmt):
                if _changes_environment(analysis, node, None):
                    return True
        return False


def _changes_environment(analysis, node, fn: Optional[Function]) -> bool:
    if isinstance(node, cst.Call):
        return analysis.qualified_name(node.func, fn) in _IMPORT_ENVIRONMENT
    if isinstance(node, (cst.Assign, cst.AugAssign, cst.Del)):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        return any(
            isinstance(t, cst.Subscript)
            and analysis.qualified_name(t.value, fn) == "os.environ"
            or analysis.qualified_name(t, fn) == "sys.path"
            for t in targets
        )
    return False


def _loaded_by_any_init(project) -> Set[str]:
    """What the Init of any entry point of the project may load (a superset of each one's)."""
    return project.remember("loaded_by_any_init", lambda: _modules_loaded_by(project.modules.values()))


def _loaded_at_init_of(project, entry_module) -> Set[str]:
    """The modules in `sys.modules` once Init has run for a function whose entry point is in
    `entry_module`: the interpreter's own, what the module-level imports name (with their
    parent packages) in the modules that Init imports, and what the catalogue measured
    those libraries to load.  Init imports the handler's module and, at module level, what
    it imports; the handler's module is any module that imports `entry_module` (a route's
    module is imported by the app's), or that module itself.  Another function of the same
    project loads its own modules in its own environment."""

    def compute() -> Set[str]:
        files = _init_files_of(project, entry_module)
        return _modules_loaded_by(project.modules[real] for real in files if real in project.modules)

    return project.remember(f"loaded_at_init:{entry_module.real_path}", compute)


def _init_files_of(project, entry_module) -> Set[str]:
    """The project modules (real paths) that Init imports for a function whose entry point
    is in `entry_module`."""

    def compute() -> Set[str]:
        imports, importers = project.remember("init_imports", lambda: _init_import_graph(project))
        roots = _closure({entry_module.real_path}, importers)
        return _closure(roots, imports)

    return project.remember(f"init_files:{entry_module.real_path}", compute)


def _closure(start: Set[str], edges: Dict[str, Set[str]]) -> Set[str]:
    seen = set(start)
    todo = list(start)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _init_import_graph(project) -> Tuple[Dict[str, Set[str]], Dict[str, Set[str]]]:
    """(real path -> the project modules it imports at Init, and the reverse).
    Imports inside a `try` count: a module of the project is in the deployment package, so
    the import succeeds unless what that module imports is missing, and then its libraries
    are not loaded anyway."""
    graph: Dict[str, Set[str]] = {}
    importers: Dict[str, Set[str]] = {}
    layout = project.layout
    for real, module in project.modules.items():
        targets = graph.setdefault(real, set())
        if layout is None:
            continue  # a module linted alone imports no project module
        for dotted, importer in _init_imports(module)[1]:
            found = layout.resolve(dotted, importer)
            if found is not None and found != real:
                targets.add(found)
                importers.setdefault(found, set()).add(real)
    return graph, importers


def _init_imports(module) -> Tuple[FrozenSet[str], Tuple[Tuple[str, str], ...]]:
    """What `module`'s Init code imports, walked once per module: (the absolute names
    certainly imported, with their parent packages; every name an import may load, relative
    ones with their dots, each with the real path of the file it resolves from, for finding
    the project modules it imports).  Init code is the module-level code and the functions
    it calls, with what they call: `manager = Manager()` runs the imports of
    `Manager.__init__` and of the methods that it calls during Init."""

    def compute() -> Tuple[FrozenSet[str], Tuple[Tuple[str, str], ...]]:
        certain: Set[str] = set()
        candidates: List[Tuple[str, str]] = []

        def add(node, ancestors, real_path: str, may_fail: bool) -> None:
            candidates.extend((name, real_path) for name in _imported_names(node))
            if may_fail or _may_have_failed(ancestors) or _type_checking_only(ancestors):
                return  # an optional import that may have failed: tried again later
            if isinstance(node, cst.Import):
                names = [dotted_name(alias.name) for alias in node.names]
            elif not node.relative and node.module is not None:
                names = [dotted_name(node.module)]
            else:
                return
            for name in names:
                certain.update(dotted_prefixes(name or ""))

        for node, ancestors in init_nodes(module):
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                add(node, ancestors, module.real_path, False)
        reached: Dict[Function, bool] = {}  # function -> every Init call of it may have failed
        for target, ancestors in init_call_targets(module):
            may_fail = _may_have_failed(ancestors)
            for fn in target.module.reachable_from(target):
                reached[fn] = reached.get(fn, True) and may_fail
        for fn, may_fail in reached.items():
            for site in fn.iter(cst.Import, cst.ImportFrom):
                add(site.node, site.ancestors, fn.module.real_path, may_fail)
        return frozenset(certain), tuple(dict.fromkeys(candidates))

    return module.remember("lam203_init_imports", compute)


def _may_have_failed(ancestors) -> bool:
    """Code under these ancestors (outermost first) may fail without stopping Init: it sits
    in a `try` that goes on after the failure.  The body of a `try` whose every handler
    raises again does not: if it fails, Init fails, and no handler runs."""
    for i, anc in enumerate(ancestors):
        if not isinstance(anc, (cst.Try, cst.TryStar)):
            continue
        inside = ancestors[i + 1] if i + 1 < len(ancestors) else None
        if inside is not anc.body or not anc.handlers or not all(_raises_again(h) for h in anc.handlers):
            return True
    return False


def _raises_again(handler) -> bool:
    """The `except` block ends with a `raise`."""
    body = handler.body.body
    last = body[-1] if body else None
    return isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Raise)


def _imported_names(node) -> List[str]:
    """The dotted names an import statement may load, relative ones with their dots."""
    out: List[str] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            out.extend(dotted_prefixes(dotted_name(alias.name) or ""))
        return out
    if not isinstance(node, cst.ImportFrom):
        return []
    module = (dotted_name(node.module) or "") if node.module is not None else ""
    base = "." * len(node.relative) + module
    if node.relative:
        out.append(base)
    else:
        out.extend(dotted_prefixes(module))  # `from a.b import c` runs `a` and `a.b` first
    if not isinstance(node.names, cst.ImportStar):
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            out.append(base + name if base.endswith(".") else f"{base}.{name}")  # may be a submodule
    return out


def _entry_modules_reaching(project) -> Dict[Function, List]:
    """For each function on the invocation path, the modules of the entry points whose path
    holds it."""

    def compute() -> Dict[Function, List]:
        found: Dict[Function, List] = {}
        for entry in project.entry_points:
            module = entry.function.module
            for fn in module.calls.reachable_from(entry.function):
                modules = found.setdefault(fn, [])
                if module not in modules:
                    modules.append(module)
        return found

    return project.remember("entry_modules_reaching", compute)


def _modules_loaded_by(modules: Iterable) -> Set[str]:
    loaded = set(STARTUP)
    for module in modules:
        loaded |= _init_imports(module)[0]
    for library in [name for name in loaded if name in LOADED_WITH]:
        loaded |= LOADED_WITH[library]
    return loaded


def _under_type_checking(site: Site) -> bool:
    return _type_checking_only(site.ancestors)


def _type_checking_only(ancestors) -> bool:
    """Code under `if TYPE_CHECKING:`, which never runs."""
    for anc in ancestors:
        if isinstance(anc, cst.If):
            name = dotted_name(anc.test) or ""
            if name == "TYPE_CHECKING" or name.endswith(".TYPE_CHECKING"):
                return True
    return False


def _optional_import(site: Site) -> Optional[str]:
    """The exception name when the import sits in a `try` that catches a failed import."""
    for anc in site.ancestors:
        if isinstance(anc, (cst.Try, cst.TryStar)):
            for handler in anc.handlers:
                caught = [handler.type] if handler.type is not None else []
                if caught and isinstance(caught[0], cst.Tuple):
                    caught = [e.value for e in caught[0].elements]
                for exc in caught:
                    name = dotted_name(exc) or ""
                    if name.split(".")[-1] in ("ImportError", "ModuleNotFoundError"):
                        return name.split(".")[-1]
                if handler.type is None:
                    return "…"
    return None


def _bindings(node) -> List[Tuple[str, str]]:
    """(local name, what it refers to) for each name the import binds, in the same
    notation as `ModuleAnalysis.aliases`."""
    out: List[Tuple[str, str]] = []
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                return []
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                out.append((alias.asname.name.value, full))
            else:
                top = full.split(".")[0]
                out.append((top, top))
    elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
        module = "." * len(node.relative) + (dotted_name(node.module) or "")
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                return []
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            out.append((local, f"{module}.{name}" if module else name))
    return out


def _rebound_nearby(fn: Function, name: str) -> bool:
    """The function, or one it is nested in, also binds `name` another way, so a
    module-level import would not be what the code reads."""
    if (
        name in fn.assigned
        or name in fn.params
        or name in fn.extra_params
        or name in fn.globals_declared
        or name in fn.nonlocals_declared
    ):
        return True
    scope = fn.parent
    while scope is not None:
        if scope.is_local(name):
            return True
        scope = scope.parent
    return False


def _statement_source(node, statement) -> str:
    """The import as a line of its own; a line it had alone keeps its comments."""
    line = cst.SimpleStatementLine(body=[node.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
    if len(statement.body) == 1:
        comments = [
            cst.EmptyLine(indent=False, comment=c.comment) for c in statement.leading_lines if c.comment is not None
        ]
        line = line.with_changes(leading_lines=comments, trailing_whitespace=statement.trailing_whitespace)
    return cst.Module(body=[line]).code.strip()
