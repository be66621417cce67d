"""Find the rules (every Rule subclass in lambdalint.rules) and select them by code."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import Dict, Iterable, List, Sequence, Type

from lambdalint.rule import Rule

_CODE_PREFIX = re.compile(r"^LAM\d{0,3}$")
ALL = "ALL"  # every rule, opt-in rules included (ruff's `--select ALL`)
# `LAM` alone (the default `select`) does not turn on opt-in rules (LAM001): only their code,
# a prefix longer than this, or ALL does.
_FAMILY = len("LAM")


@lru_cache(maxsize=None)
def all_rules() -> Dict[str, Type[Rule]]:
    import lambdalint.rules as package

    found: Dict[str, Type[Rule]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                found[value.code] = value
    return dict(sorted(found.items()))


def validate_code_prefixes(codes: Iterable[str]) -> None:
    """Raise ValueError for a code or prefix that names no rule (a typo must not silently
    turn rules off): `LAM201`, `LAM2`, `LAM` and `ALL` are fine, `LAM999`, `LAM9` are not."""
    rules = None
    for code in codes:
        if code == ALL:
            continue
        if not _CODE_PREFIX.match(code):
            raise ValueError(f"{code!r} is not a lambdalint code or prefix (e.g. LAM201, LAM2, LAM, ALL)")
        rules = all_rules() if rules is None else rules
        if not any(known.startswith(code) for known in rules):
            kind = "code" if len(code) == 6 else "prefix"
            raise ValueError(
                f"{code!r} names no lambdalint rule (unknown {kind}); `lambdalint rules` lists them: {', '.join(rules)}"
            )


def is_opt_in(code: str) -> bool:
    rule = all_rules().get(code)
    return rule is not None and rule.opt_in


def _matches(code: str, prefixes: Sequence[str], opt_in: bool = False, all_length: int = 0) -> int:
    """Length of the longest prefix matching `code`, or -1 (ALL counts as `all_length`)."""
    best = -1
    for p in prefixes:
        if p == ALL:
            best = max(best, all_length)
        elif code.startswith(p) and not (opt_in and len(p) <= _FAMILY):
            best = max(best, len(p))
    return best


def is_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff's semantics: the more specific of a matching select and ignore wins."""
    chosen = _matches(code, select, is_opt_in(code))
    # Selected, ALL is the least specific choice; ignored, it is as broad as `LAM`.
    return chosen >= 0 and chosen > _matches(code, ignore, all_length=_FAMILY)


def selected_rules(select: Sequence[str], ignore: Sequence[str]) -> List[Type[Rule]]:
    return [r for code, r in all_rules().items() if is_selected(code, select, ignore)]
