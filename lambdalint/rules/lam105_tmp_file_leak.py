"""LAM105 tmp-file-leak: per-invocation files under /tmp that are never removed."""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Sequence, Set, Tuple

from lambdalint import catalog
from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, binding_scope, free_names, target_names
from lambdalint.analysis.nodes import argument
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common
from lambdalint.rules._flow import FunctionFlow, mentions

TMP = "/tmp"
ALWAYS_NEW = {  # temp files with random names; NamedTemporaryFile only with delete=False
    "tempfile.mkstemp": "file",
    "tempfile.mkdtemp": "directory",
    "tempfile.NamedTemporaryFile": "file",
}
PATH_JOINS = {
    "os.path.join",
    "posixpath.join",
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
    "pathlib.PurePosixPath",
    "str",
    "os.fspath",
}
TMP_DIRS = {"tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.gettempdirb"}
OPEN_LIKE = {"io.open", "gzip.open", "bz2.open", "lzma.open", "codecs.open"}
MAKE_DIRS = {"os.makedirs", "os.mkdir"}
PATH_WRITERS = {"write_text", "write_bytes", "touch", "mkdir"}
REMOVERS = {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree"}
PATH_REMOVERS = {"unlink", "rmdir"}
REMOVER_NAMES = {"remove", "unlink", "rmdir", "removedirs", "rmtree"}
SHELL_RUNNERS = {
    "os.system",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
}
_MAX_DEPTH = 6
_MODE = re.compile(r"^[rwaxbt+U]{1,4}$")


class TmpFileLeak(Rule):
    code = "LAM105"
    name = "tmp-file-leak"
    summary = "A file with a per-invocation name is created under /tmp on the invocation path and not removed."
    why = """
        `/tmp` (ephemeral storage, 512 MB by default, up to 10 GB) belongs to the execution
        environment, not to the invocation: what one request writes there is still there
        for every later warm invocation in the same environment. A file named after the
        request (an S3 key, a message id, a `uuid4()`, `tempfile.mkstemp()`) that is never
        removed adds up, one per request, until writes fail with
        `OSError: [Errno 28] No space left on device` -- in an environment that may have
        served thousands of requests and keeps being reused. The leftovers may also hold
        one customer's data where the next request can read it.

        Remove the file when you are done with it, in a `finally:` block, or let a context
        manager do it: `with tempfile.TemporaryDirectory() as tmp:` or
        `with tempfile.NamedTemporaryFile() as f:`.

        A file with a fixed name (a cache or model reused across invocations) is not a leak
        and is not flagged, nor are files only read from /tmp. A name is fixed when it is
        built only from what the deployment fixes: literals, environment variables,
        module-level constants, and the properties that a CloudFormation custom resource's
        event carries (`event["ResourceProperties"]`, `OldResourceProperties`), which the
        stack declares; every call for that resource writes the same file again. A removal that runs on the
        normal path after the work (not only in an `if`, a loop or an `except`, and not
        skipped by an earlier `return`) is accepted even though an exception before it would
        skip it; a `finally:` or a context manager also covers failed invocations. A helper
        that creates the file and returns its path (in the same module or another one of
        the project) leaves the removal to its callers: the finding is at the call that
        creates the file when a caller on the invocation path keeps the path and never
        removes it.
    """
    references = [
        (
            "Configure ephemeral storage for Lambda functions",
            "https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html",
        ),
        ("tempfile: TemporaryDirectory and NamedTemporaryFile", "https://docs.python.org/3/library/tempfile.html"),
    ]
    valid = [
        Valid(
            """
            import os

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                key = event["key"]
                path = f"/tmp/{os.path.basename(key)}"
                s3.download_file(event["bucket"], key, path)
                try:
                    return convert(path)
                finally:
                    os.remove(path)


            def convert(path):
                with open(path, "rb") as source:
                    return len(source.read())
            """
        ),
        Valid(
            """
            import os
            import tempfile

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, "input.pdf")
                    s3.download_file(event["bucket"], event["key"], path)
                    return os.path.getsize(path)
            """
        ),
        Valid(
            """
            import os

            import boto3

            s3 = boto3.client("s3")
            MODEL_PATH = "/tmp/model.bin"


            def handler(event, context):
                # a fixed name: downloaded once, reused by warm invocations
                if not os.path.exists(MODEL_PATH):
                    s3.download_file(os.environ["BUCKET"], "model.bin", MODEL_PATH)
                return os.path.getsize(MODEL_PATH)
            """
        ),
        Valid(
            """
            import json

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                # a custom resource: the stack fixes its properties, so the name is reused
                props = event["ResourceProperties"]
                path = "/tmp/" + props["StackName"] + "-conf.json"
                with open(path, "w") as out:
                    json.dump({"threshold": int(props["Threshold"])}, out)
                s3.upload_file(path, props["Bucket"], "conf.json")
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import os

            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                key = event["key"]
                path = f"/tmp/{os.path.basename(key)}"
                s3.download_file(event["bucket"], key, path)
                return convert(path)


            def convert(path):
                with open(path, "rb") as source:
                    return len(source.read())
            """,
            lines=(11,),
        ),
        Invalid(
            """
            import json
            import uuid


            def handler(event, context):
                path = f"/tmp/{uuid.uuid4()}.json"
                with open(path, "w") as out:
                    json.dump(event, out)
                return path
            """,
            lines=(7,),
        ),
        Invalid(
            """
            import os
            import tempfile


            def handler(event, context):
                fd, path = tempfile.mkstemp(suffix=".csv")
                with os.fdopen(fd, "w") as out:
                    out.write(render(event))
                if event.get("upload"):
                    upload(path)
                    os.remove(path)
                return {"ok": True}


            def render(event):
                return ""


            def upload(path):
                ...
            """,
            lines=(6,),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        for fn in self.analysis.path_functions:
            for site in fn.iter(cst.Call):
                created = self._creates(site, fn)
                if created is None:
                    continue
                what, path = created
                if path is not None and (not self._under_tmp(path, fn, 0) or self._fixed_per_deployment(path, fn)):
                    continue  # elsewhere, or a fixed name reused across invocations
                flow = FunctionFlow.of(fn)
                handles = self._handles(site, fn, path)
                if self._escapes(fn, flow, handles):
                    removals = list(self._removals(fn, flow, handles, path))
                    if any(self._on_every_path(flow, site.node, r, handles, wipe) for r, wipe in removals):
                        continue  # wiped before it is made: one request's file at most
                    leaker = self._leaked_by_callers(fn, 0)
                    if leaker is not None:
                        yield self._finding(site, fn, what, False, leaker)
                    continue
                removals = list(self._removals(fn, flow, handles, path))
                if any(self._on_every_path(flow, site.node, r, handles, wipe) for r, wipe in removals):
                    continue
                if self._removed_by_callers(fn, handles, 0):
                    continue
                yield self._finding(site, fn, what, bool(removals))

    # -- what creates a file --------------------------------------------------------------
    def _creates(self, site: Site, fn: Function) -> Optional[Tuple[str, Optional[cst.BaseExpression]]]:
        """("file" | "directory", the path expression, or None for random temp names)."""
        call = site.node
        func = call.func
        qn = self.analysis.qualified_name(func, fn)
        builtin_open = (
            isinstance(func, cst.Name)
            and func.value == "open"
            and qn is None
            and not self.analysis.is_module_level_name("open", fn)
        )
        if builtin_open or qn in OPEN_LIKE:
            path, mode = _arg(call, 0, "file"), _arg(call, 1, "mode")
            return ("file", path) if path is not None and _writes(mode) else None
        if qn in ALWAYS_NEW:
            if qn == "tempfile.NamedTemporaryFile" and not _is_false(_arg(call, 7, "delete")):
                return None
            if any(a.star for a in call.args):
                return None  # `mkstemp(*args, **kw)`: the directory is not known here
            directory = _arg(call, 6 if qn == "tempfile.NamedTemporaryFile" else 2, "dir")
            if directory is not None and not self._under_tmp(directory, fn, 0):
                return None  # dir= elsewhere (EFS, a cache directory)
            return (ALWAYS_NEW[qn], None)
        if qn in MAKE_DIRS:
            path = _arg(call, 0, "name") or _arg(call, 0, "path")
            return ("directory", path) if path is not None else None
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method == "download_file":
                path = _keyword(call, "Filename")
                positional = [a.value for a in call.args if a.keyword is None and not a.star]
                if path is None and positional:
                    path = positional[-1]
                return ("file", path) if path is not None else None
            if method in PATH_WRITERS:
                return ("directory" if method == "mkdir" else "file", func.value)
            if method == "open" and _writes(_arg(call, 0, "mode")):
                return ("file", func.value)
        return None

    def _under_tmp(self, expr: object, fn: Optional[Function], depth: int) -> bool:
        if depth > _MAX_DEPTH or not isinstance(expr, cst.CSTNode):
            return False
        if isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            return isinstance(value, str) and (value == TMP or value.startswith(TMP + "/"))
        if isinstance(expr, cst.ConcatenatedString):
            return self._under_tmp(expr.left, fn, depth + 1)
        if isinstance(expr, cst.FormattedString):
            if not expr.parts:
                return False
            first = expr.parts[0]
            if isinstance(first, cst.FormattedStringText):
                return first.value == TMP or first.value.startswith(TMP + "/")
            return self._under_tmp(first.expression, fn, depth + 1)
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, (cst.Add, cst.Divide)):
            return self._under_tmp(expr.left, fn, depth + 1)
        if isinstance(expr, cst.Call):
            qn = self.analysis.qualified_name(expr.func, fn)
            if qn in TMP_DIRS:
                return True
            if qn in PATH_JOINS and expr.args:
                return self._under_tmp(expr.args[0].value, fn, depth + 1)
            if isinstance(expr.func, cst.Attribute):  # "/tmp/{}".format(x), p.with_suffix(...)
                return self._under_tmp(expr.func.value, fn, depth + 1)
            return False
        if isinstance(expr, cst.Attribute) and expr.attr.value in ("parent",):
            return self._under_tmp(expr.value, fn, depth + 1)
        if isinstance(expr, cst.Name):
            return any(self._under_tmp(v, scope, depth + 1) for v, scope in self._values(expr.value, fn))
        return False

    def _values(self, name: str, fn: Optional[Function]) -> List[Tuple[object, Optional[Function]]]:
        """What a name may hold: local assignments, or what the callers pass for a parameter,
        or its module-level bindings."""
        scope = fn
        while scope is not None:
            if name in scope.params:
                index = scope.positional_params().index(name) if name in scope.positional_params() else -1
                out: List[Tuple[object, Optional[Function]]] = []
                for caller, call in self.analysis.call_sites(scope):
                    if call is not None:
                        arg = _arg(call, index, name)
                        if arg is not None:
                            out.append((arg, caller))
                return out
            if scope.is_local(name):
                return [(v, scope) for v in scope.assigned.get(name, [])]
            scope = scope.parent
        return [(v, None) for v in self.analysis.module_bindings.get(name, [])]

    # -- whether the name is the same on every invocation ----------------------------------
    def _fixed_per_deployment(self, expr: object, fn: Optional[Function], active: Optional[Set[str]] = None) -> bool:
        """The value is the same on every invocation of this deployment, so a file named
        after it is overwritten, not accumulated: invariant, or built by pure operations
        (through local names and helpers' parameters) from invariant parts and the
        properties a CloudFormation custom resource's event carries
        (`event["ResourceProperties"]["StackName"]`), which the stack fixes."""
        if self.analysis.is_invariant(expr, fn):
            return True
        if not isinstance(expr, cst.CSTNode) or (active is not None and len(active) > 3 * _MAX_DEPTH):
            return False
        active = set() if active is None else active

        def fixed(e: object) -> bool:
            return self._fixed_per_deployment(e, fn, active)

        if self._resource_properties(expr, fn, active):
            return True
        if isinstance(expr, cst.Name):
            return self._name_fixed(expr.value, fn, active)
        if isinstance(expr, (cst.ConcatenatedString, cst.BinaryOperation, cst.BooleanOperation)):
            return fixed(expr.left) and fixed(expr.right)
        if isinstance(expr, cst.FormattedString):
            return all(fixed(p.expression) for p in expr.parts if isinstance(p, cst.FormattedStringExpression))
        if isinstance(expr, cst.Comparison):
            return fixed(expr.left) and all(fixed(c.comparator) for c in expr.comparisons)
        if isinstance(expr, cst.UnaryOperation):
            return fixed(expr.expression)
        if isinstance(expr, cst.IfExp):
            return fixed(expr.test) and fixed(expr.body) and fixed(expr.orelse)
        if isinstance(expr, cst.Subscript):
            return fixed(expr.value) and all(
                isinstance(s.slice, cst.Index) and fixed(s.slice.value) for s in expr.slice
            )
        if isinstance(expr, cst.Call) and all(fixed(a.value) for a in expr.args):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in catalog.PURE_METHODS:
                return fixed(func.value)  # props["Key"].split("/")[-1]
            qn = self.analysis.qualified_name(func, fn)
            if qn in PATH_JOINS or qn in catalog.PURE_CALLS:
                return True
            return (
                isinstance(func, cst.Name)
                and qn is None
                and func.value in catalog.PURE_CALLS
                and binding_scope(func.value, fn) is None
                and not self.analysis.is_module_level_name(func.value, fn)
            )  # a builtin: str(...), int(...)
        return False

    def _resource_properties(self, expr: cst.CSTNode, fn: Optional[Function], active: Set[str]) -> bool:
        """`event["ResourceProperties"]` or `event.get("ResourceProperties")` of the event an
        entry point receives."""
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
            key, holder = expr.slice[0].slice.value, expr.value
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
            and expr.args
            and expr.args[0].keyword is None
        ):
            key, holder = expr.args[0].value, expr.func.value
        else:
            return False
        if not isinstance(key, cst.SimpleString) or key.evaluated_value not in catalog.DEPLOYMENT_EVENT_KEYS:
            return False
        return self._is_event(holder, fn, active)

    def _is_event(self, expr: cst.BaseExpression, fn: Optional[Function], active: Set[str]) -> bool:
        """The whole event of an entry point: its first parameter, or a name or helper's
        parameter that holds only that."""
        if not isinstance(expr, cst.Name):
            return False
        name = expr.value

        def parameter(scope: Function) -> bool:
            if name in self.analysis.entry_params(scope):
                positional = scope.positional_params()
                return bool(positional) and positional[0] == name
            return self._every_caller_passes(scope, name, lambda arg, caller: self._is_event(arg, caller, active))

        return self._every_binding(
            "event", name, fn, active, parameter, lambda value, scope: self._is_event(value, scope, active)
        )

    def _name_fixed(self, name: str, fn: Optional[Function], active: Set[str]) -> bool:
        """A local name whose every assignment is fixed, or a helper's parameter that every
        caller passes a fixed value (module-level names are for `is_invariant`)."""

        def parameter(scope: Function) -> bool:
            if name in self.analysis.entry_params(scope) or name not in scope.positional_params():
                return False
            return self._every_caller_passes(
                scope, name, lambda arg, caller: self._fixed_per_deployment(arg, caller, active)
            )

        return self._every_binding(
            "fixed", name, fn, active, parameter, lambda value, scope: self._fixed_per_deployment(value, scope, active)
        )

    def _every_binding(self, kind: str, name: str, fn: Optional[Function], active: Set[str], parameter, value) -> bool:
        """`parameter(scope)` when the local `name` is a parameter, else `value(v, scope)` for
        every value assigned to it (a loop variable or an unpacked tuple is not followed);
        False for a module-level name, and for a name already being followed (`active`)."""
        scope = binding_scope(name, fn)
        if scope is None:
            return False
        key = f"{kind}:{id(scope)}:{name}"
        if key in active:
            return False
        active.add(key)
        try:
            if name in scope.params:
                return parameter(scope)
            values = scope.assigned.get(name, [])
            return bool(values) and all(isinstance(v, cst.BaseExpression) and value(v, scope) for v in values)
        finally:
            active.discard(key)

    def _every_caller_passes(self, fn: Function, name: str, test) -> bool:
        if any(e.function is fn for e in self.analysis.entry_points) or name not in fn.positional_params():
            return False
        calls = list(self.analysis.call_sites(fn))
        index = fn.positional_index(name)
        for caller, call in calls:
            arg = argument(call, index, name) if call is not None else None
            if arg is None or not test(arg, caller):
                return False
        return bool(calls)

    # -- which names refer to the file, and where it is removed ----------------------------
    def _handles(self, site: Site, fn: Function, path: Optional[cst.BaseExpression]) -> Set[str]:
        handles = self._path_handles(path, fn) if path is not None else set()
        parent = site.parent
        if isinstance(parent, cst.Assign) and parent.value is site.node:
            for target in parent.targets:
                handles.update(target_names(target.target))
        for anc in site.ancestors:
            if isinstance(anc, cst.WithItem) and anc.item is site.node and anc.asname is not None:
                handles.update(target_names(anc.asname.name))
        return handles

    def _path_handles(self, path: cst.BaseExpression, fn: Function) -> Set[str]:
        """The names holding the path and the /tmp directories it is built from (removing
        any of them removes the file), followed through this function's assignments."""
        handles: Set[str] = set()
        todo = [path]
        if isinstance(path, cst.Name):
            handles.add(path.value)
            todo.extend(_local_values(path.value, fn))
        while todo:
            expr = todo.pop()
            for name in set(free_names(expr)) - handles:
                if self._under_tmp(cst.Name(name), fn, 0):
                    handles.add(name)
                    todo.extend(_local_values(name, fn))
        return handles

    def _removed_by_callers(self, fn: Function, handles: Set[str], depth: int) -> bool:
        """`save(path, data)` writes the file, and the caller that chose `path` removes it."""
        positional = fn.positional_params()
        params = [p for p in positional if p in handles]
        if not params or depth > 2 or any(e.function is fn for e in self.analysis.entry_points):
            return False
        for caller, call in self.analysis.call_sites(fn):
            if call is None:
                continue
            for param in params:
                arg = _arg(call, positional.index(param), param)
                if arg is None:
                    continue
                caller_handles = self._path_handles(arg, caller)
                flow = FunctionFlow.of(caller)
                if any(
                    self._on_every_path(flow, call, removal, caller_handles, wipe)
                    for removal, wipe in self._removals(caller, flow, caller_handles, arg)
                ):
                    return True
                if self._removed_by_callers(caller, caller_handles, depth + 1):
                    return True
        return False

    def _leaked_by_callers(self, fn: Function, depth: int) -> Optional[Function]:
        """`fn` returns the path it created: the caller on the invocation path that keeps
        it (a name, an argument, a discarded result) and never removes it, nor hands it up."""
        if depth > 3:
            return None
        for caller, call in self.analysis.call_sites(fn):
            if call is not None:
                leaker = self._caller_leaks(caller, call, depth)
                if leaker is not None:
                    return leaker
        return None

    def _caller_leaks(self, caller: Function, call: cst.Call, depth: int) -> Optional[Function]:
        flow = FunctionFlow.of(caller)
        ancestors = flow.ancestors(call)
        if not ancestors:
            return None  # not a call this function's body makes (a decorator, a default)
        if self._calls_a_cleanup(caller):
            return None  # `clean_temp_folder()`: what it removes is not known, give it the benefit
        entry = any(e.function is caller for e in self.analysis.entry_points)
        parent = ancestors[-1] if ancestors else None
        handles: Set[str] = set()
        if isinstance(parent, cst.Assign) and parent.value is call:
            for target in parent.targets:
                handles.update(target_names(target.target))
        elif _returned(call, ancestors):
            return caller if entry else self._leaked_by_callers(caller, depth + 1)
        elif isinstance(parent, cst.Arg) and len(ancestors) > 1 and isinstance(ancestors[-2], cst.Call):
            outer = ancestors[-2]
            if self._removal_targets(outer, caller) is not None:
                return None  # `os.remove(make_report())`
            callee = self.analysis.resolve_call(outer.func, caller)
            return None if callee is not None and self._removes_a_parameter(callee) else caller
        elif not isinstance(parent, cst.Expr):
            return None  # a with-item, a comprehension, ...: not followed
        if not handles:
            return caller  # the path is dropped: nothing can remove the file
        if not entry and self._escapes(caller, flow, handles):
            return self._leaked_by_callers(caller, depth + 1)
        removals = list(self._removals(caller, flow, handles, None))
        if any(self._on_every_path(flow, call, r, handles, wipe) for r, wipe in removals):
            return None
        return caller

    def _calls_a_cleanup(self, fn: Function) -> bool:
        """`fn` calls a project function that removes files it finds itself (a glob or
        listing of /tmp), not only paths it is given."""
        for site in fn.iter(cst.Call):
            target = self.analysis.resolve_call(site.node.func, fn)
            if target is None:
                continue
            params = set(target.params) | set(target.extra_params)
            for inner in target.iter(cst.Call):
                targets = self._removal_targets(inner.node, target) or []
                if any(not mentions(t, params) for t in targets) or _shell_wipe(inner.node) is not None:
                    return True
        return False

    def _escapes(self, fn: Function, flow: FunctionFlow, handles: Set[str]) -> bool:
        """A helper that returns the path leaves the cleanup to its caller."""
        if any(e.function is fn for e in self.analysis.entry_points):
            return False
        return any(
            any(isinstance(a, (cst.Return, cst.Yield)) for a in ancestors) for _, ancestors in flow.reads(handles)
        )

    def _removals(
        self, fn: Function, flow: FunctionFlow, handles: Set[str], path: Optional[cst.BaseExpression]
    ) -> Iterator[Tuple[cst.Call, bool]]:
        module = self.analysis.module
        path_code = module.code_for_node(path) if path is not None else None
        prefix = _static_prefix(path) if path is not None else None
        for site in fn.iter(cst.Call):
            wiped = _shell_wipe(site.node)
            if (
                wiped is not None
                and self.analysis.qualified_name(site.node.func, fn) in SHELL_RUNNERS
                and (wiped == TMP + "/" or (prefix is not None and prefix.startswith(wiped)))
            ):
                yield site.node, True  # `os.system("rm -rf /tmp/*")`
                continue
            targets = self._removal_targets(site.node, fn)
            if targets is None:
                target = self.analysis.resolve_call(site.node.func, fn)
                if (
                    target is not None
                    and any(mentions(a.value, handles) for a in site.node.args)
                    and self._removes_a_parameter(target)
                ):
                    yield site.node, False
                continue
            for target_expr in targets:
                if _covers(target_expr, prefix):
                    yield site.node, True
                    break
                if mentions(target_expr, handles) or (
                    path_code is not None and module.code_for_node(target_expr) == path_code
                ):
                    yield site.node, False
                    break

    def _removal_targets(self, call: cst.Call, fn: Function) -> Optional[List[cst.BaseExpression]]:
        qn = self.analysis.qualified_name(call.func, fn)
        # The path is the first positional argument (`Path(p).unlink(missing_ok=True)` has none).
        if (
            call.args
            and call.args[0].keyword is None
            and (
                qn in REMOVERS
                or (
                    qn is not None and qn.rsplit(".", 1)[-1] in REMOVER_NAMES  # compat re-exports
                )
            )
        ):
            return [call.args[0].value]
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in PATH_REMOVERS:
            return [call.func.value]
        return None

    def _removes_a_parameter(self, fn: Function) -> bool:
        params = set(fn.params) | set(fn.extra_params)
        for site in fn.iter(cst.Call):
            targets = self._removal_targets(site.node, fn)
            if targets and any(mentions(t, params) for t in targets):
                return True
        return False

    def _on_every_path(
        self, flow: FunctionFlow, created: cst.CSTNode, removal: cst.CSTNode, handles: Set[str], wipe: bool
    ) -> bool:
        """In a `finally:`, or after the creation on the normal path: not only in an `if`,
        loop or `except` the creation is not in, and not skipped by an earlier `return`.
        Wiping the whole directory before creating counts too: at most one request's files
        are left behind."""
        removal_ancestors = flow.ancestors(removal)
        if any(isinstance(a, cst.Finally) for a in removal_ancestors):
            return True
        wiped_first = wipe and flow.order(removal) < flow.order(created)
        if not wiped_first and (flow.order(removal) < flow.order(created) or flow.returns_between(created, removal)):
            return False
        created_ancestors = flow.ancestors(created)
        for anc in removal_ancestors:
            if any(a is anc for a in created_ancestors):
                continue
            if isinstance(anc, cst.If) and mentions(anc.test, handles):
                continue  # `if os.path.exists(path): os.remove(path)`
            if isinstance(anc, (cst.If, cst.Else, cst.For, cst.While, cst.ExceptHandler, cst.IfExp, cst.Match)):
                return False
        return True

    def _finding(
        self, site: Site, fn: Function, what: str, partly_removed: bool, caller: Optional[Function] = None
    ) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, site.node)
        where = f"`{fn.qualname}`"
        state = "is not removed on every path out of" if partly_removed else "is never removed by"
        if caller is not None:
            state = f"`{fn.qualname}` returns and that is never removed by"
            where = f"its caller `{caller.qualname}`"
        message = (
            f"`{snippet}` creates a per-invocation {what} under /tmp that {state} {where}; "
            "/tmp is kept between warm invocations and fills up"
        )
        remove = "shutil.rmtree(path)" if what == "directory" else "os.remove(path)"
        suggestion = (
            f"Remove it when done, in a `finally:` block after the work in {where} "
            f"(`{remove}`), or create it inside `with tempfile.TemporaryDirectory() as tmp:` "
            "(or `with tempfile.NamedTemporaryFile() as f:`) so it is deleted automatically."
        )
        return self.report(site.node, message, suggestion, fn)


