"""Reading template files safely: YAML with CloudFormation tags and line marks, JSON.

YAML is read with a SafeLoader subclass: no Python tags, nothing is ever constructed from
the document but plain data.  CloudFormation short-form tags (`!Ref`, `!Sub`, `!GetAtt`,
`!If`, ...) load as `Intrinsic` values, which are "unknown" wherever a literal is needed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Tuple


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

    class CloudFormationLoader(yaml.SafeLoader):
        """SafeLoader that accepts any `!Tag` (CloudFormation intrinsics) and keeps marks."""

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


def load_yaml(text: str):
    yaml = _yaml()
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
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
