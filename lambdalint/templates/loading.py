"""Reading template files safely: YAML with CloudFormation tags and line marks, JSON.

Templates come from strangers' pull requests, so:

- YAML is read with a safe loader subclass (libyaml's when installed): nothing is ever
  constructed from the document but plain data, and a document with a Python tag (`!!python/object/apply:os.system`) is
  refused before anything is constructed;
- aliases are bounded: a document whose aliases would expand to more than
  `ALIAS_BUDGET` nodes ("billion laughs") or that holds an alias inside its own anchor is
  refused, since code that walks the data would never finish;
- a file larger than `MAX_TEMPLATE_BYTES` is not parsed at all (`read_template`).

CloudFormation short-form tags (`!Ref`, `!Sub`, `!GetAtt`, `!If`, ...) load as
`Intrinsic` values, which are "unknown" wherever a literal is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Set, Tuple

# CloudFormation accepts template bodies of 1 MB at most (S3-hosted; 51,200 bytes inline),
# SAM templates before the transform are of the same order: twice that is no real template.
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
# Nodes that aliases may add to a document on top of the nodes written in it.
ALIAS_BUDGET = 100_000
_PYTHON_TAG = "tag:yaml.org,2002:python/"


@dataclass(frozen=True)
class Intrinsic:
    """A CloudFormation short-form function (`!Ref X`): a value lambdalint cannot know."""

    tag: str
    value: object


class Located(dict):
    """A mapping that remembers the (line, column) of each key's value, 1-based."""

    marks: Dict[str, Tuple[int, int]]


def _yaml():
    import yaml

    return yaml


_LOADER = None


def _loader():
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    yaml = _yaml()

    # libyaml's parser when PyYAML has it: five to ten times the pure-Python one on large
    # templates (a monorepo can hold hundreds), and it caps nesting depth itself.  The
    # constructor is SafeConstructor either way.
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class CloudFormationLoader(safe_loader):
        """A safe loader that accepts any `!Tag` (CloudFormation intrinsics) and keeps marks,
        and refuses a composed document with Python tags or aliases beyond the budget."""

        def get_single_node(self):
            node = super().get_single_node()
            if node is not None:
                _check_node_graph(yaml, node)
            return node

    def construct_map(loader, node):
        data = Located()
        data.marks = {}
        yield data
        data.update(loader.construct_mapping(node))
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                mark = value_node.start_mark
                data.marks[key_node.value] = (mark.line + 1, mark.column + 1)

    def construct_intrinsic(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_scalar(node)
        return Intrinsic("!" + suffix, value)

    CloudFormationLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    CloudFormationLoader.add_multi_constructor("!", construct_intrinsic)
    _LOADER = CloudFormationLoader
    return _LOADER


class TemplateError(Exception):
    """The template cannot be read or parsed; the message names the problem."""


def _where(node) -> str:
    mark = node.start_mark
    return f" at line {mark.line + 1}, column {mark.column + 1}"


def _check_node_graph(yaml, root) -> None:
    """Refuse Python tags, aliases inside their own anchor, and aliases that expand the
    document by more than ALIAS_BUDGET nodes.  Linear in the nodes written: each node's
    expanded size is computed once."""
    sizes: Dict[int, int] = {}
    open_nodes: Set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise TemplateError(
                f"invalid YAML{_where(node)}: an alias inside its own anchor (a recursive document); not read"
            )
        if isinstance(node.tag, str) and node.tag.startswith(_PYTHON_TAG):
            shown = "!!" + node.tag[len("tag:yaml.org,2002:") :]
            raise TemplateError(
                f"invalid YAML{_where(node)}: the Python tag `{shown}` is not allowed "
                "in a template (lambdalint never constructs objects from templates)"
            )
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        sizes[key] = total
        if total - len(sizes) > ALIAS_BUDGET:
            raise TemplateError(
                f"invalid YAML{_where(node)}: its aliases expand to more than "
                f"{ALIAS_BUDGET:,} nodes (an alias bomb); not read"
            )
        return total

    size(root)


def load_yaml(text: str):
    yaml = _yaml()
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise TemplateError(f"invalid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise TemplateError("invalid YAML: too deeply nested") from None


def load_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise TemplateError("invalid JSON: too deeply nested") from None


# -- the parse store's form of a document -------------------------------------------------
#
# JSON with every container tagged, so that no key a template writes can be mistaken for
# the encoding: a mapping is {"d": [[key, value], ...], "m": {key: [line, column]}}
# (`Located`'s marks; a plain dict has no "m"), a list {"l": [...]}, an intrinsic
# {"i": tag, "v": value}, a date {"date": iso} or {"datetime": iso}.  Scalars are
# themselves.  A document holding anything else (binary, sets) is not stored.

_SCALARS = (str, int, float, bool, type(None))


class _NotStorable(Exception):
    pass


def stored_form(doc):
    """The document as JSON-ready data, or None when it holds a value the form lacks."""
    try:
        return _encode(doc)
    except (_NotStorable, RecursionError):
        return None


def _encode(value):
    import datetime

    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        out = {"d": [[_encode(k), _encode(v)] for k, v in value.items()]}
        marks = getattr(value, "marks", None)
        if marks is not None:
            out["m"] = {str(k): list(v) for k, v in marks.items()}
        return out
    if isinstance(value, list):
        return {"l": [_encode(v) for v in value]}
    if isinstance(value, Intrinsic):
        return {"i": value.tag, "v": _encode(value.value)}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    raise _NotStorable(type(value).__name__)


def from_stored_form(data):
    """The document back from `stored_form`.  Raises ValueError (or TypeError, KeyError,
    RecursionError) on data that is not that form: a damaged or planted entry."""
    import datetime

    if isinstance(data, _SCALARS):
        return data
    if not isinstance(data, dict):
        raise ValueError("not a stored document")
    if "d" in data:
        mapping = Located() if "m" in data else {}
        for key, value in data["d"]:
            key = from_stored_form(key)
            if isinstance(key, (dict, list)):
                raise ValueError("unhashable key")
            mapping[key] = from_stored_form(value)
        if "m" in data:
            mapping.marks = {str(k): (int(v[0]), int(v[1])) for k, v in data["m"].items()}
        return mapping
    if "l" in data:
        return [from_stored_form(v) for v in data["l"]]
    if "i" in data:
        return Intrinsic(str(data["i"]), from_stored_form(data["v"]))
    if "datetime" in data:
        return datetime.datetime.fromisoformat(data["datetime"])
    if "date" in data:
        return datetime.date.fromisoformat(data["date"])
    raise ValueError("not a stored document")