def _returned(node: cst.CSTNode, ancestors) -> bool:
    """The value is returned (or yielded), alone or inside a dict, list or tuple."""
    for anc in reversed(ancestors):
        if isinstance(anc, (cst.Return, cst.Yield)):
            return True
        if not isinstance(
            anc, (cst.Element, cst.StarredElement, cst.List, cst.Tuple, cst.Set, cst.DictElement, cst.Dict)
        ):
            return False
    return False


def _arg(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    found = _keyword(call, keyword)
    if found is not None:
        return found
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    return positional[index] if 0 <= index < len(positional) else None


def _keyword(call: cst.Call, keyword: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def _writes(mode: Optional[cst.BaseExpression]) -> bool:
    if not isinstance(mode, cst.SimpleString):
        return False
    value = mode.evaluated_value
    return isinstance(value, str) and _MODE.match(value) is not None and any(c in value for c in "wax")


def _is_false(expr: Optional[cst.BaseExpression]) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def _shell_wipe(call: cst.Call) -> Optional[str]:
    """`rm -rf /tmp/*` (or `/tmp/work/*`) run through a shell or subprocess: the
    directory prefix it empties."""
    if not call.args:
        return None
    first = call.args[0].value
    words: Sequence[object]
    if isinstance(first, (cst.List, cst.Tuple)):
        words = [e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else None for e in first.elements]
    elif isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
        words = first.evaluated_value.split()
    else:
        return None
    if not words or words[0] != "rm":
        return None
    for word in words[1:]:
        if isinstance(word, str) and word.startswith(TMP + "/") and word.endswith("*"):
            return word[:-1]
    return None


def _static_prefix(expr: cst.BaseExpression) -> Optional[str]:
    """The literal start of a path: `/tmp/work/` for f"/tmp/work/{key}"."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.FormattedString) and expr.parts and isinstance(expr.parts[0], cst.FormattedStringText):
        return expr.parts[0].value
    return None


def _covers(target: cst.BaseExpression, prefix: Optional[str]) -> bool:
    """`shutil.rmtree("/tmp/work")` removes everything created under /tmp/work/."""
    if prefix is None or not isinstance(target, cst.SimpleString):
        return False
    value = target.evaluated_value
    if not isinstance(value, str) or value.rstrip("/") in ("", TMP):
        return False
    return prefix.startswith(value.rstrip("/") + "/")


def _local_values(name: str, fn: Function) -> List[cst.CSTNode]:
    """What a local variable of `fn` (or an enclosing function) is assigned; nothing for
    parameters and module-level names."""
    scope: Optional[Function] = fn
    while scope is not None:
        if name in scope.params or name in scope.extra_params:
            return []
        if scope.is_local(name):
            return [v for v in scope.assigned.get(name, []) if isinstance(v, cst.CSTNode)]
        scope = scope.parent
    return []
