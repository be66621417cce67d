"""Rule documentation, generated from each rule's own metadata and examples."""

from __future__ import annotations

import json
import textwrap
from typing import TextIO, Type

from lambdalint.registry import all_rules
from lambdalint.rule import Rule


def rule_markdown(rule: Type[Rule]) -> str:
    """ruff-style page: what it does, why it is bad, example, use instead, fix safety."""
    parts = [
        f"# {rule.code} {rule.name}",
        "",
        "## What it does",
        "",
        rule.summary,
        "",
        "## Why is this bad?",
        "",
        textwrap.dedent(rule.why).strip(),
        "",
    ]
    if rule.invalid:
        parts += ["## Example", "", "```python", rule.invalid[0].source.rstrip(), "```", ""]
    if rule.valid:
        parts += ["## Use instead", "", "```python", rule.valid[0].source.rstrip(), "```", ""]
    parts += ["## Fix safety", "", textwrap.dedent(rule.fix_safety).strip(), ""]
    if rule.options:
        parts += ["## Options", "", textwrap.dedent(rule.options).strip(), ""]
    parts += [
        "## References",
        "",
        "- [Lambda execution environment lifecycle]"
        "(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html)",
        "- [Best practices for working with AWS Lambda functions]"
        "(https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html)",
        "",
    ]
    return "\n".join(parts)


def print_rules(fmt: str, out: TextIO) -> None:
    rules = all_rules().values()
    if fmt == "json":
        json.dump(
            [
                {"code": r.code, "name": r.name, "summary": r.summary, "url": r.docs_url(),
                 "fixable": "no automatic fix" not in r.fix_safety.lower()}
                for r in rules
            ],
            out,
            indent=2,
        )
        out.write("\n")
    elif fmt == "markdown":
        out.write("\n".join(rule_markdown(r) for r in rules))
    else:
        for r in rules:
            out.write(f"{r.code}  {r.name:<28} {r.summary}\n")


def explain(code: str, out: TextIO) -> int:
    rules = all_rules()
    rule = rules.get(code.upper())
    if rule is None:
        matches = [r for r in rules.values() if r.name == code]
        if not matches:
            import sys

            sys.stderr.write(f"lambdalint: unknown rule {code!r}; see `lambdalint rules`\n")
            return 2
        rule = matches[0]
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=out, soft_wrap=False)
    console.print(Markdown(rule_markdown(rule)))
    console.print(f"Docs: {rule.docs_url()}")
    return 0
