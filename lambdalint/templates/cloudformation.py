"""SAM and CloudFormation: `AWS::Serverless::Function` / `AWS::Lambda::Function` resources,
with SAM `Globals.Function` applied and local nested stacks followed."""

from __future__ import annotations

import os
import re
from typing import Callable, List, Set, Tuple

from lambdalint.model import FileError
from lambdalint.templates.refs import (
    OUTSIDE,
    HandlerRef,
    is_local,
    literal,
    mark,
    outside_project,
    python_runtime,
    resolve,
    runs_web_adapter,
)
from lambdalint.templates.settings import cloudformation_settings

Follow = Callable[[str, Set[str]], Tuple[List[HandlerRef], List[FileError]]]


_FUNCTION_TYPES = {"AWS::Serverless::Function": "SAM template", "AWS::Lambda::Function": "CloudFormation template"}


def cloudformation_refs(
    doc, path: str, text: str, seen: Set[str], follow: Follow
) -> Tuple[List[HandlerRef], List[FileError]]:
    """The handlers a SAM / CloudFormation document names; `follow(path, seen)` reads a
    local nested stack's template."""
    refs: List[HandlerRef] = []
    errors: List[FileError] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        return refs, errors
    directory = os.path.dirname(path)
    globals_fn = doc.get("Globals", {})
    globals_fn = globals_fn.get("Function", {}) if isinstance(globals_fn, dict) else {}
    if not isinstance(globals_fn, dict):
        globals_fn = {}
    for logical_id, resource in doc["Resources"].items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        if not isinstance(kind, str):
            continue
        props = resource.get("Properties")
        props = props if isinstance(props, dict) else {}
        if kind in ("AWS::Serverless::Application", "AWS::CloudFormation::Stack"):
            location = literal(
                props.get("Location") if kind.startswith("AWS::Serverless") else props.get("TemplateURL")
            )
            if location and is_local(location):
                nested = os.path.normpath(os.path.join(directory, location))
                if outside_project(nested):
                    line, column = mark(props, "Location" if kind.startswith("AWS::Serverless") else "TemplateURL")
                    errors.append(
                        FileError(
                            path, f"nested stack `{location}` of `{logical_id}` {OUTSIDE}", line or None, column or None
                        )
                    )
                elif os.path.isfile(nested):
                    more, more_errors = follow(nested, seen)
                    refs.extend(more)
                    errors.extend(more_errors)
            continue
        if kind not in _FUNCTION_TYPES:
            continue
        sam = kind == "AWS::Serverless::Function"
        merged = {**globals_fn, **props} if sam else dict(props)
        if literal(merged.get("PackageType")) == "Image" or "ImageUri" in merged:
            continue
        if sam and "InlineCode" in merged:
            continue
        runtime = python_runtime(merged.get("Runtime"))
        if runtime is False:
            continue
        handler = literal(merged.get("Handler"))
        if handler is None:
            continue
        if sam:
            code = merged.get("CodeUri", ".")
        else:
            code = merged.get("Code")
        code_dir = literal(code)
        if code_dir is None or not is_local(code_dir) or code_dir.lower().endswith((".zip", ".jar")):
            continue  # S3, inline ZipFile, an intrinsic or a built artefact: nothing local to read
        if "Handler" in props:
            line, column = mark(props, "Handler")
        else:
            line, column = mark(globals_fn, "Handler")
        if not line and text.lstrip().startswith("{"):
            line, column = _json_line(text, logical_id if "Handler" in props else "Globals", "Handler")
        settings, notes = cloudformation_settings(merged, str(logical_id), sam)
        environment = merged.get("Environment")
        variables = environment.get("Variables") if isinstance(environment, dict) else None
        refs.append(
            resolve(
                HandlerRef(
                    origin=path,
                    line=line,
                    column=column,
                    kind=_FUNCTION_TYPES[kind],
                    name=str(logical_id),
                    handler=handler,
                    code_dir=os.path.normpath(os.path.join(directory, code_dir)),
                    code_label=f"CodeUri `{code_dir}`" if sam else f"Code `{code_dir}`",
                    runtime_known=runtime is True,
                    settings=settings,
                    notes=notes,
                    web_adapter=runs_web_adapter(variables, merged.get("Layers")),
                )
            )
        )
    return refs, errors


def _json_line(text: str, owner: str, key: str) -> Tuple[int, int]:
    """Line and column of `"key": value` after `"owner":` in JSON text (json keeps no marks)."""
    start = re.search(r'"%s"\s*:\s*\{' % re.escape(owner), text)
    found = re.compile(r'"%s"\s*:\s*' % re.escape(key)).search(text, start.end() if start else 0)
    if found is None:
        return 0, 0
    offset = found.end()
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
