"""LAM401 unique-value-at-init: UUIDs, random seeds, tokens and clock reads made at Init and
kept, on a SnapStart function (every environment resumes from one snapshot and shares them)."""

from __future__ import annotations

import builtins
import re
from typing import Dict, Iterator, Optional, Set

from lambdalint._lazy import cst
from lambdalint.analysis import dotted_name, free_names
from lambdalint.catalog import (
    AFTER_RESTORE_HOOKS,
    PURE_CALLS,
    PURE_METHODS,
    RANDOM_GENERATORS,
    RANDOM_SEEDERS,
    RESEED_METHODS,
    RESTORE_HOOK_IMPORT,
    UNIQUE_VALUE_CALLS,
)
from lambdalint.model import UNSAFE, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid
from lambdalint.rules import _common, _restore

SNAPSTART_REFERENCES = [
    (
        "Handling uniqueness with Lambda SnapStart",
        "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-uniqueness.html",
    ),
    (
        "Lambda SnapStart runtime hooks for Python",
        "https://docs.aws.amazon.com/lambda/latest/dg/snapstart-runtime-hooks-python.html",
    ),
    ("snapshot-restore-py: the runtime hooks library (PyPI)", "https://pypi.org/project/snapshot-restore-py/"),
    (
        "Improving startup performance with Lambda SnapStart (supported runtimes)",
        "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html",
    ),
    (
        "SnapStart settings: AWS::Lambda::Function SnapStart (CloudFormation)",
        "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-snapstart.html",
    ),
    (
        "SnapStart settings: AWS::Serverless::Function SnapStart (SAM)",
        "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-snapstart",
    ),
    (
        "SnapStart settings: `snapStart` in serverless.yml (Serverless Framework)",
        "https://www.serverless.com/framework/docs/providers/aws/guide/serverless.yml",
    ),
    (
        "SnapStart settings: `snap_start=SnapStartConf.ON_PUBLISHED_VERSIONS` (AWS CDK)",
        "https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_lambda/SnapStartConf.html",
    ),
]
SNAPSTART_OPTIONS = """
    - The rule applies only to functions with SnapStart on: `SnapStart: {ApplyOn:
      PublishedVersions}` in a SAM / CloudFormation template (SAM `Globals` included),
      `snapStart: true` in `serverless.yml`, `snap_start=SnapStartConf.ON_PUBLISHED_VERSIONS`
      in a CDK app, or `snapstart = true` (or a list of `path:function`) in
      `[tool.lambdalint]`. SnapStart on a runtime that does not support it (before Python
      3.12), an `ApplyOn` other than `PublishedVersions` / `None`, or a value given as an
      intrinsic function leaves it off, with a note. The examples on this page run with
      `snapstart = true`.
"""
_VALUE_METHODS = PURE_METHODS | {"hex", "isoformat", "timestamp", "strftime", "date", "time"}


