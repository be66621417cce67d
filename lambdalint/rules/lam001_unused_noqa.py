"""LAM001 unused-noqa: a `# noqa: LAM...` comment that suppresses nothing on its line.

It is judged after every other rule, from what their findings needed: the engine passes
the codes that noqa comments actually silenced (`lambdalint.engine.lint_text`).  Off unless
selected (`--extend-select LAM001`).
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

from lambdalint import noqa
from lambdalint._lazy import cst
from lambdalint.model import SAFE, Finding, Fix, RawFinding
from lambdalint.rule import Invalid, Rule, Valid


class UnusedNoqa(Rule):
    code = "LAM001"
    name = "unused-noqa"
    opt_in = True
    summary = "A `# noqa: LAM...` comment that suppresses nothing on its line."
    why = """
        A `# noqa: LAM201` comment stays long after the code it excused was fixed or moved.
        Left there, it hides the next LAM201 that a change brings to the line, which is
        exactly the finding you would want to see.

        A code is stale when lambdalint ran its rule on the file and the rule reported
        nothing on the comment's line (the comment's line is read as flake8 reads it: all
        the lines of a multi-line string or of lines joined by a backslash), or when the
        code names no lambdalint rule at all.  Codes of other tools (`E501`), a bare
        `# noqa` and codes of rules that did not run (not selected, or switched off by
        `per-file-ignores`) are left alone.

        This rule is off unless selected by its code: `--extend-select LAM001`, or
        `extend-select = ["LAM001"]` in the configuration (`select = ["LAM"]` does not
        turn it on; `--select ALL` does).  It applies to the files lambdalint analyses:
        those with an entry point.
    """
    fix_safety = """
        The fix is safe: it removes the stale codes from the comment, and the whole
        `# noqa` directive when none is left (another comment on the line is kept).
    """
    valid = [
        Valid("""
            import boto3


            def lambda_handler(event, context):
                s3 = boto3.client("s3")  # noqa: LAM201
                return s3.list_buckets()
        """),
        Valid("""
            import json


            def lambda_handler(event, context):
                return json.dumps(event)  # noqa: E501
        """),
    ]
    invalid = [
        Invalid(
            """
            import json


            def lambda_handler(event, context):
                return json.dumps(event)  # noqa: LAM201
        """,
            lines=(5,),
            fixed="""
            import json


            def lambda_handler(event, context):
                return json.dumps(event)
        """,
        ),
        Invalid(
            """
            import boto3


            def lambda_handler(event, context):
                s3 = boto3.client("s3")  # noqa: LAM201, LAM203
                return s3.list_buckets()
        """,
            lines=(5,),
            fixed="""
            import boto3


            def lambda_handler(event, context):
                s3 = boto3.client("s3")  # noqa: LAM201
                return s3.list_buckets()
        """,
        ),
    ]

    def check(self) -> Iterable[RawFinding]:
        return ()  # judged by the engine after the other rules: see `unused_noqa`


def _comment_holders(node: "cst.CSTNode") -> Iterator["cst.CSTNode"]:
    """Every TrailingWhitespace and EmptyLine under `node` whose comment mentions noqa."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.TrailingWhitespace, cst.EmptyLine)):
            if current.comment is not None and "noqa" in current.comment.value.lower():
                yield current
            continue
        for f in dataclasses.fields(current):
            value = getattr(current, f.name)
            if isinstance(value, cst.CSTNode):
                stack.append(value)
            elif isinstance(value, (tuple, list)):
                stack.extend(v for v in value if isinstance(v, cst.CSTNode))


def _without(comment: str, directive: noqa.Directive, stale: Set[str]) -> Optional[str]:
    """The comment with the stale codes removed; None when nothing of it remains."""
    kept = tuple(c for c in directive.codes if c not in stale)
    if kept:
        return comment[: directive.start] + noqa.render(kept) + comment[directive.end :]
    before = comment[: directive.start].rstrip()
    after = comment[directive.end :].strip()
    parts = [p for p in (before if before.strip("# ") else "", after if after.startswith("#") else "") if p]
    return "  ".join(parts) if parts else None


