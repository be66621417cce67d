"""LAM202 invariant-io-in-handler: the same file, parameter, secret, object or URL read per request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set, Tuple

from lambdalint._lazy import cst
from lambdalint.analysis import Function, Site, dotted_name, free_names, nodes, string_value
from lambdalint.analysis.nodes import argument, called_name, param_default
from lambdalint.catalog import (
    ACTION_URL_MARKERS,
    AWS_READS,
    AWS_RESOURCE_READS,
    AWS_WRITABLE_READS,
    BOTO3_RESOURCE_SERVICES,
    CLIENT_CONSTRUCTORS,
    CLOCK_READS_WITHOUT_TIME,
    DOCUMENT_URL_EXTENSIONS,
    DOCUMENT_URL_MARKERS,
    FILE_OPENERS,
    HTTP_GETS,
    MUTATING_METHODS,
    NONDETERMINISTIC_CALLS,
    PATH_CONSTRUCTORS,
    PATH_LOADERS,
    PATH_READ_METHODS,
    STREAM_LOADERS,
)
from lambdalint.durable import side_effect
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _restore, _state

# Paths whose content changes at run time: files the function itself writes under /tmp,
# kernel views (/proc/self/status for memory metrics...) and EFS mounts shared with writers.
_RUNTIME_PATH_PREFIXES = ("/tmp", "/proc", "/sys", "/dev", "/mnt")
_TEMPDIR_CALLS = {
    "tempfile.gettempdir",
    "tempfile.mkdtemp",
    "tempfile.mkstemp",
    "tempfile.NamedTemporaryFile",
    "tempfile.TemporaryDirectory",
}
# Local endpoints: the AppConfig agent and the Parameters and Secrets extension cache for us.
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "AWS_LAMBDA_RUNTIME_API", "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT")
_PATH_METHODS = {"joinpath", "with_name", "with_suffix", "with_stem", "resolve", "absolute", "expanduser"}
_DOWNLOAD_DESTINATIONS = {"Filename", "Fileobj", "Callback", "Config"}
_CONSUMERS = {"read", "readlines", "read_text", "read_bytes", "json", "decode", "text", "content"}
_PACKAGE_READERS = {"pkgutil.get_data", "importlib.resources.read_text", "importlib.resources.read_binary"}
_RESOURCE_ROOTS = {"importlib.resources.files", "importlib_resources.files"}
_DISK_CHECKS = {"os.path.exists", "os.path.isfile", "os.path.isdir", "os.access"}
_DOCUMENT_MARKERS = re.compile(DOCUMENT_URL_MARKERS, re.IGNORECASE)
_ACTION_MARKERS = re.compile(ACTION_URL_MARKERS)

_WHAT = {
    "file": "reads the same file",
    "model": "loads the same model or data file",
    "parameter": "fetches the same SSM parameter",
    "secret": "fetches the same secret",
    "configuration": "fetches the same AppConfig configuration",
    "object": "downloads the same S3 object",
    "http": "requests the same document from a constant URL",
}


@dataclass
class _Io:
    kind: str  # a key of _WHAT
    target: str  # what is read, for messages


@dataclass
class _Shared:
    """The I/O of a helper that reads what its parameters name."""

    io: _Io  # the first, for messages
    sites: List[cst.Call]
    params: Set[str]  # the parameters the reads depend on


class InvariantIoInHandler(Rule):
    code = "LAM202"
    name = "invariant-io-in-handler"
    summary = (
        "Blocking I/O whose inputs do not depend on the event (a bundled file, an SSM "
        "parameter, a secret, a fixed S3 key, a document at a constant URL, a model) runs on every "
        "invocation."
    )
    why = """
        An execution environment serves many requests in one process. Reading a bundled
        config file, loading a model, fetching an SSM parameter or a secret named by an
        environment variable, downloading a fixed S3 key or GETting a document from a constant
        URL (signing keys, an OpenID configuration, a `.json` or `.pem` file) inside the
        handler repeats the same blocking work on every warm invocation: milliseconds to
        seconds of latency, API calls that count against service quotas (SSM and Secrets
        Manager throttle), and a cost that grows with traffic instead of with the number of
        environments.

        Done once per environment (at module level, which is Init, or in a
        `functools.cache`d loader the handler calls), the result is reused by every warm
        request. Since 1 August 2025 AWS bills the Init phase too, so the gain is not that
        Init is free: the work runs once per environment instead of once per request (cold
        starts are typically well under 1% of invocations), and provisioned concurrency and
        SnapStart do it before any request arrives. Values that change while the function
        runs (rotated secrets, feature flags) belong in a TTL cache such as Powertools
        `parameters` (`max_age=`), not in a constant.

        The finding is reported at the I/O call; for `json.load(open(path))` it is reported
        once, at the outer `json.load(...)`. A helper that reads what its parameters name
        and that Init code or callers with other arguments also use (`read_file(path)`) is
        right for them: the finding then sits at each invariant call of the helper on the
        invocation path, with the helper at the end of the call chain. Not flagged: paths,
        keys and URLs derived from the event; writes (`open(p, "w")`, `put_object`); a
        parameter, secret or object that the project also writes (`put_parameter`,
        `put_object` of the same name: it holds state, not configuration); files under
        `/tmp` (written by the function itself, also when a caller passes the path or a
        download helper returns it), `/proc` and `/sys`; reads guarded by `if x is None:` or
        `if not os.path.exists(...)`, and reads inside `functools.cache` / `lru_cache`
        functions; Powertools `parameters.get_*` and the local AppConfig / Parameters and
        Secrets extension endpoints (they cache); GETs whose result is discarded (pings);
        requests that act (`post`, `put`, `patch`, `delete`, a GET to `/sendMessage` or a
        webhook);
        constant API endpoints (`https://api.example.com/v1/prices`: the answer is live
        data, not a document).
    """
    fix_safety = """
        Always **unsafe**: errors (a missing file, a denied `GetParameter`) move from the
        request to Init, and the value is no longer re-read, so a rotated secret or an
        edited object is not seen until the environment is recycled. A plain `x = <io>` at
        the top level of the function body becomes a module-level constant; a `with open(...)`
        block that computes one value becomes a `@functools.cache` loader function that the
        handler calls; a parameterless helper that does the I/O gets `@functools.cache`.
        Each fix's description says what runs once and what every request then reads.

        No fix is offered when it would freeze more than the invariant read: a value that
        is not invariant (the clock, a random draw, a read keyed by either, live data from
        an API endpoint), other work the function does (a write, a message, a POST), a
        failed first read (a function that can return `None` or a fallback from `except`
        would keep it for the life of the environment), or module state (a global that
        requests rebind, a module-level container the path fills or clears; a cached
        loader returning such a container would hand out the emptied one after a reset).
        Nor when the handler mutates the value (it would leak between requests).
    """
    options = """
        - `io-functions`: extra qualified names of blocking I/O functions, e.g.
          `["myproject.config.load_settings"]`, or `service.operation` for AWS SDK client
          calls, e.g. `["dynamodb.get_item"]`. They are flagged when all their arguments are
          invariant.
    """
    valid = [
        Valid(
            """
            import os

            from aws_lambda_powertools.utilities import parameters

            PARAM = os.environ["THRESHOLD_PARAM"]


            def lambda_handler(event, context):
                # cached for five minutes per environment; a changed value is picked up
                threshold = parameters.get_parameter(PARAM, max_age=300)
                return {"alert": event["value"] > float(threshold)}
            """
        ),
        Valid(
            """
            import json
            import os

            CONFIG_PATH = os.path.join(os.path.dirname(__file__), "config.json")
            with open(CONFIG_PATH) as f:
                CONFIG = json.load(f)


            def lambda_handler(event, context):
                return CONFIG[event["tenant"]]
            """
        ),
        Valid(
            """
            import boto3

            s3 = boto3.client("s3")


            def handler(event, context):
                record = event["Records"][0]["s3"]
                obj = s3.get_object(Bucket=record["bucket"]["name"], Key=record["object"]["key"])
                return obj["ContentLength"]
            """
        ),
        Valid(
            """
            from aws_lambda_powertools.utilities import parameters


            def handler(event, context):
                api_key = parameters.get_secret("prod/api-key", max_age=300)
                return {"authorised": event["headers"].get("x-api-key") == api_key}
            """
        ),
        Valid(
            """
            import functools
            import os

            import boto3

            ssm = boto3.client("ssm")


            @functools.lru_cache(maxsize=1)
            def flags():
                return ssm.get_parameter(Name=os.environ["FLAGS_PARAM"])["Parameter"]["Value"]


            def handler(event, context):
                return {"flags": flags(), "id": event["id"]}
            """
        ),
        Valid(
            """
            import json

            _config = None


            def handler(event, context):
                global _config
                if _config is None:
                    with open("config.json") as f:
                        _config = json.load(f)
                with open(f"/tmp/{event['name']}", "w") as out:
                    out.write(json.dumps(_config))
            """
        ),
        Valid(
            """
            import json
            import os

            import boto3

            ssm = boto3.client("ssm")
            SEEN_PARAM = os.environ["SEEN_PARAM"]


            def handler(event, context):
                # state the function keeps in the parameter, rewritten below
                seen = json.loads(ssm.get_parameter(Name=SEEN_PARAM)["Parameter"]["Value"])
                seen.append(event["id"])
                ssm.put_parameter(Name=SEEN_PARAM, Value=json.dumps(seen), Overwrite=True)
                return {"count": len(seen)}
            """
        ),
        Valid(
            """
            import csv
            import os

            import boto3

            s3 = boto3.client("s3")
            LOCAL = "/tmp/input.csv"


            def count_rows(path):
                with open(path) as f:
                    return sum(1 for _ in csv.reader(f))


            def handler(event, context):
                s3.download_file(os.environ["BUCKET"], event["key"], LOCAL)
                return {"rows": count_rows(LOCAL)}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import os

            import boto3

            ssm = boto3.client("ssm")
            PARAM = os.environ["THRESHOLD_PARAM"]


            def lambda_handler(event, context):
                threshold = ssm.get_parameter(Name=PARAM)["Parameter"]["Value"]
                return {"alert": event["value"] > float(threshold)}
            """,
            lines=(10,),
            fixed="""
            import os

            import boto3

            ssm = boto3.client("ssm")
            PARAM = os.environ["THRESHOLD_PARAM"]

            threshold = ssm.get_parameter(Name=PARAM)["Parameter"]["Value"]


            def lambda_handler(event, context):
                return {"alert": event["value"] > float(threshold)}
            """,
        ),
        Invalid(
            """
            import json


            def handler(event, context):
                # the routing table ships with the function
                with open("routes.json") as f:
                    routes = json.load(f)
                return routes.get(event["path"], "not found")
            """,
            lines=(6,),
            fixed="""
            import json
            import functools


            @functools.cache
            def _load_routes():
                with open("routes.json") as f:
                    routes = json.load(f)
                return routes


            def handler(event, context):
                # the routing table ships with the function
                routes = _load_routes()
                return routes.get(event["path"], "not found")
            """,
        ),
        Invalid(
            """
            import json
            import pickle


            def handler(event, context):
                model = pickle.load(open("model.pkl", "rb"))
                settings = json.load(open("settings.json"))
                return model.predict([event["features"]])[0] * settings["scale"]
            """,
            lines=(6, 7),
            fixed="""
            import json
            import pickle

            model = pickle.load(open("model.pkl", "rb"))
            settings = json.load(open("settings.json"))


            def handler(event, context):
                return model.predict([event["features"]])[0] * settings["scale"]
            """,
        ),
        Invalid(
            """
            import os

            import boto3
            import requests

            BUCKET = os.environ["BUCKET"]


            def load_schema():
                body = boto3.resource("s3").Object(BUCKET, "schema.json").get()["Body"]
                return body.read()


            def handler(event, context):
                jwks = requests.get("https://example.auth0.com/.well-known/jwks.json", timeout=5).json()
                return {"schema": load_schema(), "keys": len(jwks["keys"]), "id": event["id"]}
            """,
            lines=(10, 15),
            fixed="""
            import os

            import boto3
            import requests
            import functools

            BUCKET = os.environ["BUCKET"]

            jwks = requests.get("https://example.auth0.com/.well-known/jwks.json", timeout=5).json()


            @functools.cache
            def load_schema():
                body = boto3.resource("s3").Object(BUCKET, "schema.json").get()["Body"]
                return body.read()


            def handler(event, context):
                return {"schema": load_schema(), "keys": len(jwks["keys"]), "id": event["id"]}
            """,
        ),
    ]

    _methods: Optional[Set[str]] = None

    # -- detection -------------------------------------------------------------------------
    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                io = self._classify(site.node, fn)
                if io is None:
                    found = self._shared_helper_call(site, fn)
                    if found is not None:
                        yield found
                    continue
                if self._reported_by_outer(site, fn) or self._moved_to_callers(site):
                    continue
                if analysis.runs_once_per_environment(site) or analysis.never_runs_in_lambda(site):
                    continue
                if self._disk_cached(site, fn) or _or_default(site):
                    continue
                if io.kind == "http" and isinstance(site.parent, cst.Expr):
                    continue  # the response is not used: a ping or webhook, not a read
                yield self._finding(site, fn, io)

    # -- a helper that Init code or other callers also use ---------------------------------
    def _shared_helper_call(self, site: Site, fn: Function) -> Optional[RawFinding]:
        """A call on the invocation path, with invariant arguments, of a helper whose I/O
        reads what its parameters name and that Init code or callers with other arguments
        also use (`file_reader(path)`): the finding belongs at this call, since the helper
        is right for those other callers."""
        func = site.node.func
        name = called_name(func)
        if name is None or name not in self._helper_names():
            return None  # not a helper with parameters: decided before resolving the call
        helper = self.analysis.resolve_call(func, fn)
        shared = self._shared_io(helper) if helper is not None and helper is not fn else None
        if shared is None or helper is None:
            return None
        for name in shared.params:
            passed = argument(site.node, helper.positional_index(name), name)
            if passed is None:
                passed = param_default(helper.node, name)
                if passed is None or not self.analysis.owner(helper).is_invariant(passed, None):
                    return None
            elif not self._invariant(passed, fn):
                return None
        analysis = self.analysis
        if analysis.runs_once_per_environment(site) or analysis.never_runs_in_lambda(site):
            return None
        if self._disk_cached(site, fn) or _or_default(site):
            return None
        return self._helper_call_finding(site, fn, helper, shared.io)

    def _helper_names(self) -> Set[str]:
        """Names of the functions on the invocation path that take parameters."""
        project = self.analysis.project
        return project.remember("lam202_helper_names", lambda: {fn.name for fn in project.path if fn.params})

    def _moved_to_callers(self, site: Site) -> bool:
        """The I/O of a shared helper, reported at its callers' calls instead."""
        shared = self._shared_io(site.function)
        return shared is not None and site.node in shared.sites

    def _shared_io(self, helper: Function) -> Optional["_Shared"]:
        memo: Dict[Function, Optional[_Shared]] = self.analysis.project.remember("lam202_shared_io", dict)
        if helper not in memo:
            memo[helper] = None  # also cuts recursion through the helper's own calls
            memo[helper] = self._find_shared_io(helper)
        return memo[helper]

    def _find_shared_io(self, helper: Function) -> Optional["_Shared"]:
        project = self.analysis.project
        params = [p for p in helper.params if not (helper.is_method and p in ("self", "cls"))]
        if (
            helper.module is None
            or helper not in project.path
            or not params
            or helper.cached
            or any(e.function is helper for e in project.entry_points)
        ):
            return None
        rule = self if helper.module is self.analysis else type(self)(helper.module)
        found: Optional[_Shared] = None
        for site in helper.iter(cst.Call):
            if site.function is not helper:
                continue
            io = rule._classify(site.node, helper)
            if io is None or rule._reported_by_outer(site, helper):
                continue
            used = _parameters_read(site.node, helper) & set(params)
            if used:
                found = found or _Shared(io, [], set())
                found.sites.append(site.node)
                found.params |= used
        if found is None or not self._used_otherwise(helper, found.params):
            return None
        return found

    def _used_otherwise(self, helper: Function, params: Set[str]) -> bool:
        """Init code calls `helper`, or a call anywhere in the project (off the invocation
        path too: another handler's module, a script) passes for one of `params` a value
        that is not invariant."""
        if helper in _restore.called_at_init(self.analysis):
            return True
        for module, caller, call in _calls_named(self.analysis).get(helper.name, ()):
            if module.resolve_call(call.func, caller) is not helper:
                continue
            for name in params:
                passed = argument(call, helper.positional_index(name), name)
                if passed is not None and not module.is_invariant(passed, caller):
                    return True
        return False

    def _helper_call_finding(self, site: Site, fn: Function, helper: Function, io: _Io) -> RawFinding:
        call = site.node
        snippet = _common.snippet(self.analysis.module, call, 70)
        what = f"calls the configured I/O function `{io.target}`" if io.kind == "custom" else _WHAT[io.kind]
        message = (
            f"`{snippet}` {what} through `{helper.qualname}` on every invocation although nothing "
            "it passes depends on the event, so every warm request waits for the same result again"
        )
        stmt_code = self._label(site, snippet)
        if io.kind in ("parameter", "secret", "configuration"):
            how = (
                "read it through a per-environment TTL cache (e.g. Powertools "
                f"`parameters.get_{_powertools_getter(io.kind)}(..., max_age=300)`) or move "
                f"`{stmt_code}` to module level"
            )
        else:
            how = (
                f"move `{stmt_code}` to module level (Init), or into a `@functools.cache` loader "
                f"that `{fn.qualname}` calls"
            )
        suggestion = (
            f"In `{fn.qualname}`, {how}, so warm invocations reuse the result; "
            f"`{helper.qualname}` itself stays as it is, since Init code or callers with other "
            "arguments also use it."
        )
        raw = self.report(call, message, suggestion, fn)
        raw.via = helper
        return raw

    def _classify(self, call: cst.Call, fn: Function) -> Optional[_Io]:
        """What invariant I/O the call does, or None (not I/O, or not invariant); asked
        once per call and function (a helper's calls are also asked about from its
        callers' modules)."""
        memo: Dict[Tuple[int, int, int], Optional[_Io]] = self.analysis.project.remember("lam202_classified", dict)
        key = (id(call), id(fn), id(self.analysis))  # asked from another module, names mean other things
        if key not in memo:
            memo[key] = self._classify_call(call, fn)
        return memo[key]

    def _classify_call(self, call: cst.Call, fn: Function) -> Optional[_Io]:
        analysis = self.analysis
        qn = analysis.qualified_name(call.func, fn)
        if qn in STREAM_LOADERS:
            return self._loader(call, fn, qn)
        func = call.func
        if isinstance(func, cst.Attribute) and qn not in HTTP_GETS and func.attr.value in self._service_methods():
            aws = self._aws_read(call, fn)
            if aws is not None:
                return aws
        opens = self._is_builtin_open(func, fn) or qn in FILE_OPENERS
        reads_path = (
            isinstance(func, cst.Attribute)
            and func.attr.value in PATH_READ_METHODS
            and self._is_path(func.value, fn, 0)
        )
        custom = qn is not None and qn in analysis.config.io_functions
        if not (opens or reads_path or custom or qn in HTTP_GETS):
            return None  # decided before the (costlier) invariance questions
        if not all(self._invariant(a.value, fn) for a in call.args):
            return None
        if opens:
            path = _arg(call, 0, "file", "filename")
            return self._file_read(path, _arg(call, 1, "mode"), fn, "file")
        if reads_path:
            if not self._path_invariant(func.value, fn):
                return None
            mode = _arg(call, 0, "mode") if func.attr.value == "open" else None
            return self._file_read(func.value, mode, fn, "file", path_checked=True)
        if qn in HTTP_GETS:
            return self._http_get(call, fn, qn)
        if custom:
            return _Io("custom", qn)
        return None

    def _service_methods(self) -> Set[str]:
        """Operation names worth resolving a receiver for."""
        if self._methods is None:
            self._methods = (
                {m for _, m in AWS_READS}
                | {m for _, _, m in AWS_RESOURCE_READS}
                | {name.rsplit(".", 1)[-1] for name in self.analysis.config.io_functions}
            )
        return self._methods

    def _invariant(self, expr, fn: Optional[Function]) -> bool:
        """Invariant per the shared analysis, and not the result of one of the module's own
        (uncached) helpers: `since=last_hour()` may be invariant in form but not in value."""
        return self.analysis.is_invariant(expr, fn) and not self._helper_result(expr, fn, 0)

    def _helper_result(self, expr, fn: Optional[Function], depth: int) -> bool:
        if depth > 6 or not isinstance(expr, cst.CSTNode):
            return False
        analysis = self.analysis
        for node in _common.walk_nodes(expr):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                helper = analysis.module_functions.get(node.func.value)
                if helper is not None and not helper.cached and analysis.is_module_level_name(node.func.value, fn):
                    return True
            elif isinstance(node, cst.Name) and fn is not None:
                scope: Optional[Function] = fn
                while scope is not None and not scope.is_local(node.value):
                    scope = scope.parent
                if scope is not None and any(
                    self._helper_result(v, scope, depth + 1) for v in scope.assigned.get(node.value, [])
                ):
                    return True
        return False

    def _path_invariant(self, expr, fn: Optional[Function]) -> bool:
        """A path object built only from invariant pieces (`files("pkg").joinpath("x")`)."""
        if isinstance(expr, cst.Call):
            func = expr.func
            return all(self._invariant(a.value, fn) for a in expr.args) and (
                not isinstance(func, cst.Attribute)
                or self._path_invariant(func.value, fn)
                or self.analysis.qualified_name(func, fn) in PATH_CONSTRUCTORS | _RESOURCE_ROOTS
            )
        if isinstance(expr, cst.BinaryOperation):
            return self._path_invariant(expr.left, fn) and self._path_invariant(expr.right, fn)
        if isinstance(expr, cst.Attribute):
            return self._path_invariant(expr.value, fn)
        return self._invariant(expr, fn)

    def _is_builtin_open(self, func: cst.BaseExpression, fn: Function) -> bool:
        if not isinstance(func, cst.Name) or func.value != "open":
            return False
        scope: Optional[Function] = fn
        while scope is not None:
            if scope.is_local("open"):
                return False
            scope = scope.parent
        return not self.analysis.is_module_level_name("open", None)

    def _file_read(self, path, mode, fn: Function, kind: str, path_checked: bool = False) -> Optional[_Io]:
        if path is None or isinstance(path, cst.Integer):
            return None  # a file descriptor
        if mode is not None:
            text = string_value(mode)
            if text is None or set(text) & set("wax+"):
                return None  # a write, or a mode we cannot read
        if not (path_checked or self._invariant(path, fn)) or self._runtime_path(path, fn):
            return None
        return _Io(kind, _common.snippet(self.analysis.module, path, 60))

    def _loader(self, call: cst.Call, fn: Function, qn: str) -> Optional[_Io]:
        """`json.load(open(p))` (reported here, once) or `joblib.load(path)`."""
        first = _arg(
            call,
            0,
            "fp",
            "stream",
            "f",
            "file",
            "filename",
            "path",
            "fname",
            "filepath_or_buffer",
            "path_or_buf",
            "model",
            "path_or_fileobj",
        )
        if first is None:
            return None
        kind = "file" if qn.startswith(("json.", "yaml.", "toml", "csv.")) else "model"
        if not all(self._invariant(a.value, fn) for a in call.args if a.value is not first):
            return None
        if isinstance(first, cst.Call):
            inner = self._classify(first, fn)
            if inner is not None and inner.kind == "file" and self._opens_file(first, fn):
                return _Io(kind, inner.target)
            return None
        if not self._invariant(first, fn):
            return None
        if qn not in PATH_LOADERS or self._runtime_path(first, fn):
            return None
        if qn in _PACKAGE_READERS or self._is_path(first, fn, 0) or _has_string(first, self._values_of, fn):
            return _Io(kind, _common.snippet(self.analysis.module, first, 60))
        return None

    def _opens_file(self, call: cst.Call, fn: Function) -> bool:
        """`open(...)` or `Path(...).open()`: a file object, not its contents."""
        func = call.func
        return (
            self._is_builtin_open(func, fn)
            or self.analysis.qualified_name(func, fn) in FILE_OPENERS
            or (isinstance(func, cst.Attribute) and func.attr.value == "open")
        )

    def _reported_by_outer(self, site: Site, fn: Function) -> bool:
        """`open(p)` inside `json.load(open(p))`: the outer call carries the finding."""
        anc = site.ancestors
        if len(anc) >= 2 and isinstance(anc[-1], cst.Arg) and isinstance(anc[-2], cst.Call):
            outer = anc[-2]
            qn = self.analysis.qualified_name(outer.func, fn)
            return qn in STREAM_LOADERS and self._classify(outer, fn) is not None
        return False

    def _http_get(self, call: cst.Call, fn: Function, qn: str) -> Optional[_Io]:
        analysis = self.analysis
        if qn.endswith("request"):  # urllib3: request("GET", url)
            method = string_value(_arg(call, 0, "method"))
            if method is None or method.upper() != "GET":
                return None
            url = _arg(call, 1, "url")
        else:
            url = _arg(call, 0, "url")
        if qn == "urllib.request.urlopen":
            if _arg(call, 1, "data") is not None:
                return None  # a POST
            request = self._resolve(url, fn)
            if isinstance(request, cst.Call) and (analysis.qualified_name(request.func, fn) or "").endswith("Request"):
                if (
                    _arg(request, 1, "data") is not None
                    or (string_value(_arg(request, 5, "method")) or "GET").upper() != "GET"
                ):
                    return None
                url = _arg(request, 0, "url")
        if url is None or not self._invariant(url, fn):
            return None
        if isinstance(call.func, cst.Attribute) and not self._invariant(call.func.value, fn):
            return None  # a per-request session
        pieces = self._strings(url, fn)
        if any(h in s for s in pieces for h in _LOCAL_HOSTS):
            return None
        text = "".join(pieces)
        if _ACTION_MARKERS.search(text.split("?", 1)[0]):
            return None  # a GET that acts: sends a message, fires a webhook
        if not _names_document(text):
            return None  # an API endpoint: its answer is live data
        return _Io("http", _common.snippet(analysis.module, url, 60))

    def _aws_read(self, call: cst.Call, fn: Function) -> Optional[_Io]:
        func = call.func
        method = func.attr.value
        service = self._service(func.value, fn, 0)
        if service is None:
            return None
        name, resource = service
        # Where a download writes to is not an input: only the bucket and key must be fixed.
        skip = {None: 2, "Bucket": 1, "Object": 0}.get(resource, 99) if method.startswith("download_") else 99
        positional = [a for a in call.args if a.keyword is None]
        inputs = [
            a
            for a in call.args
            if (a.keyword is None and positional.index(a) < skip)
            or (a.keyword is not None and a.keyword.value not in _DOWNLOAD_DESTINATIONS)
        ]
        if not all(self._invariant(a.value, fn) for a in inputs):
            return None
        kind = AWS_RESOURCE_READS.get((name, resource, method)) if resource else AWS_READS.get((name, method))
        if kind is None:
            if f"{name}.{method}" in self.analysis.config.io_functions:
                return _Io("custom", f"{name}.{method}")
            return None
        if resource is None and self._written_by_project(name, method, call, fn):
            return None  # state the project keeps there, not configuration
        return _Io(kind, f"{name} {method}")

    def _written_by_project(self, service: str, method: str, call: cst.Call, fn: Function) -> bool:
        """The parameter, secret or object the call reads is one that a call of the project
        also writes (`put_parameter(Name=MAP_PARAM)` beside `get_parameter(Name=MAP_PARAM)`),
        named by the same strings and environment variables."""
        spec = AWS_WRITABLE_READS.get((service, method))
        if spec is None:
            return False
        keys, writes = spec
        read = self._resource_identity(call, keys, fn)
        return read is not None and read in self._project_writes().get((service, method), set())

    def _project_writes(self) -> Dict[Tuple[str, str], Set[Tuple[Tuple[str, ...], ...]]]:
        """For each read of `AWS_WRITABLE_READS`, the resources the project's calls write
        (once per project)."""

        def compute() -> Dict[Tuple[str, str], Set[Tuple[Tuple[str, ...], ...]]]:
            calls = _calls_named(self.analysis)
            out: Dict[Tuple[str, str], Set[Tuple[Tuple[str, ...], ...]]] = {}
            for read, (_, writes) in AWS_WRITABLE_READS.items():
                found = out.setdefault(read, set())
                for write, keys in writes.items():
                    for _, caller, call in calls.get(write, ()):
                        identity = self._resource_identity(call, keys, caller)
                        if identity is not None:
                            found.add(identity)
            return out

        return self.analysis.project.remember("lam202_project_writes", compute)

    def _resource_identity(self, call: cst.Call, keys, fn: Function) -> Optional[Tuple[Tuple[str, ...], ...]]:
        """The strings (and environment variable names) that the naming arguments of the
        call are built from, through the values callers pass for parameters; None when
        one of them is missing or has none."""
        identity = []
        for keyword, position in keys:
            value = _arg(call, -1 if position is None else position, keyword)
            # each piece once: every caller passing the same constant names one resource
            pieces = tuple(dict.fromkeys(self._strings(value, fn, callers=True))) if value is not None else ()
            if not pieces:
                return None
            identity.append(pieces)
        return tuple(identity)

    def _service(
        self, receiver, fn: Optional[Function], depth: int, passed: Optional[Dict[str, cst.BaseExpression]] = None
    ) -> Optional[Tuple[str, Optional[str]]]:
        """(service, resource class or None) of an AWS client or resource object, when it
        was built from invariant arguments; None when unknown.  `passed`: inside a factory
        followed from its call, what the call passes for each parameter (`get_client("ssm")`
        into `def get_client(name): return boto3.client(name)`)."""
        analysis = self.analysis
        if depth > 8:
            return None
        passed = passed or {}
        if isinstance(receiver, cst.Call):
            func = receiver.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("Object", "Bucket"):
                base = self._service(func.value, fn, depth + 1)
                args_ok = all(self._invariant(a.value, fn) for a in receiver.args)
                if base is not None and base[1] == "resource" and args_ok:
                    return base[0], func.attr.value
                if base is not None and base[1] == "Bucket" and func.attr.value == "Object" and args_ok:
                    return base[0], "Object"
                return None
            qn = analysis.qualified_name(func, fn)
            if qn in CLIENT_CONSTRUCTORS and qn.endswith(("client", "resource")):
                values = [a.value for a in receiver.args]
                keywords = _common.splatted_dict(receiver, fn)  # `boto3.client(**args)`, `args = {...}`
                if keywords is not None:
                    values = [v for v in values if not isinstance(v, cst.Name)] + list(keywords.values())
                if not all(
                    (isinstance(v, cst.Name) and v.value in passed) or _common.settled(self.analysis, v, fn)
                    for v in values
                ):
                    return None  # (what the call passes was checked at the call)
                written = _arg(receiver, 0, "service_name")
                if written is None and keywords is not None:
                    written = keywords.get("service_name")
                if isinstance(written, cst.Name) and written.value in passed:
                    written = passed[written.value]
                name = string_value(written)
                if name is None:
                    return None
                return name, ("resource" if qn.endswith("resource") else None)
            # A factory of this module or another of the project (`s3()`, `aws.s3()`), cached
            # or not, called with invariant arguments: the client it returns.
            helper = self._factory(func, fn)
            if (
                helper is not None
                and helper.parent is None
                and all(self._invariant(a.value, fn) for a in receiver.args)
            ):
                given = _common.passed_arguments(receiver, helper)
                found = {
                    self._service(r.node.value, helper, depth + 1, given)
                    for r in helper.iter(cst.Return)
                    if r.node.value is not None and r.function is helper
                }
                if len(found) == 2 and all(f is not None for f in found):
                    # `return boto3.resource(**args)` / `return boto3.client(**args)` by a flag:
                    # a service without a boto3 resource interface can only be the client
                    services = {f[0] for f in found if f is not None}
                    if len(services) == 1 and not services & BOTO3_RESOURCE_SERVICES:
                        found = {(services.pop(), None)}
                return found.pop() if len(found) == 1 else None
            return None
        if isinstance(receiver, cst.Subscript) and isinstance(receiver.value, cst.Name) and fn is not None:
            # `return _clients[name]` after `_clients[name] = boto3.client(name)`: a memo of clients
            memo = receiver.value.value
            found = {
                self._service(site.node.value, fn, depth + 1, passed)
                for site in fn.iter(cst.Assign)
                for target in site.node.targets
                if isinstance(target.target, cst.Subscript)
                and isinstance(target.target.value, cst.Name)
                and target.target.value.value == memo
            }
            return found.pop() if len(found) == 1 else None
        if (
            isinstance(receiver, cst.Attribute)
            and isinstance(receiver.value, cst.Name)
            and receiver.value.value == "self"
        ):
            values = _common.self_attribute_values(self.analysis, receiver.attr.value, fn)
            found = {self._service(v, s, depth + 1) for s, v in values}
            return found.pop() if len(found) == 1 else None
        if isinstance(receiver, cst.Name):
            scope, values = self._bindings(receiver.value, fn)
            module = analysis.owner(fn)
            found = {
                self._service_in(module, v, s, depth + 1, passed if s is fn else None)
                for s, v in values
                if not (isinstance(v, cst.Name) and v.value == "None")
            }
            return found.pop() if len(found) == 1 else None
        return None

    def _service_in(self, module, value, scope: Optional[Function], depth: int, passed=None):
        """`_service` of a value bound at the top level of `module` (a factory followed into
        another module of the project returns that module's client): names in it mean
        what they mean there."""
        if scope is not None or module is self.analysis:
            return self._service(value, scope, depth, passed)
        here, self.analysis = self.analysis, module
        try:
            return self._service(value, None, depth)
        finally:
            self.analysis = here

    def _factory(self, func, fn: Optional[Function]) -> Optional[Function]:
        """The function a call of `func` runs, in this module or another of the project."""
        analysis = self.analysis
        if fn is not None and isinstance(func, (cst.Name, cst.Attribute)):
            return analysis.resolve_call(func, fn)
        module = analysis.owner(fn)
        if isinstance(func, cst.Name) and module.is_module_level_name(func.value, None):
            return module.function_named(func.value, None)
        if isinstance(func, cst.Attribute):  # `conn.get_client` of a module-level instance
            return module.resolve_call(func, None)
        return None

    # -- expression helpers ----------------------------------------------------------------
    def _bindings(self, name: str, fn: Optional[Function]):
        """Every value `name` is bound to where `fn` reads it, with the scope of each: the
        local assignments, or the module binding plus `global name` assignments."""
        scope = fn
        while scope is not None:
            if scope.is_local(name):
                return scope, [(scope, v) for v in scope.assigned.get(name, [])]
            scope = scope.parent
        module = self.analysis.owner(fn)  # a helper followed into another module reads its own
        values: List[Tuple[Optional[Function], object]] = [(None, v) for v in module.module_bindings.get(name, [])]
        for other in module.functions.values():
            if name in other.globals_declared:
                values.extend((other, v) for v in other.assigned.get(name, []))
        return None, values

    def _values_of(self, name: str, fn: Optional[Function]):
        return self._bindings(name, fn)[1]

    def _resolve(self, expr, fn: Optional[Function]):
        """A name bound exactly once resolves to its value (one step)."""
        if isinstance(expr, cst.Name):
            values = self._values_of(expr.value, fn)
            if len(values) == 1 and isinstance(values[0][1], cst.BaseExpression):
                return values[0][1]
        return expr

    def _is_path(self, expr, fn: Optional[Function], depth: int) -> bool:
        """A `pathlib.Path` value: Path(...), p / "x", p.parent, p.with_suffix(...), a name
        bound to one."""
        if depth > 8:
            return False
        if isinstance(expr, cst.Call):
            if self.analysis.qualified_name(expr.func, fn) in PATH_CONSTRUCTORS | _RESOURCE_ROOTS:
                return True
            func = expr.func
            return (
                isinstance(func, cst.Attribute)
                and func.attr.value in _PATH_METHODS
                and self._is_path(func.value, fn, depth + 1)
            )
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
            return self._is_path(expr.left, fn, depth + 1)
        if isinstance(expr, cst.Attribute) and expr.attr.value in ("parent", "parents"):
            return self._is_path(expr.value, fn, depth + 1)
        if isinstance(expr, cst.Subscript):
            return self._is_path(expr.value, fn, depth + 1)
        if isinstance(expr, cst.Name):
            values = self._values_of(expr.value, fn)
            return len(values) == 1 and self._is_path(values[0][1], values[0][0], depth + 1)
        return False

    def _strings(self, expr, fn: Optional[Function], depth: int = 0, callers: bool = False) -> List[str]:
        """The string pieces an expression is built from (following names), and the names of
        environment variables it reads. With `callers`, a parameter brings in what the
        calls on the invocation path pass for it, and a call of a project function what
        that function returns (`open(path)` of a `path` a caller got from `download()`)."""
        out: List[str] = []
        if depth > (9 if callers else 6) or not isinstance(expr, cst.CSTNode):
            return out
        if isinstance(expr, cst.SimpleString):
            value = string_value(expr)
            return [value] if value is not None else []
        if isinstance(expr, cst.FormattedStringText):
            return [expr.value]
        if isinstance(expr, cst.Name):
            owner = _parameter_owner(expr.value, fn) if callers else None
            if owner is not None:
                out.extend(self._passed_strings(owner, expr.value, depth + 1))
            for scope, value in self._values_of(expr.value, fn):
                out.extend(self._strings(value, scope, depth + 1, callers))
            return out
        if isinstance(expr, cst.Call):
            if self.analysis.qualified_name(expr.func, fn) in _TEMPDIR_CALLS:
                return ["/tmp"]
            if callers and isinstance(expr.func, (cst.Name, cst.Attribute)):
                callee = self.analysis.resolve_call(expr.func, fn)
                for ret in callee.iter(cst.Return) if callee is not None and callee is not fn else ():
                    if ret.function is callee and ret.node.value is not None:
                        out.extend(self._strings(ret.node.value, callee, depth + 1, callers))
        for child in nodes.children(expr):
            out.extend(self._strings(child, fn, depth + 1, callers))
        return out

    def _passed_strings(self, fn: Function, name: str, depth: int) -> List[str]:
        """The string pieces of what each call of `fn` on the invocation path passes for its
        parameter `name` (or its default)."""
        out: List[str] = []
        index = fn.positional_index(name)
        for caller, call in self.analysis.call_sites(fn):
            passed = argument(call, index, name) if call is not None else None
            if passed is None:
                out.extend(self._strings(param_default(fn.node, name), None, depth, callers=True))
            else:
                out.extend(self._strings(passed, caller, depth, callers=True))
        return out

    def _runtime_path(self, path, fn: Function) -> bool:
        """The path is under /tmp (written by the function) or a kernel view like /proc, also
        when a caller passes it, or a helper returns it, as such a path."""
        pieces = self._strings(path, fn, callers=True)
        return any(p.startswith(_RUNTIME_PATH_PREFIXES) for p in pieces) or (
            bool(pieces)
            and pieces[0] in ("tmp", "/")
            and any(p.lstrip("/").startswith(("tmp", "proc", "sys", "dev")) for p in pieces[1:2])
        )

    def _disk_cached(self, site: Site, fn: Function) -> bool:
        """Under `if not os.path.exists(...)`: a download cached on local disk."""
        analysis = self.analysis
        for anc in site.ancestors:
            if isinstance(anc, cst.If):
                for node in _common.walk_nodes(anc.test):
                    if isinstance(node, cst.Call):
                        qn = analysis.qualified_name(node.func, fn) or ""
                        if qn in _DISK_CHECKS or (
                            isinstance(node.func, cst.Attribute)
                            and node.func.attr.value in ("exists", "is_file", "is_dir")
                        ):
                            return True
        return False

    # -- reporting ---------------------------------------------------------------------------
    def _finding(self, site: Site, fn: Function, io: _Io) -> RawFinding:
        analysis = self.analysis
        call = site.node
        snippet = _common.snippet(analysis.module, call, 70)
        what = f"calls the configured I/O function `{io.target}`" if io.kind == "custom" else _WHAT[io.kind]
        message = (
            f"`{snippet}` {what} on every invocation although nothing in it "
            "depends on the event, so every warm request waits for the same result again"
        )
        stmt_code = self._label(site, snippet)
        where = f"`{fn.qualname}`"
        fix, loader = self._fix(site, fn)
        if io.kind in ("parameter", "secret", "configuration"):
            suggestion = (
                f"In {where}, replace it with a read through a per-environment TTL cache so "
                "rotation and edits are still picked up, e.g. Powertools "
                f"`parameters.get_{_powertools_getter(io.kind)}(..., max_age=300)`; or move "
                f"`{stmt_code}` to module level, which keeps the first value until the "
                "environment is recycled."
            )
        elif fix is not None and fix.edits.get(fn.node) is not None:
            suggestion = (
                f"Decorate `{fn.name}` with `@functools.cache` so `{stmt_code}` runs once per "
                "execution environment and warm invocations reuse the result."
            )
        elif loader is not None:
            suggestion = (
                f"Move the `{stmt_code}` block into a `@functools.cache` loader "
                f"(`{loader}()`) above {where} and call it there, so it runs once per "
                "execution environment."
            )
        else:
            ttl = (
                (
                    " If the content can change while the function runs, cache it with a TTL "
                    "(e.g. `cachetools.TTLCache`) instead."
                )
                if io.kind in ("object", "http")
                else ""
            )
            suggestion = (
                f"Move `{stmt_code}` out of {where} to module level (Init), or into a "
                f"`@functools.cache` loader function that {where} calls, so warm invocations "
                f"reuse the result.{ttl}"
            )
        return self.report(call, message, suggestion, fn, fix)

    def _label(self, site: Site, snippet: str) -> str:
        """The code to move: `x = <io>`, a `with ...:` header, or the call itself."""
        statement = site.statement()
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], (cst.Assign, cst.AnnAssign))
        ):
            return _common.snippet(self.analysis.module, statement, 70)
        if isinstance(statement, cst.With) and any(isinstance(a, cst.WithItem) for a in site.ancestors):
            header = statement.with_changes(
                body=cst.SimpleStatementSuite(body=[cst.Expr(cst.Ellipsis())]), leading_lines=()
            )
            return _common.snippet(self.analysis.module, header, 70)[: -len(" ...")]
        return snippet

    # -- fixes -------------------------------------------------------------------------------
    def _fix(self, site: Site, fn: Function) -> Tuple[Optional[Fix], Optional[str]]:
        """(fix, loader name when the fix creates one)."""
        top = _top_level_statement(site, fn)
        in_with_item = any(isinstance(a, cst.WithItem) for a in site.ancestors)
        consumed = in_with_item or self._consumed(site, fn)
        # A parameterless helper already is the loader: caching it keeps names and layout.
        if self._cacheable_helper(fn) and (consumed or self._returns_data(fn)):
            if self._honest_to_cache(fn):
                return _common.cache_decorator_fix(
                    fn,
                    (
                        f"decorate `{fn.name}` with `@functools.cache`: its body runs once per "
                        "execution environment and every later call returns that first result"
                    ),
                ), None
            return None, None  # the whole function does more than this read: leave it
        if isinstance(top, cst.SimpleStatementLine) and consumed:
            fix = self._hoist_fix(site, fn, top)
            if fix is not None:
                return fix, None
        if isinstance(top, cst.With) and in_with_item:
            made = self._loader_fix(site, fn, top)
            if made is not None:
                return made
        return None, None

    # -- what a cache or a hoist would freeze ---------------------------------------------------
    def _honest_to_cache(self, fn: Function) -> bool:
        """Caching all of `fn` changes nothing but when its reads run: it freezes no value
        that is not invariant, skips no other work, keeps no failed first read, and hands
        out nothing shared with module state."""
        return not (
            self._freezes(fn.node.body, fn, 0)
            or _may_keep_failure(fn)
            or self._touches_module_state(fn.node.body, fn)
            or self._returns_module_state(fn)
        )

    def _freezes(self, node, fn: Function, depth: int) -> bool:
        """Run once instead of per request, `node` would keep a value that is not
        invariant (the clock, a random draw, a read keyed by either, live API data) or
        skip work that is not an invariant read (a write, a message, a POST)."""
        analysis = self.analysis
        for call in _common.walk_nodes(node):
            if not isinstance(call, cst.Call):
                continue
            qn = analysis.qualified_name(call.func, fn) or ""
            if qn in NONDETERMINISTIC_CALLS or (
                qn in CLOCK_READS_WITHOUT_TIME and len(call.args) <= CLOCK_READS_WITHOUT_TIME[qn]
            ):
                return True
            if self._classify(call, fn) is None and (qn in HTTP_GETS or side_effect(call, fn, analysis) is not None):
                return True  # live data, a read keyed by a variant value, or a write
            callee = analysis.resolve_call(call.func, fn) if isinstance(call.func, (cst.Name, cst.Attribute)) else None
            if (
                callee is not None
                and callee is not fn
                and not callee.cached
                and (depth >= 3 or self._freezes(callee.node.body, callee, depth + 1))
            ):
                return True
        return False

    def _touches_module_state(self, node, fn: Function) -> bool:
        """Reads a global that requests rebind, or reads or fills a module-level container:
        cached, the first request's state would be kept (or never filled again)."""
        analysis = self.analysis
        used = _state.usage(analysis)
        for name in free_names(node):
            if not analysis.is_module_level_name(name, fn):
                continue
            if name in analysis.rebound_globals:
                return True
            if name in used and (used[name].mutations or used[name].evicted):
                return True  # a container the path changes (filled here, or cleared)
        return False

    def _returns_module_state(self, fn: Function) -> bool:
        """Returns a module-level name: the cache would hand out the object itself, which
        the handler (or a reset such as `x.clear()`) changes."""
        for ret in fn.iter(cst.Return):
            value = ret.node.value
            if (
                ret.function is fn
                and isinstance(value, cst.Name)
                and self.analysis.is_module_level_name(value.value, fn)
            ):
                return True
        return False

    def _returns_data(self, fn: Function) -> bool:
        """Every `return` of `fn` hands back read data (`body.read()`, `json.load(f)`)."""
        returns = [r.node.value for r in fn.iter(cst.Return) if r.function is fn]
        return bool(returns) and all(
            value is not None
            and any(
                isinstance(n, cst.Call)
                and (
                    (isinstance(n.func, cst.Attribute) and n.func.attr.value in _CONSUMERS)
                    or self.analysis.qualified_name(n.func, fn) in STREAM_LOADERS
                )
                for n in _common.walk_nodes(value)
            )
            for value in returns
        )

    def _consumed(self, site: Site, fn: Function) -> bool:
        """The statement keeps data, not an open stream: a file object or an S3 `Body`
        kept at module level would be empty for the second request."""
        call = site.node
        func = call.func
        streams = (
            self._opens_file(call, fn)
            or (
                isinstance(func, cst.Attribute)
                and func.attr.value in ("get_object", "get", "get_latest_configuration", "urlopen")
            )
            or self.analysis.qualified_name(func, fn) == "urllib.request.urlopen"
        )
        if not streams:
            return True
        for anc in site.ancestors:
            if isinstance(anc, cst.Call) and anc is not call:
                if isinstance(anc.func, cst.Attribute) and anc.func.attr.value in _CONSUMERS:
                    return True
                if self.analysis.qualified_name(anc.func, fn) in STREAM_LOADERS:
                    return True
        return False

    def _hoist_fix(self, site: Site, fn: Function, statement) -> Optional[Fix]:
        analysis = self.analysis
        if len(statement.body) != 1 or not isinstance(statement.body[0], (cst.Assign, cst.AnnAssign)):
            return None
        small = statement.body[0]
        targets = small.targets if isinstance(small, cst.Assign) else [small]
        if len(targets) != 1 or not isinstance(targets[0].target, cst.Name) or small.value is None:
            return None
        name = targets[0].target.value
        if not self._movable_name(fn, name) or not analysis.is_module_name_free(name):
            return None
        if any(
            isinstance(n, (cst.Await, cst.Yield, cst.NamedExpr, cst.Lambda)) for n in _common.walk_nodes(small.value)
        ):
            return None  # not valid, or not the same, at module level
        if not _common.uses_only_module_names(analysis, small.value, fn, statement):
            return None
        if self._freezes(small.value, fn, 0) or self._touches_module_state(small.value, fn):
            return None  # a global that requests set (`_ssm = None` at Init) means another thing there
        return Fix(
            applicability=UNSAFE,
            description=(
                f"move `{name} = ...` to module level: it runs once, at Init, and every request reads that value"
            ),
            edits=_common.remove_statement_edits(site, statement),
            module_statements=[statement],
        )

    def _loader_fix(self, site: Site, fn: Function, block) -> Optional[Tuple[Fix, str]]:
        """`with open(p) as f: x = load(f)` -> `x = _load_x()` and a cached `_load_x()`."""
        analysis = self.analysis
        if (
            any(
                isinstance(
                    n,
                    (
                        cst.Return,
                        cst.Yield,
                        cst.Await,
                        cst.Global,
                        cst.Nonlocal,
                        cst.Break,
                        cst.Continue,
                        cst.FunctionDef,
                        cst.ClassDef,
                    ),
                )
                for n in _common.walk_nodes(block)
            )
            or block.asynchronous is not None
        ):
            return None
        if (
            any(isinstance(n, cst.Try) for n in _common.walk_nodes(block))
            or self._freezes(block, fn, 0)
            or self._touches_module_state(block, fn)
        ):
            return None  # it would keep a fallback, a variant value, or module state
        bound = _bound_in(block)
        body = fn.node.body.body
        index = next(i for i, s in enumerate(body) if s is block)
        used_later: Set[str] = set()
        for later in body[index + 1 :]:
            used_later.update(free_names(later))
        exported = sorted(bound & used_later)
        if len(exported) != 1:
            return None
        name = exported[0]
        if any(item.asname is not None and name in _target_names(item.asname.name) for item in block.items):
            return None  # the file object itself escapes the block
        if len(fn.assigned.get(name, [])) != _assignments_in(block, name) or not self._movable_name(fn, name):
            return None
        loader = f"_load_{name.lstrip('_')}"
        if not analysis.is_module_name_free(loader):
            return None
        for read in set(free_names(block)) - bound:
            if not _common.uses_only_module_names(analysis, cst.Name(read), fn, block):
                return None
        definition = cst.FunctionDef(
            name=cst.Name(loader),
            params=cst.Parameters(),
            body=cst.IndentedBlock(
                body=[
                    block.with_changes(leading_lines=[]),
                    cst.SimpleStatementLine(body=[cst.Return(value=cst.Name(name))]),
                ]
            ),
            decorators=[cst.Decorator(decorator=cst.Attribute(value=cst.Name("functools"), attr=cst.Name("cache")))],
        )
        call = cst.SimpleStatementLine(
            body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=cst.Call(func=cst.Name(loader)))],
            leading_lines=block.leading_lines,
        )
        fix = Fix(
            applicability=UNSAFE,
            description=(
                f"move the `with` block into a `@functools.cache` loader `{loader}()`: "
                "it runs once per execution environment, at the first request, and "
                f"every request reads that `{name}`"
            ),
            edits={block: call},
            module_statements=[definition],
            imports=["functools"],
        )
        return fix, loader

    def _movable_name(self, fn: Function, name: str, rebinding_ok: bool = False) -> bool:
        """Bound once in `fn`, not a global, and never changed in place by it (a value
        shared by every request must not carry one request's edits into the next).
        With `rebinding_ok`, only in-place changes count."""
        if not rebinding_ok and (
            name in fn.globals_declared or name in fn.nonlocals_declared or name in fn.params or name in fn.extra_params
        ):
            return False
        for site in fn.sites:
            node = site.node
            targets: List[cst.CSTNode] = []
            if isinstance(node, cst.Assign):
                targets = [t.target for t in node.targets]
            elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
                targets = [node.target]
            elif isinstance(node, cst.Del):
                targets = [node.target]
            for target in targets:
                if isinstance(target, (cst.Subscript, cst.Attribute)) and _base(target) == name:
                    return False
                if isinstance(node, cst.AugAssign) and _base(target) == name:
                    return False
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value in MUTATING_METHODS
                and _base(node.func.value) == name
            ):
                return False
        for child in fn.children:
            if name in child.referenced and not self._movable_name_in_child(child, name):
                return False
        return True

    def _movable_name_in_child(self, child: Function, name: str) -> bool:
        return name not in child.nonlocals_declared and self._movable_name(child, name)

    def _cacheable_helper(self, fn: Function) -> bool:
        """A module-level helper without parameters that returns what it loads."""
        analysis = self.analysis
        return (
            fn.parent is None
            and fn.cls is None
            and not fn.params
            and not fn.extra_params
            and not any(e.function is fn for e in analysis.entry_points)
            and fn.node.asynchronous is None
            and not any(s.function is fn for s in fn.iter(cst.Yield))
            and any(r.node.value is not None and r.function is fn for r in fn.iter(cst.Return))
            and not fn.globals_declared
            and not self._result_mutated(fn)
        )

    def _result_mutated(self, helper: Function) -> bool:
        """A caller changes what `helper()` returns: cached, that edit would reach the next
        request (`cfg = load(); cfg["id"] = event["id"]`, `load().append(...)`)."""

        def is_helper_call(node) -> bool:
            return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == helper.name

        for caller in self.analysis.path_functions:
            for site in caller.sites:
                node = site.node
                if isinstance(node, cst.Assign) and is_helper_call(node.value):
                    for target in node.targets:
                        if isinstance(target.target, cst.Name) and not self._movable_name(
                            caller, target.target.value, rebinding_ok=True
                        ):
                            return True
                if (
                    isinstance(node, cst.Call)
                    and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value in MUTATING_METHODS
                    and is_helper_call(node.func.value)
                ):
                    return True
                if isinstance(node, (cst.Assign, cst.AugAssign)):
                    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                    if any(isinstance(t, (cst.Subscript, cst.Attribute)) and is_helper_call(t.value) for t in targets):
                        return True
        return False


