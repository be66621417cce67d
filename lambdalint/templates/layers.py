"""Lambda layers a template builds from local code: their `python/` directories are where
a function's `import shared.db` finds `shared/db.py` at run time (/opt/python)."""

from __future__ import annotations

import os
from typing import List, Optional

from lambdalint.templates.refs import is_local, literal, outside_project


def layer_dirs(doc, path: str, serverless: bool, outside: Optional[List[str]] = None) -> List[str]:
    """The local directories of the layers `doc` (read from `path`) builds: SAM
    `AWS::Serverless::LayerVersion` `ContentUri`, Serverless `layers.<name>.path`.  Those
    outside the project are left out, and their values as written added to `outside`."""
    found = _layer_dirs(doc, path, serverless)
    kept = [real for _, real in found if not outside_project(real)]
    if outside is not None:
        outside.extend(written for written, real in found if outside_project(real))
    return kept


def _layer_dirs(doc, path: str, serverless: bool) -> List[tuple]:
    directory = os.path.dirname(path)
    found: List[tuple] = []
    if not isinstance(doc, dict):
        return found
    if serverless:
        layers = doc.get("layers")
        for spec in layers.values() if isinstance(layers, dict) else ():
            where = literal(spec.get("path")) if isinstance(spec, dict) else None
            if where and is_local(where):
                found.append((where, os.path.normpath(os.path.join(directory, where))))
        return found
    resources = doc.get("Resources")
    for resource in resources.values() if isinstance(resources, dict) else ():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        props = resource.get("Properties")
        where = literal(props.get("ContentUri")) if isinstance(props, dict) else None
        if where and is_local(where) and not where.lower().endswith(".zip"):
            found.append((where, os.path.normpath(os.path.join(directory, where))))
    return found
