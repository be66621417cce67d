"""Which functions of a module Lambda calls: the entry points, and what made each one."""

from __future__ import annotations

import dataclasses
import os
import re
from typing import TYPE_CHECKING, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from lambdalint import catalog
from lambdalint._lazy import cst
from lambdalint.analysis import names
from lambdalint.analysis.model import EntryPoint, Function
from lambdalint.model import FunctionSettings, NamedHandler
from lambdalint.parsing import takes_event_and_context

if TYPE_CHECKING:  # pragma: no cover
    from lambdalint.analysis import ModuleAnalysis

_POWERTOOLS_ROUTE = re.compile(catalog.POWERTOOLS_ROUTE)
_CHALICE_ROUTE = re.compile(catalog.CHALICE_ROUTE)
_ASGI_ROUTE = re.compile(catalog.ASGI_ROUTE)
_WSGI_ROUTE = re.compile(catalog.WSGI_ROUTE)
_WSGI_ADAPTER_PACKAGES = frozenset(name.partition(".")[0] for name in catalog.WSGI_ADAPTERS)
_TEST_FUNCTION = re.compile(r"^test(?:_|[A-Z0-9]|$)")  # pytest and unittest test names


def powertools_calls_with_event_and_context(decorator: str) -> bool:
    """A Powertools decorator whose wrapper calls the wrapped function as f(event, context)."""
    if decorator.startswith(catalog.POWERTOOLS_PYDANTIC_REEXPORTS):
        return False  # pydantic's `validator`, re-exported by the parser utility
    return (
        decorator.startswith("aws_lambda_powertools.")
        and decorator.rsplit(".", 1)[-1] in catalog.POWERTOOLS_HANDLER_DECORATORS
    )


def looks_like_handler(fn: Function) -> bool:
    """Its first two parameters are named like `(event, context)`."""
    return takes_event_and_context(fn.positional_params())


def find_entry_points(analysis: "ModuleAnalysis", named: Mapping[str, NamedHandler]) -> List[EntryPoint]:
    """Entry points named from outside (`named`: configuration and templates), then those
    found by convention, signature, handler instances and frameworks, each once.  A named
    handler bound to a value made by code that is not followed (`handler = Mangum(app)`)
    is no entry point, but its settings still apply to the module's Init code: it is kept
    in `analysis.opaque_handlers`."""
    handler_names = {*catalog.DEFAULT_HANDLER_NAMES, *analysis.config.handler_names}
    found: Dict[str, EntryPoint] = {}

    def add(fn: Function, source: str, detail: str = "", how: Optional[NamedHandler] = None) -> None:
        if fn.qualname not in found:
            settings = _configured_phases(analysis, fn.qualname, how.settings if how else FunctionSettings())
            found[fn.qualname] = EntryPoint(fn, source, detail, settings)

    analysis.opaque_handlers = {}
    for name, how in named.items():
        fn = analysis.functions.get(name)
        if fn is None and name in analysis.module_bindings:
            fn = _instance_call(analysis, name)
            if fn is None:  # `handler = Mangum(app)`: a callable made by code not followed
                settings = _configured_phases(analysis, name, how.settings)
                analysis.opaque_handlers[name] = dataclasses.replace(how, settings=settings)
        if fn is not None:
            add(fn, how.source, how.detail, how)
    for fn in analysis.module_functions.values():
        if fn.name in handler_names:
            add(fn, "convention")
        elif looks_like_handler(fn):
            add(fn, "signature")
    for name in analysis.module_bindings:
        fn = _instance_call(analysis, name)
        if fn is not None and len(fn.positional_params()) >= 2:
            add(fn, "class instance")
    mangum, wsgi = analysis.project.has_mangum, analysis.project.has_wsgi_adapter
    for fn in analysis.functions.values():
        framework = _framework_entry(analysis, fn, mangum, wsgi)
        if framework is not None and _loadable(fn, framework[0]):
            add(fn, *framework)
    return list(found.values())


def _loadable(fn: Function, source: str) -> bool:
    """Lambda can reach the function: a handler decorator counts only on a module-level
    function or a method (Lambda loads `module.function`; a `def` nested in another
    function, such as a test's local handler, is never loaded), and nothing defined inside
    a test function (`test_*`) runs in Lambda."""
    if any(_TEST_FUNCTION.match(scope.name) for scope in fn.scopes() if scope is not fn):
        return False
    return source != "decorator" or fn.parent is None


def _configured_phases(analysis: "ModuleAnalysis", qualname: str, settings: FunctionSettings) -> FunctionSettings:
    """`snapstart` / `managed-instances` from configuration, on top of what templates say."""
    config = analysis.config
    here = f"{os.path.realpath(analysis.path)}:{qualname}"

    def applies(value) -> bool:
        return value is True or (
            isinstance(value, tuple)
            and any(os.path.realpath(item.rpartition(":")[0]) + ":" + item.rpartition(":")[2] == here for item in value)
        )

    changes = {}
    if applies(config.snapstart):
        changes["snapstart"] = True
    if applies(config.managed_instances):
        changes["managed_instances"] = True
    return dataclasses.replace(settings, **changes) if changes else settings