def _may_keep_failure(fn: Function) -> bool:
    """`fn` can return None or a fallback for a failed read (`except OSError: return
    None`, a bare `return`, falling off its end): cached, the failure would be kept for
    the life of the environment instead of being retried."""
    for ret in fn.iter(cst.Return):
        if ret.function is fn and (
            ret.node.value is None or (isinstance(ret.node.value, cst.Name) and ret.node.value.value == "None")
        ):
            return True
    for node in _common.walk_nodes(fn.node.body):
        if isinstance(node, cst.ExceptHandler) and not _ends_in_raise(node.body):
            return True
    return not _always_leaves(fn.node.body)


def _ends_in_raise(block) -> bool:
    body = getattr(block, "body", ())
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, cst.Raise) for s in last.body)
    return False


def _always_leaves(block) -> bool:
    """Every path through the block ends in `return` or `raise`."""
    body = getattr(block, "body", ())
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    if isinstance(last, cst.If):
        orelse = last.orelse
        if orelse is None:
            return False
        other = orelse if isinstance(orelse, cst.If) else orelse.body
        return _always_leaves(last.body) and (
            _always_leaves(cst.IndentedBlock(body=[other])) if isinstance(other, cst.If) else _always_leaves(other)
        )
    if isinstance(last, (cst.With, cst.Try)):
        return _always_leaves(last.body)
    return False


