"""Serverless Framework: `functions:` in `serverless.yml`, relative to the service directory."""

from __future__ import annotations

import os
from typing import List

from lambdalint.catalog import SERVERLESS_PLUGIN_HANDLERS
from lambdalint.templates.refs import HandlerRef, literal, mark, python_runtime, resolve, runs_web_adapter
from lambdalint.templates.settings import serverless_settings


def serverless_refs(doc, path: str) -> List[HandlerRef]:
    refs: List[HandlerRef] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("functions"), dict):
        return refs
    provider: dict = doc["provider"] if isinstance(doc.get("provider"), dict) else {}
    if provider.get("name", "aws") != "aws":
        return refs  # Azure Functions, OpenWhisk, ...: not Lambda
    plugins = doc.get("plugins")
    if isinstance(plugins, dict):
        plugins = plugins.get("modules")
    generated = (
        {SERVERLESS_PLUGIN_HANDLERS[p] for p in plugins or () if isinstance(p, str) and p in SERVERLESS_PLUGIN_HANDLERS}
        if isinstance(plugins, list)
        else set()
    )
    default_runtime = provider.get("runtime")
    directory = os.path.dirname(path)
    for name, spec in doc["functions"].items():
        if not isinstance(spec, dict) or "image" in spec:
            continue
        package = spec.get("package")
        if isinstance(package, dict) and "artifact" in package:
            continue  # a prebuilt zip
        runtime = python_runtime(spec.get("runtime", default_runtime))
        if runtime is False:
            continue
        handler = literal(spec.get("handler"))
        if handler is None or handler.rpartition(".")[0] in generated:
            continue  # no handler, or one a plugin writes when it packages the service
        line, column = mark(spec, "handler")
        settings, notes = serverless_settings(provider, spec, str(name))
        environment: dict = {}
        for scope in (provider, spec):
            if isinstance(scope.get("environment"), dict):
                environment.update(scope["environment"])
        refs.append(
            resolve(
                HandlerRef(
                    origin=path,
                    line=line,
                    column=column,
                    kind="Serverless",
                    name=str(name),
                    handler=handler,
                    code_dir=directory,
                    code_label="the service directory",
                    runtime_known=runtime is True,
                    settings=settings,
                    notes=notes,
                    web_adapter=runs_web_adapter(environment, spec.get("layers", provider.get("layers"))),
                )
            )
        )
    return refs