def give_routes_their_adapters_settings(modules: Iterable["ModuleAnalysis"], entries: List[EntryPoint]) -> None:
    """The routes of a Mangum app run in the function whose handler is `Mangum(app)`, those
    of a Flask app in the handler that passes the event to a WSGI adapter: a template's
    settings for that handler (SnapStart, timeout...) apply to them too."""
    modules = list(modules)
    asgi = [
        how.settings
        for analysis in modules
        for name, how in analysis.opaque_handlers.items()
        if made_by(analysis, name) in catalog.MANGUM
    ]
    wsgi = [
        how.settings
        for analysis in modules
        for name, how in analysis.opaque_handlers.items()
        if made_by(analysis, name) in catalog.WSGI_ADAPTERS
    ] + [entry.settings for entry in entries if entry.source != "framework" and _calls_wsgi_adapter(entry.function)]
    for adapters, prefix in ((asgi, "Mangum "), (wsgi, "Flask ")):
        if not adapters:
            continue
        settings = adapters[0]
        for other in adapters[1:]:
            settings = settings.combined(other)
        for entry in entries:
            if entry.source == "framework" and entry.detail.startswith(prefix):
                entry.settings = entry.settings.combined(settings)


def _calls_wsgi_adapter(fn: Function) -> bool:
    module = fn.module
    return (
        module is not None
        and module.project.has_wsgi_adapter
        and any(module.qualified_name(site.node.func, fn) in catalog.WSGI_ADAPTERS for site in fn.iter(cst.Call))
    )


def made_by(analysis: "ModuleAnalysis", name: str) -> Optional[str]:
    """The qualified name of the callable a module-level `name = f(...)` was made by."""
    value = analysis.module_bindings.get(name, [None])[-1]
    return analysis.qualified_name(value.func, None) if isinstance(value, cst.Call) else None


def has_mangum(analysis: "ModuleAnalysis") -> bool:
    """A module-level `handler = Mangum(app)`: the app's routes run per invocation (the app
    may be defined, and its routes registered, in other modules of the project)."""
    return any(
        isinstance(v, cst.Call) and analysis.qualified_name(v.func, None) in catalog.MANGUM
        for values in analysis.module_bindings.values()
        for v in values
    )


def has_wsgi_adapter(analysis: "ModuleAnalysis") -> bool:
    """A WSGI adapter called with the event (`serverless_wsgi.handle_request(app, event,
    context)`, `awsgi.response(...)`) or a handler made by one
    (`apig_wsgi.make_lambda_handler(app)`): a Flask app's routes run per invocation."""
    imported = [
        *analysis.aliases.values(),
        *(q for fn in analysis.functions.values() for q in fn.local_aliases.values()),
    ]
    if not any(q.partition(".")[0] in _WSGI_ADAPTER_PACKAGES for q in imported):
        return False  # the cheap test first: most modules import no adapter
    if any(
        isinstance(v, cst.Call) and analysis.qualified_name(v.func, None) in catalog.WSGI_ADAPTERS
        for values in analysis.module_bindings.values()
        for v in values
    ):
        return True
    return any(
        analysis.qualified_name(site.node.func, fn) in catalog.WSGI_ADAPTERS
        for fn in analysis.module_functions.values()
        for site in fn.iter(cst.Call)
    )


def _framework_entry(analysis: "ModuleAnalysis", fn: Function, mangum: bool, wsgi: bool) -> Optional[Tuple[str, str]]:
    """("framework" | "decorator", detail) when a decorator makes `fn` run per request."""
    for decorator in fn.decorators:
        match = _POWERTOOLS_ROUTE.match(decorator)
        if (
            match
            and match["cls"] in catalog.POWERTOOLS_RESOLVERS
            and match["method"] in catalog.POWERTOOLS_ROUTE_METHODS
        ):
            return "framework", f"Powertools {match['cls']} @{match['method']}"
        match = _CHALICE_ROUTE.match(decorator)
        if match and match["method"] in catalog.CHALICE_METHODS:
            return "framework", f"Chalice @{match['method']}"
        match = _ASGI_ROUTE.match(decorator)
        if mangum and match and match["method"] in catalog.ASGI_ROUTE_METHODS:
            return "framework", f"Mangum {match['cls']} @{match['method']}"
        match = _WSGI_ROUTE.match(decorator)
        if wsgi and match and match["method"] in catalog.WSGI_ROUTE_METHODS:
            app = "Flask" if match["cls"] == "Flask" else "Flask Blueprint"
            return "framework", f"{app} @{match['method']}"
        if is_powertools_handler_decorator(analysis, decorator):
            return "decorator", f"Powertools @{decorator.rsplit('.', 1)[-1]}"
        if is_durable_execution_decorator(decorator):
            return "decorator", "durable function @durable_execution"
    return None


def is_durable_execution_decorator(decorator: str) -> bool:
    """`@durable_execution` of the AWS Durable Execution SDK: the function is the handler."""
    return (
        decorator.startswith(catalog.DURABLE_SDK_PACKAGE + ".")
        and decorator.rsplit(".", 1)[-1] in catalog.DURABLE_EXECUTION_DECORATORS
    )


def is_powertools_handler_decorator(analysis: "ModuleAnalysis", decorator: str) -> bool:
    """A Powertools handler decorator, or one made by `@lambda_handler_decorator` in
    this module: the function it wraps is the Lambda handler."""
    if powertools_calls_with_event_and_context(decorator):
        return True
    factory = analysis.module_functions.get(decorator)
    return factory is not None and any(
        d.endswith("lambda_handler_decorator") and d.startswith("aws_lambda_powertools.") for d in factory.decorators
    )


def _instance_call(analysis: "ModuleAnalysis", name: str) -> Optional[Function]:
    """`Cls.__call__` when module-level `name = Cls(...)`."""
    cls = names.instance_class(analysis, name, None)
    return analysis.functions.get(f"{cls}.__call__") if cls else None


def entry_params(analysis: "ModuleAnalysis", fn: Function) -> Set[str]:
    """The event/context parameters of an entry point (empty for other functions)."""
    for entry in analysis.entry_points:
        if entry.function is fn:
            if entry.source == "framework":  # route parameters come from the request
                return set(fn.positional_params()) | set(fn.extra_params)
            return set(fn.positional_params()[:2])
    return set()
