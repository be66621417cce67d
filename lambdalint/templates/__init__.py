"""Entry points named by infrastructure code: SAM / CloudFormation, Serverless Framework, CDK.

Real projects name their handlers in templates (`Handler: thumbs.run`), not by convention.
This package finds those templates, reads the handler names with the line each one is
written on, and maps them to Python files: handler `pkg.mod.func` under `CodeUri: src/`
is `src/pkg/mod.py`, function `func` (the Python runtime does `rsplit(".", 1)` and imports
the module with `/` read as `.`, so `Class.method` cannot be a handler).

- `loading`: safe YAML (CloudFormation tags, line marks) and JSON;
- `refs`: `HandlerRef`, a named handler and the file it resolves to;
- `cloudformation`, `serverless`, `cdk`: one reader per kind of infrastructure code;
- `scan`: which templates a run reads, and every handler they and the configuration name.

Nothing here raises on bad input: a template that is not valid YAML/JSON is a FileError
and the run goes on.  Nothing here runs the code it reads (CDK apps are read with `ast`).
"""

from lambdalint.templates.cdk import cdk_refs
from lambdalint.templates.loading import Intrinsic, TemplateError, load_json, load_yaml
from lambdalint.templates.refs import HandlerRef, resolve
from lambdalint.templates.scan import (
    SAM_GLOBS,
    SAM_NAMES,
    SERVERLESS_NAMES,
    TemplateScan,
    config_refs,
    entry_points,
    find_templates,
    is_template_name,
    scan,
    template_refs,
)

__all__ = [
    "HandlerRef",
    "Intrinsic",
    "SAM_GLOBS",
    "SAM_NAMES",
    "SERVERLESS_NAMES",
    "TemplateError",
    "TemplateScan",
    "cdk_refs",
    "config_refs",
    "entry_points",
    "find_templates",
    "is_template_name",
    "load_json",
    "load_yaml",
    "resolve",
    "scan",
    "template_refs",
]