def _replacement(holder: "cst.CSTNode", new_comment: Optional[str]):
    if isinstance(holder, cst.TrailingWhitespace):
        if new_comment is None:
            return holder.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        return holder.with_changes(comment=cst.Comment(new_comment))
    if new_comment is None:
        return cst.RemoveFromParent()
    return holder.with_changes(comment=cst.Comment(new_comment))


def _is_stale(code: str, used: Set[str], ran: Set[str], rules: Iterable[str]) -> bool:
    if not code.startswith("LAM") or UnusedNoqa.code.startswith(code):
        return False  # another tool's code, or one that silences this rule itself
    if any(u.startswith(code) for u in used):
        return False
    named = [r for r in rules if r.startswith(code)]
    return all(r in ran for r in named)  # a rule that did not run may need it


def unused_noqa(
    analysis, text: str, path: str, used: Dict[int, Set[str]], ran: Set[str]
) -> List[Tuple[RawFinding, Finding]]:
    """LAM001 findings of a module: `used` maps lines to the codes of the findings noqa
    comments silenced there; `ran` holds the codes of the rules run on the file."""
    from lambdalint._cstfast import positions
    from lambdalint.registry import all_rules

    holders = list(_comment_holders(analysis.module))
    if not holders:
        return []
    where = positions(analysis.module, [h.comment for h in holders])
    groups = noqa.line_groups(text) or []
    group_of: Dict[int, Tuple[int, int]] = {}
    for first, last in groups:
        for number in range(first, last + 1):
            group_of.setdefault(number, (first, last))
    rules = list(all_rules())
    out: List[Tuple[RawFinding, Finding]] = []
    for holder in holders:
        comment = holder.comment.value
        directive = noqa.directive_in(comment, 0)
        if directive is None or directive.is_bare:
            continue
        start = where[holder.comment].start
        first, last = group_of.get(start.line, (start.line, start.line))
        silenced = set().union(*(used.get(n, set()) for n in range(first, last + 1)))
        stale = [c for c in directive.codes if _is_stale(c, silenced, ran, rules)]
        if not stale:
            continue
        written = noqa.render(directive.codes)
        unknown = [c for c in stale if not any(r.startswith(c) for r in rules)]
        names = ", ".join(f"`{c}`" for c in stale)
        if unknown and len(unknown) == len(stale):
            message = f"`{written}` names {names}, which {'is' if len(stale) == 1 else 'are'} not a lambdalint rule"
        elif len(stale) == len(directive.codes):
            message = f"`{written}` suppresses nothing: no {'/'.join(stale)} finding is reported on this line"
        else:
            message = (
                f"{names} in `{written}` {'suppresses' if len(stale) == 1 else 'suppress'} nothing: "
                f"no such finding is reported on this line"
            )
        new_comment = _without(comment, directive, set(stale))
        if new_comment is None:
            suggestion = "Delete the comment, so that it cannot hide a finding that a later change brings to this line."
            description = f"remove the unused `{written}`"
        else:
            suggestion = (
                f"Remove {names} from the comment, so that it cannot hide a finding that a "
                "later change brings to this line."
            )
            description = f"remove {names} from `{written}`"
        fix = Fix(SAFE, description, edits={holder: _replacement(holder, new_comment)})
        raw = RawFinding(node=holder, message=message, suggestion=suggestion, fix=fix, code=UnusedNoqa.code)
        column = start.column + directive.start
        finding = Finding(
            path=path,
            line=start.line,
            column=column + 1,
            end_line=start.line,
            end_column=start.column + directive.end + 1,
            code=UnusedNoqa.code,
            name=UnusedNoqa.name,
            message=message,
            suggestion=suggestion,
            fix=fix,
        )
        out.append((raw, finding))
    return out