def _or_default(site: Site) -> bool:
    """`x = x or <io>`: loaded once, then reused."""
    for anc in reversed(site.ancestors):
        if isinstance(anc, (cst.Assign, cst.AnnAssign)):
            value = anc.value
            targets = {t.target.value for t in getattr(anc, "targets", ()) if isinstance(t.target, cst.Name)}
            if isinstance(anc, cst.AnnAssign) and isinstance(anc.target, cst.Name):
                targets.add(anc.target.value)
            return (
                isinstance(value, cst.BooleanOperation)
                and isinstance(value.operator, cst.Or)
                and isinstance(value.left, cst.Name)
                and value.left.value in targets
            )
    return False


def _names_document(url: str) -> bool:
    """The URL (its text, and the names of the variables it is read from) names a document
    served as it is: signing keys, an OpenID configuration, a file such as `rules.json`."""
    if _DOCUMENT_MARKERS.search(url):
        return True
    path = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").lower()
    return path.endswith(DOCUMENT_URL_EXTENSIONS)


def _parameters_read(call: cst.Call, fn: Function) -> Set[str]:
    """The parameters of `fn` that the call reads, directly or through `fn`'s locals."""
    seen: Set[str] = set()
    todo = list(free_names(call))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in fn.params:
            continue
        for value in fn.assigned.get(name, ()):
            value = getattr(value, "iterable", value)  # `for x in xs`: what `xs` is
            if isinstance(value, cst.BaseExpression):
                todo.extend(free_names(value))
    return seen & set(fn.params)


