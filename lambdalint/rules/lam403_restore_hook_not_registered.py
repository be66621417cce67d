"""LAM403 restore-hook-not-registered: `register_before_snapshot` / `register_after_restore`
hooks that Init does not register (defined or registered in the handler, or in code that
never runs under Lambda)."""

from __future__ import annotations

from typing import Iterator

from lambdalint._lazy import cst
from lambdalint.analysis import Function
from lambdalint.catalog import HOOK_PACKAGES
from lambdalint.model import RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _restore
from lambdalint.rules.lam401_unique_value_at_init import SNAPSTART_REFERENCES


class RestoreHookNotRegistered(Rule):
    code = "LAM403"
    name = "restore-hook-not-registered"
    summary = (
        "A SnapStart runtime hook (`register_before_snapshot` / `register_after_restore`) is "
        "not registered during Init: it is registered in the handler, or in code that never runs."
    )
    why = """
        Lambda runs the `snapshot_restore_py` hooks that are registered when the snapshot is
        taken: `@register_before_snapshot` hooks just before it, `@register_after_restore`
        hooks each time an environment is resumed from it. Only registrations made during
        Init count, and AWS's documentation says so twice: a hook registered in a module the
        handler's module never imports is ignored, and so is a hook registered inside the
        handler.

        Registered in the handler (a decorated function defined there, or a
        `register_after_restore(fn)` call on the invocation path), the hook is missing from
        the snapshot, so the connection or unique value it was meant to restore stays stale
        after every restore; and the registry grows by one entry on every request, for the
        life of the environment. A registration under `if __name__ == "__main__":` never
        runs under Lambda at all. Register hooks at module level of the handler's module, or
        of a module it imports.
    """
    references = SNAPSTART_REFERENCES[:3]
    valid = [
        Valid(
            """
            import uuid

            from snapshot_restore_py import register_after_restore

            SANDBOX_ID = uuid.uuid4()


            @register_after_restore
            def new_sandbox_id():
                global SANDBOX_ID
                SANDBOX_ID = uuid.uuid4()


            def handler(event, context):
                return {"sandbox": str(SANDBOX_ID)}
            """
        ),
        Valid(
            """
            import snapshot_restore_py


            def flush_metrics():
                ...


            def setup():
                snapshot_restore_py.register_before_snapshot(flush_metrics)


            setup()  # called at Init


            def handler(event, context):
                return {"ok": True}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import uuid

            from snapshot_restore_py import register_after_restore

            SANDBOX_ID = uuid.uuid4()


            def handler(event, context):
                @register_after_restore
                def new_sandbox_id():
                    global SANDBOX_ID
                    SANDBOX_ID = uuid.uuid4()

                return {"sandbox": str(SANDBOX_ID)}
            """,
            lines=(9,),
        ),
        Invalid(
            """
            from snapshot_restore_py import register_after_restore, register_before_snapshot


            def reconnect():
                ...


            def close_connections():
                ...


            def lambda_handler(event, context):
                register_after_restore(reconnect)
                return {"ok": True}


            if __name__ == "__main__":
                register_before_snapshot(close_connections)
            """,
            lines=(13, 18),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        imported = [
            *analysis.aliases.values(),
            *(a for fn in analysis.functions.values() for a in fn.local_aliases.values()),
        ]
        if not any(name.split(".")[0] in HOOK_PACKAGES for name in imported):
            return  # the module imports no runtime-hook package: it registers no hook
        for fn in analysis.functions.values():
            if fn.parent is not None and fn.parent in analysis.path_functions:
                for decorator in fn.node.decorators:
                    kind = _restore.hook_kind(analysis, decorator.decorator, fn.parent)
                    if kind is not None:
                        yield self._in_handler(decorator, kind, fn.parent, f"`{fn.name}`")
        for fn in analysis.path_functions:
            for site in fn.iter(cst.Call):
                kind = _restore.hook_kind(analysis, site.node.func, fn)
                if kind is not None:
                    yield self._in_handler(site.node, kind, fn, _target(analysis, site.node))
        for statement in analysis.module.body:
            if _restore.is_main_guard(statement):
                yield from self._never_run(statement)

    def _in_handler(self, node, kind: str, fn: Function, hook: str) -> RawFinding:
        short = kind.rsplit(".", 1)[-1]
        message = (
            f"{hook} is registered with `{short}` inside `{fn.qualname}` on the invocation path: "
            "Lambda only runs hooks registered during Init, and this adds one more registration "
            "on every request"
        )
        suggestion = (
            f"Define the hook at module level and register it there (`@{short}` above a "
            f"module-level `def`), out of `{fn.qualname}`; if it lives in another module, import "
            "that module at the top of the handler's module."
        )
        return self.report(node, message, suggestion, fn)

    def _never_run(self, block: cst.If) -> Iterator[RawFinding]:
        analysis = self.analysis
        for node in _common.walk_nodes(block.body):
            kind = None
            if isinstance(node, cst.Decorator):
                kind = _restore.hook_kind(analysis, node.decorator, None)
            elif isinstance(node, cst.Call):
                kind = _restore.hook_kind(analysis, node.func, None)
            if kind is None:
                continue
            short = kind.rsplit(".", 1)[-1]
            message = (
                f"`{short}` runs only under `if __name__ == \"__main__\":`, which Lambda never "
                "executes: the hook is not registered during Init and never runs"
            )
            suggestion = f"Move the `{short}` registration out of the `__main__` block to module level."
            yield self.report(node, message, suggestion)


def _target(analysis, call: cst.Call) -> str:
    if call.args:
        return f"`{_common.snippet(analysis.module, call.args[0].value)}`"
    return "a hook"
