"""Import libcst on first use, so `--version`, `rules` and handler-free runs never pay for it."""

import importlib
import types
from typing import TYPE_CHECKING


class _LazyModule(types.ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attr: str):
        # Only reached for names not yet in our __dict__: import once, then copy the real
        # module's namespace in so later `cst.Call` lookups are plain attribute hits.
        module = importlib.import_module(self.__name__)
        self.__dict__.update((k, v) for k, v in vars(module).items() if k not in ("__name__", "__spec__", "__loader__"))
        try:
            return self.__dict__[attr]
        except KeyError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}") from None


if TYPE_CHECKING:  # type checkers see the real module; the program imports it on first use
    import libcst as cst
else:
    cst = _LazyModule("libcst")