def _calls_named(analysis) -> Dict[str, List[Tuple[object, Function, cst.Call]]]:
    """Every call made inside a function of the project, by the name it calls (`f(...)`,
    `x.f(...)`): (module, caller, call). Built once per project, on first use."""

    def compute() -> Dict[str, List[Tuple[object, Function, cst.Call]]]:
        index: Dict[str, List[Tuple[object, Function, cst.Call]]] = {}
        for module in analysis.project.modules.values():
            for fn in module.functions.values():
                for site in fn.iter(cst.Call):
                    name = called_name(site.node.func)
                    if site.function is fn and name is not None:
                        index.setdefault(name, []).append((module, fn, site.node))
        return index

    return analysis.project.remember("lam202_calls_named", compute)


def _parameter_owner(name: str, fn: Optional[Function]) -> Optional[Function]:
    """The function whose parameter `name` is, where `fn` reads it; None for other names."""
    scope = fn
    while scope is not None and not scope.is_local(name):
        scope = scope.parent
    return scope if scope is not None and name in scope.params else None


def _powertools_getter(kind: str) -> str:
    return {"secret": "secret", "configuration": "app_config"}.get(kind, "parameter")


def _arg(call: cst.Call, index: int, *keywords: str):
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value in keywords:
            return a.value
    return positional[index].value if 0 <= index < len(positional) else None


