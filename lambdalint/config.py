"""`[tool.lambdalint]` configuration: discovery, validation and command-line overrides."""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, FrozenSet, Optional, Sequence, Tuple, Union

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10
    import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]


class ConfigError(Exception):
    """Bad configuration: reported with exit code 2."""


@dataclass(frozen=True)
class Config:
    select: Tuple[str, ...] = ("LAM",)
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = ()
    handlers: Tuple[str, ...] = ()  # "path:function", paths absolute after loading
    handler_names: Tuple[str, ...] = ()
    templates: Tuple[str, ...] = ()
    client_factories: FrozenSet[str] = frozenset()
    io_functions: FrozenSet[str] = frozenset()
    extend_select: Tuple[str, ...] = ()
    source_roots: Tuple[str, ...] = ()  # absolute after loading
    # True for every entry point, or the "path:function" entry points it applies to
    snapstart: Union[bool, Tuple[str, ...]] = False
    managed_instances: Union[bool, Tuple[str, ...]] = False
    root: str = "."  # directory that relative paths in the file are relative to
    source: Optional[str] = None  # the file the settings came from

    def with_overrides(self, **changes) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_selection(
        self, select: Optional[Sequence[str]] = None, extend_select: Sequence[str] = (), ignore: Sequence[str] = ()
    ) -> "Config":
        """The command line's selection on top of this one, layered as ruff layers it:
        `select` starts afresh (the configured `select`, `extend-select` and `ignore` no
        longer apply); `extend_select` and `ignore` win over what the configuration says
        about the codes they cover, and add to it."""
        if select is not None:
            return replace(self, select=tuple(select), extend_select=tuple(extend_select), ignore=tuple(ignore))
        extend_select, ignore = tuple(extend_select), tuple(ignore)
        kept_ignore = tuple(i for i in self.ignore if not any(i.startswith(e) for e in extend_select))
        kept_select = tuple(s for s in self.select if not any(s.startswith(i) for i in ignore))
        kept_extend = tuple(s for s in self.extend_select if not any(s.startswith(i) for i in ignore))
        return replace(self, select=kept_select, extend_select=kept_extend + extend_select, ignore=kept_ignore + ignore)

    @property
    def selected(self) -> Tuple[str, ...]:
        """`select` plus `extend-select`: the codes and prefixes that are on."""
        return self.select + self.extend_select

    def is_selected(self, code: str) -> bool:
        """`code` is on (`select` / `extend-select` against `ignore`)."""
        from lambdalint.registry import is_selected

        return is_selected(code, self.selected, self.ignore)

    def allows(self, code: str, path: str, cwd: Optional[str] = None) -> bool:
        """`per-file-ignores` does not switch `code` off for `path` (a display path, relative
        to `cwd`).  Globs match the path relative to the settings' directory, as shown, or
        the file name."""
        if not self.per_file_ignores:
            return True
        absolute = os.path.join(cwd, path) if cwd else os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root).replace(os.sep, "/")
        for glob, codes in self.per_file_ignores:
            if (_glob_match(path, glob) or _glob_match(relative, glob)) and any(code.startswith(c) for c in codes):
                return False
        return True

    def reports(self, code: str, path: str, cwd: Optional[str] = None) -> bool:
        """Findings of `code` in `path` are shown: selected, and not ignored for the file."""
        return self.is_selected(code) and self.allows(code, path, cwd)


def _glob_match(path: str, glob: str) -> bool:
    return fnmatch.fnmatch(path, glob) or fnmatch.fnmatch(os.path.basename(path), glob)


def _str_list(key: str, value) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`{key}` must be a list of strings, got {value!r}")
    return tuple(value)


def _codes(key: str, value) -> Tuple[str, ...]:
    from lambdalint.registry import validate_code_prefixes

    codes = _str_list(key, value)
    try:
        validate_code_prefixes(codes)
    except ValueError as exc:
        raise ConfigError(f"`{key}`: {exc}") from None
    return codes


def _directories(key: str, value, root: str) -> Tuple[str, ...]:
    return tuple(os.path.normpath(os.path.join(root, d)) for d in _str_list(key, value))


def _phase(key: str, value, root: str) -> Union[bool, Tuple[str, ...]]:
    """`true` / `false` for every entry point, or a list of `path:function`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return _handlers(key, value, root)
    raise ConfigError(f"`{key}` must be true, false or a list of 'path:function', got {value!r}")


def _handlers(key: str, value, root: str) -> Tuple[str, ...]:
    out = []
    for item in _str_list(key, value):
        path, sep, func = item.rpartition(":")
        if not sep or not path or not func:
            raise ConfigError(f"`{key}`: expected 'path:function', got {item!r}")
        out.append(f"{os.path.normpath(os.path.join(root, path))}:{func}")
    return tuple(out)


def _per_file_ignores(key: str, value) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{key}` must be a table of glob = [codes], got {value!r}")
    return tuple((glob, _codes(f"{key}.{glob}", codes)) for glob, codes in value.items())


_PARSERS = {
    "select": lambda k, v, root: _codes(k, v),
    "ignore": lambda k, v, root: _codes(k, v),
    "per-file-ignores": lambda k, v, root: _per_file_ignores(k, v),
    "exclude": lambda k, v, root: _str_list(k, v),
    "handlers": _handlers,
    "handler-names": lambda k, v, root: _str_list(k, v),
    "templates": lambda k, v, root: _str_list(k, v),
    "client-factories": lambda k, v, root: frozenset(_str_list(k, v)),
    "io-functions": lambda k, v, root: frozenset(_str_list(k, v)),
    "extend-select": lambda k, v, root: _codes(k, v),
    "source-roots": _directories,
    "snapstart": _phase,
    "managed-instances": _phase,
}


def parse_table(table: Dict, root: str, source: Optional[str] = None) -> Config:
    values: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in _PARSERS:
            known = ", ".join(sorted(_PARSERS))
            raise ConfigError(f"unknown key `{key}` in [tool.lambdalint] (known keys: {known})")
        values[key.replace("-", "_")] = _PARSERS[key](key, value, root)
    return Config(root=root, source=source, **values)


def load_file(path: Path) -> Config:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    tool = _tool_table(data)
    table = tool.get("lambdalint", {}) if path.name == "pyproject.toml" else tool.get("lambdalint", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.lambdalint] must be a table")
    try:
        return parse_table(table, str(path.parent.resolve()), str(path))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _tool_table(data: Dict) -> Dict:
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.lambdalint] table, searching upwards."""
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                with open(candidate, "rb") as f:
                    raw = f.read()
                data = tomllib.loads(raw.decode("utf-8"))
            except OSError:
                continue
            except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                # Broken TOML that configures lambdalint must not be silently ignored.
                if b"lambdalint" in raw:
                    raise ConfigError(f"{candidate}: invalid TOML: {exc}") from None
                continue
            if "lambdalint" in _tool_table(data):
                return candidate
    return None


def load(config_file: Optional[str], cwd: Optional[Path] = None) -> Config:
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"{config_file}: configuration file not found")
        return load_file(path)
    found = find_pyproject((cwd or Path.cwd()).resolve())
    return load_file(found) if found else Config(root=str((cwd or Path.cwd()).resolve()))