class UniqueValueAtInit(Rule):
    code = "LAM401"
    name = "unique-value-at-init"
    summary = (
        "On a SnapStart function, a value that must differ between execution environments (a "
        "UUID, a random seed or generator, a token, a clock reading) is made at Init and kept."
    )
    why = """
        With SnapStart, Lambda runs Init once, when you publish a version, and takes a
        snapshot of the initialised execution environment. Every environment that serves the
        function afterwards is resumed from that one snapshot. Whatever Init computed is in
        the snapshot: a `uuid.uuid4()` meant to identify the environment, a token from
        `secrets`, `os.urandom` bytes, the state of `random.Random()` or a NumPy generator,
        the seed `random.seed()` drew, the time Init ran. All environments then share them:
        "unique" ids collide, every environment draws the same "random" sequence, and a
        timestamp taken at Init can be days old.

        AWS's guidance is to generate unique content after Init: in the handler, or in a
        runtime hook that Lambda runs after each restore (`@register_after_restore` from
        `snapshot_restore_py`, which the Python runtimes include). A value that such a hook
        makes again is not reported, nor are constant seeds (`random.seed(42)`, a
        reproducible sequence on purpose), nor `random.SystemRandom()` and `secrets` calls
        made per request, which read the operating system's entropy every time.
    """
    fix_safety = """
        The fix keeps the value made at Init (code that runs during Init still sees it) and
        adds a hook right below it that makes it again after every restore:
        `@register_after_restore` on a new function that rebinds the name (or seeds the
        generator again), with `from snapshot_restore_py import register_after_restore`. It
        is **unsafe**: the value now changes once per restored environment, and code that
        copied it at Init (into another global, a client, a closure) keeps the old copy. The
        library ships with Lambda's Python runtimes; to import the module elsewhere (tests,
        local runs) add `snapshot-restore-py` to your development dependencies. No fix is
        offered when the value is not a plain module-level assignment, when its expression
        does more than make the value (opens a client, reads a file), or when
        `register_after_restore` already means something else.
    """
    options = SNAPSTART_OPTIONS
    references = SNAPSTART_REFERENCES
    example_config = {"snapstart": True}
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
                return {"sandbox": str(SANDBOX_ID), "request": context.aws_request_id}
            """
        ),
        Valid(
            """
            import random
            import uuid

            random.seed(1234)  # a reproducible sequence on purpose


            def handler(event, context):
                request_id = uuid.uuid4()  # made per request, after restore
                return {"id": str(request_id), "sample": random.random()}
            """
        ),
        Valid(
            """
            import random

            RNG = random.SystemRandom()  # reads the OS's entropy on every call


            def handler(event, context):
                return {"ticket": RNG.randint(1, 10**6)}
            """
        ),
    ]
    invalid = [
        Invalid(
            """
            import uuid

            SANDBOX_ID = uuid.uuid4()


            def handler(event, context):
                return {"sandbox": str(SANDBOX_ID)}
            """,
            lines=(3,),
            fixed="""
            import uuid
            from snapshot_restore_py import register_after_restore

            SANDBOX_ID = uuid.uuid4()


            @register_after_restore
            def _restore_sandbox_id():
                global SANDBOX_ID
                SANDBOX_ID = uuid.uuid4()


            def handler(event, context):
                return {"sandbox": str(SANDBOX_ID)}
            """,
        ),
        Invalid(
            """
            import random
            import secrets
            import time

            import numpy as np

            random.seed()
            RNG = np.random.default_rng()
            API_NONCE = secrets.token_hex(16)
            STARTED = time.time()


            def handler(event, context):
                return {"nonce": API_NONCE, "uptime": time.time() - STARTED,
                        "draw": float(RNG.random()), "pick": random.random()}
            """,
            lines=(7, 8, 9, 10),
        ),
        Invalid(
            """
            import os
            import uuid


            class Tracer:
                instance = uuid.uuid1()

                def tag(self, name, salt=os.urandom(8)):
                    return f"{self.instance}:{name}:{salt.hex()}"


            tracer = Tracer()


            def handler(event, context):
                return tracer.tag(event["name"])
            """,
            lines=(6, 8),
        ),
    ]

    def check(self) -> Iterator[RawFinding]:
        analysis = self.analysis
        if not _restore.init_settings(analysis).snapstart:
            return
        hooks = _restore.hook_code(analysis, AFTER_RESTORE_HOOKS)
        remade = _restore.rebound_globals(hooks)
        remade_code = self._assigned_in_hooks(hooks)
        reseeded, seeders = self._seeded_in_hooks(hooks)
        self._hook_names: Set[str] = set()
        for node, ancestors in _restore.init_calls(analysis):
            qn = analysis.qualified_name(node.func, None)
            if qn in RANDOM_SEEDERS:
                if _constant_seed(node) or qn in seeders:
                    continue
                yield self._seed_finding(node, ancestors, qn)
                continue
            if qn not in UNIQUE_VALUE_CALLS and qn not in RANDOM_GENERATORS:
                continue
            if qn in RANDOM_GENERATORS and _constant_seed(node):
                continue
            target = _restore.bound_target(ancestors, node)
            if target is None and not _restore.in_default(ancestors):
                continue  # not kept: logged, compared, passed on
            if target is not None:
                shown = analysis.module.code_for_node(target).strip()
                name = dotted_name(target)
                if (
                    name in remade
                    or name in reseeded
                    or any(code == shown or code.startswith((shown + "[", shown + ".")) for code in remade_code)
                ):
                    continue  # the hook makes it (or the part of it that holds the value) again
            yield self._finding(node, ancestors, qn, target)

    # -- what the after-restore hooks make again ------------------------------------------------
    def _assigned_in_hooks(self, hooks) -> Set[str]:
        """`obj.attr` / `d["k"]` targets assigned in a hook (attributes of module objects)."""
        out: Set[str] = set()
        for fn in hooks:
            for site in fn.iter(cst.Assign):
                for target in site.node.targets:
                    if not isinstance(target.target, cst.Name):
                        out.add(self.analysis.module.code_for_node(target.target).strip())
        return out

    def _seeded_in_hooks(self, hooks):
        """(generators a hook seeds again: `rng.seed()`; module seeders a hook calls)."""
        names: Set[str] = set()
        seeders: Set[str] = set()
        for fn in hooks:
            for site in fn.iter(cst.Call):
                func = site.node.func
                qn = self.analysis.qualified_name(func, fn)
                if qn in RANDOM_SEEDERS:
                    seeders.add(qn)
                elif isinstance(func, cst.Attribute) and func.attr.value in RESEED_METHODS:
                    name = dotted_name(func.value)
                    if name:
                        names.add(name)
        return names, seeders

    # -- findings ---------------------------------------------------------------------------------
    def _finding(self, node: cst.Call, ancestors, qn: str, target) -> RawFinding:
        module = self.analysis.module
        snippet = _common.snippet(module, node)
        what = "a random generator" if qn in RANDOM_GENERATORS else UNIQUE_VALUE_CALLS[qn]
        if target is None:
            kept = "as a default argument value (evaluated once, at Init)"
        else:
            kept = f"in `{module.code_for_node(target).strip()}`"
        message = (
            f"`{snippet}` makes {what} at Init and keeps it {kept}; with SnapStart every "
            "execution environment resumes from one snapshot and shares it"
        )
        fix = self._fix(node, ancestors, target)
        name = module.code_for_node(target).strip() if target is not None else "the value"
        suggestion = (
            f"Make {name} again after each restore: a function decorated with "
            "`@register_after_restore` (from snapshot_restore_py) that assigns it anew, or make "
            "it inside the handler."
        )
        if qn in RANDOM_GENERATORS:
            suggestion += " Or use `random.SystemRandom()`, which reads the OS's entropy on every call."
        return self.report(node, message, suggestion, fix=fix)

    def _seed_finding(self, node: cst.Call, ancestors, qn: str) -> RawFinding:
        snippet = _common.snippet(self.analysis.module, node)
        message = (
            f"`{snippet}` seeds the module's random generator at Init; with SnapStart every "
            "execution environment resumes from one snapshot and draws the same sequence"
        )
        suggestion = (
            f"Call `{snippet}` again in a function decorated with `@register_after_restore` "
            "(from snapshot_restore_py), or use `random.SystemRandom()` / `secrets` for values "
            "that must not repeat."
        )
        return self.report(node, message, suggestion, fix=self._seed_fix(node, ancestors, qn))

    # -- fixes ------------------------------------------------------------------------------------
    def _fix(self, node: cst.Call, ancestors, target) -> Optional[Fix]:
        analysis = self.analysis
        statement = ancestors[0] if ancestors else None
        if not isinstance(target, cst.Name) or not self._plain_statement(statement):
            return None
        small = statement.body[0]
        if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
            return None
        name = target.value
        if name in set(free_names(small.value)) or not self._remakes_only(small.value):
            return None
        hook = self._hook_name(f"_restore_{name.lower()}")
        if hook is None or not self._hook_import_usable():
            return None
        value = analysis.module.code_for_node(small.value).strip()
        definition = cst.parse_statement(
            f"@register_after_restore\ndef {hook}():\n    global {name}\n    {name} = {value}\n"
        )
        return self._insert_after(
            statement,
            definition,
            f"make `{name}` again after each SnapStart restore in a new `@register_after_restore` hook `{hook}`",
        )

    def _seed_fix(self, node: cst.Call, ancestors, qn: str) -> Optional[Fix]:
        statement = ancestors[0] if ancestors else None
        if (
            not self._plain_statement(statement)
            or not isinstance(statement.body[0], cst.Expr)
            or statement.body[0].value is not node
        ):
            return None
        if any(
            not self.analysis.is_module_level_name(n, None) and n not in ("True", "False", "None")
            for n in free_names(node)
        ):
            return None
        hook = self._hook_name("_reseed_" + re.sub(r"\W", "_", qn.rsplit(".", 1)[0]))
        if hook is None or not self._hook_import_usable():
            return None
        call = self.analysis.module.code_for_node(node).strip()
        definition = cst.parse_statement(f"@register_after_restore\ndef {hook}():\n    {call}\n")
        return self._insert_after(
            statement,
            definition,
            f"seed again after each SnapStart restore in a new `@register_after_restore` hook `{hook}`",
        )

    def _insert_after(self, statement, definition, description: str) -> Fix:
        """The hook goes right below the statement, two blank lines on either side."""
        blank = [cst.EmptyLine(), cst.EmptyLine()]
        definition = definition.with_changes(leading_lines=blank)
        body = list(self.analysis.module.body)
        index = next(i for i, stmt in enumerate(body) if stmt is statement)
        edits: Dict[cst.CSTNode, object]
        if index + 1 < len(body):
            following = body[index + 1]

            def insert(updated):
                comments = [line for line in updated.leading_lines if line.comment is not None]
                return cst.FlattenSentinel([definition, updated.with_changes(leading_lines=blank + comments)])

            edits = {following: insert}
        else:
            edits = {statement: cst.FlattenSentinel([statement, definition])}
        return Fix(
            applicability=UNSAFE,
            description=(
                f"{description} (adds `{RESTORE_HOOK_IMPORT}`; the library is part of "
                "Lambda's Python runtimes, install snapshot-restore-py to import the module "
                "elsewhere)"
            ),
            edits=edits,
            imports=[RESTORE_HOOK_IMPORT],
        )

    def _plain_statement(self, statement) -> bool:
        return (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and any(stmt is statement for stmt in self.analysis.module.body)
        )

    def _remakes_only(self, value: cst.BaseExpression) -> bool:
        """Evaluating `value` again only makes the value (no client, no I/O)."""
        for node in _common.walk_nodes(value):
            if not isinstance(node, cst.Call):
                continue
            qn = self.analysis.qualified_name(node.func, None)
            if qn in UNIQUE_VALUE_CALLS or qn in RANDOM_GENERATORS or qn in PURE_CALLS:
                continue
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in _VALUE_METHODS:
                continue
            return False
        return all(self.analysis.is_module_level_name(n, None) or hasattr(builtins, n) for n in free_names(value))

    def _hook_name(self, base: str) -> Optional[str]:
        candidate, number = base, 2
        while not self.analysis.is_module_name_free(candidate) or candidate in self._hook_names:
            candidate, number = f"{base}_{number}", number + 1
            if number > 20:
                return None
        self._hook_names.add(candidate)
        return candidate

    def _hook_import_usable(self) -> bool:
        """`register_after_restore` is free at module level, or already the library's."""
        bound = self.analysis.aliases.get("register_after_restore")
        if bound is not None:
            return bound in AFTER_RESTORE_HOOKS
        return self.analysis.is_module_name_free("register_after_restore")


def _constant_seed(call: cst.Call) -> bool:
    """`random.seed(42)`, `default_rng(7)`: a reproducible sequence on purpose."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    seed = (
        positional[0].value
        if positional
        else next((a.value for a in call.args if a.keyword is not None and a.keyword.value in ("a", "seed", "x")), None)
    )
    if isinstance(seed, cst.UnaryOperation):
        seed = seed.expression
    return isinstance(seed, (cst.Integer, cst.Float, cst.SimpleString))