def _has_string(expr, values_of, fn) -> bool:
    """The expression is (built from) a string: a file name rather than a file object."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return True
    if isinstance(expr, cst.BinaryOperation):
        return _has_string(expr.left, values_of, fn) or _has_string(expr.right, values_of, fn)
    if isinstance(expr, cst.Call):
        return dotted_name(expr.func) in ("os.path.join", "os.getenv", "os.environ.get", "str") or (
            isinstance(expr.func, cst.Attribute) and expr.func.attr.value in ("format", "join", "get")
        )
    if isinstance(expr, cst.Subscript):
        return dotted_name(expr.value) == "os.environ"
    if isinstance(expr, cst.Name):
        values = values_of(expr.value, fn)
        return len(values) == 1 and _has_string(values[0][1], values_of, values[0][0])
    return False


def _base(node) -> Optional[str]:
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _top_level_statement(site: Site, fn: Function):
    """The statement of `fn`'s own body (not nested in if/for/try) that holds the node."""
    body = fn.node.body
    if not isinstance(body, cst.IndentedBlock):
        return None
    for index, anc in enumerate(site.ancestors):
        if anc is body and index + 1 < len(site.ancestors):
            return site.ancestors[index + 1]
    return None


def _target_names(target: cst.CSTNode) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    return []


def _bound_in(block: cst.CSTNode) -> Set[str]:
    out: Set[str] = set()
    for node in _common.walk_nodes(block):
        if isinstance(node, cst.AssignTarget):
            out.update(_target_names(node.target))
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor)):
            out.update(_target_names(node.target))
        elif isinstance(node, cst.AsName):
            out.update(_target_names(node.name))
        elif isinstance(node, cst.NamedExpr):
            out.update(_target_names(node.target))
    return out


def _assignments_in(block: cst.CSTNode, name: str) -> int:
    count = 0
    for node in _common.walk_nodes(block):
        if isinstance(node, cst.Assign):
            count += sum(name in _target_names(t.target) for t in node.targets)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.NamedExpr)) and name in _target_names(
            node.target
        ):
            count += 1
        elif isinstance(node, cst.WithItem) and node.asname is not None and name in _target_names(node.asname.name):
            count += 1
    return count
