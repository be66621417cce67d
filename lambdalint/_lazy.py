"""Import libcst on first use, so `--version`, `rules` and handler-free runs never pay for it."""

import importlib
import types


class _LazyModule(types.ModuleType):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._module = None

    def __getattr__(self, attr: str):
        if self._module is None:
            self._module = importlib.import_module(self.__name__)
        return getattr(self._module, attr)


cst = _LazyModule("libcst")
