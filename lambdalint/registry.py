"""Find the rules (every Rule subclass in lambdalint.rules) and select them by code."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import Dict, Iterable, List, Sequence, Type

from lambdalint.rule import Rule

_CODE_PREFIX = re.compile(r"^LAM\d{0,3}$")


@lru_cache(maxsize=None)
def all_rules() -> Dict[str, Type[Rule]]:
    import lambdalint.rules as package

    found: Dict[str, Type[Rule]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule \
                    and value.__module__ == module.__name__:
                found[value.code] = value
    return dict(sorted(found.items()))


def validate_code_prefixes(codes: Iterable[str]) -> None:
    for code in codes:
        if not _CODE_PREFIX.match(code):
            raise ValueError(f"{code!r} is not a lambdalint code or prefix (e.g. LAM201, LAM2, LAM)")


def _matches(code: str, prefixes: Sequence[str]) -> int:
    """Length of the longest prefix matching `code`, or -1."""
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff's semantics: the more specific of a matching select and ignore wins."""
    chosen = _matches(code, select)
    return chosen >= 0 and chosen > _matches(code, ignore)


def selected_rules(select: Sequence[str], ignore: Sequence[str]) -> List[Type[Rule]]:
    return [r for code, r in all_rules().items() if is_selected(code, select, ignore)]
