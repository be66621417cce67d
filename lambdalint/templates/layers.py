"""Lambda layers a template builds from local code: their `python/` directories are where
a function's `import shared.db` finds `shared/db.py` at run time (/opt/python)."""

from __future__ import annotations

import os
from typing import List

from lambdalint.templates.refs import is_local, literal


def layer_dirs(doc, path: str, serverless: bool) -> List[str]:
    """The local directories of the layers `doc` (read from `path`) builds: SAM
    `AWS::Serverless::LayerVersion` `ContentUri`, Serverless `layers.<name>.path`."""
    directory = os.path.dirname(path)
    found: List[str] = []
    if not isinstance(doc, dict):
        return found
    if serverless:
        layers = doc.get("layers")
        for spec in layers.values() if isinstance(layers, dict) else ():
            where = literal(spec.get("path")) if isinstance(spec, dict) else None
            if where and is_local(where):
                found.append(os.path.normpath(os.path.join(directory, where)))
        return found
    resources = doc.get("Resources")
    for resource in resources.values() if isinstance(resources, dict) else ():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        props = resource.get("Properties")
        where = literal(props.get("ContentUri")) if isinstance(props, dict) else None
        if where and is_local(where) and not where.lower().endswith(".zip"):
            found.append(os.path.normpath(os.path.join(directory, where)))
    return found
