"""Rule documentation, generated from each rule's own metadata and examples.

`python -m lambdalint.docs --write docs` regenerates every page under docs/rules/ and the
findings shown in the hand-written pages; `--check docs` fails when they are out of date.

Code blocks that lambdalint runs are marked in the fence's info string, after the language
(GitHub and rich only read the first word, so readers never see the marker):

- ``python lambdalint-example``: must produce exactly the findings listed in the
  ``console lambdalint-findings`` block that follows it (a ``$ lambdalint check ...`` command
  line, then its output, which is generated);
- ``python lambdalint-use-instead`` / ``python lambdalint-not-flagged``: must produce none;
- ``diff lambdalint-fix``: the diff that the fix makes to the example above it;
- ``toml lambdalint-config``: the `[tool.lambdalint]` settings every example below it on the
  page runs with (a rule that applies only to SnapStart functions shows `snapstart = true`).
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, TextIO, Type

from lambdalint.registry import all_rules
from lambdalint.rule import Invalid, Rule

REGENERATE = "python -m lambdalint.docs --write docs"
EXAMPLE_PATH = "handler.py"

EXAMPLE = "lambdalint-example"
FINDINGS = "lambdalint-findings"
USE_INSTEAD = "lambdalint-use-instead"
NOT_FLAGGED = "lambdalint-not-flagged"
FIX = "lambdalint-fix"
CONFIG = "lambdalint-config"
NO_FINDINGS = (USE_INSTEAD, NOT_FLAGGED)

AWS_REFERENCES = [
    (
        "Lambda execution environment lifecycle",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
    ),
    (
        "Best practices for working with AWS Lambda functions",
        "https://docs.aws.amazon.com/lambda/latest/dg/best-practices.html",
    ),
]

CATEGORIES = {
    "LAM0": "lambdalint's own comments",
    "LAM1": "State that leaks between invocations",
    "LAM2": "Per-request work that belongs in Init",
    "LAM3": "The execution environment lifecycle and handler wiring",
    "LAM4": "Restore (SnapStart)",
    "LAM5": "Replay (durable functions)",
}

_GENERATED = f"<!-- Generated from the rule's code by `{REGENERATE}`; do not edit. -->"


class DocsError(Exception):
    """A documented example that cannot be rendered or run as written."""


# -- running documented commands ------------------------------------------------------------


def _parse_command(command: str, config: Optional[Dict[str, object]] = None):
    """(display path, engine Options) for a documented ``lambdalint check`` command.

    The command is parsed by the real command-line parser and set up by the pipeline, as
    the CLI does, without a configuration file (`config`: the settings the page says it
    assumes, as `Config` fields); it runs in-process through the same engine and output code.
    """
    from lambdalint import pipeline
    from lambdalint.cli import build_parser, selection

    words = shlex.split(command)
    if words[:2] != ["lambdalint", "check"]:
        raise DocsError(f"expected a `lambdalint check` command, got {command!r}")
    try:
        args = build_parser().parse_args(words[1:])
    except SystemExit:
        raise DocsError(f"invalid command {command!r}") from None
    if args.format != "concise" or len(args.paths) != 1 or args.fix or args.diff or args.config:
        raise DocsError(f"documented commands check one file with --format concise: {command!r}")
    overrides = dict(config or {})
    project = pipeline.prepare(
        pipeline.Request(
            paths=args.paths,
            sources={args.paths[0]: ""},
            use_config_files=False,
            overrides=overrides,
            selection=selection(args),
            handlers=args.handler,
            cache=False,
            whole_project=False,
        )
    )
    return args.paths[0], project.options


def run_check_command(command: str, code: str, config: Optional[Dict[str, object]] = None) -> str:
    """What `command` (``lambdalint check ... --format concise FILE``) prints for `code` in FILE."""
    from lambdalint.engine import lint_text
    from lambdalint.model import FileReport
    from lambdalint.output import RunResult, write_concise

    path, options = _parse_command(command, config)
    result = lint_text(code, path, options)
    if result.errors:
        raise DocsError(f"{command!r}: {result.errors[0].message}")
    out = io.StringIO()
    write_concise(RunResult([FileReport(path, result.findings, [])]), out)
    return out.getvalue()


def fixed_by_command(command: str, code: str, unsafe: bool, config: Optional[Dict[str, object]] = None) -> str:
    """`code` after `command` plus ``--fix`` (and ``--unsafe-fixes``)."""
    from lambdalint.engine import fix_text

    path, options = _parse_command(command, config)
    fixed, _, _ = fix_text(code, path, options, "unsafe" if unsafe else "safe")
    return fixed


def fix_command_diff(command: str, code: str, unsafe: bool, config: Optional[Dict[str, object]] = None) -> str:
    """The diff that `command` plus ``--fix`` (and ``--unsafe-fixes``) makes to `code`."""
    from lambdalint.engine import unified_diff

    path, _ = _parse_command(command, config)
    return unified_diff(code, fixed_by_command(command, code, unsafe, config), path)


def _example_fixes(rule: Type[Rule], example: Invalid) -> List[str]:
    """The applicability of each fix the example's findings carry."""
    from lambdalint.engine import lint_text

    _, options = _parse_command(example_command(rule), rule.example_config)
    result = lint_text(example.source, EXAMPLE_PATH, options)
    return [f.fix.applicability for f in result.findings if f.fix is not None]


def fix_applicabilities(rule: Type[Rule]) -> List[str]:
    """The kinds of fix ("safe", "unsafe") the rule's invalid examples carry."""
    found = {kind for example in rule.invalid for kind in _example_fixes(rule, example)}
    return [kind for kind in ("safe", "unsafe") if kind in found]


def needs_unsafe_fixes(rule: Type[Rule], example: Invalid) -> bool:
    return any(kind != "safe" for kind in _example_fixes(rule, example))


# -- markdown ---------------------------------------------------------------------------------


def fence(info: str, content: str) -> List[str]:
    """A fenced block longer than any backtick run inside it."""
    ticks = "```"
    while ticks in content:
        ticks += "`"
    return [ticks + info, content.rstrip("\n"), ticks, ""]


def _prose(text: str) -> str:
    return textwrap.dedent(text).strip()


def example_config_toml(config: Dict[str, object]) -> str:
    """`[tool.lambdalint]` with the settings a rule's examples run with."""
    lines = ["[tool.lambdalint]"]
    for key, value in config.items():
        shown = json.dumps(value) if not isinstance(value, (tuple, list)) else json.dumps(list(value))
        lines.append(f"{key.replace('_', '-')} = {shown}")
    return "\n".join(lines) + "\n"


def example_command(rule: Type[Rule]) -> str:
    if rule.opt_in:  # judged against the other rules' findings (LAM001): run them too
        return f"lambdalint check --extend-select {rule.code} --format concise {EXAMPLE_PATH}"
    return f"lambdalint check --select {rule.code} --format concise {EXAMPLE_PATH}"


def rule_markdown(rule: Type[Rule]) -> str:
    """ruff-style page: what it does, why it is bad, example, use instead, fix safety, ..."""
    kinds = fix_applicabilities(rule)
    fix_line = (
        f"**Fix:** available for some findings ({', '.join(kinds)})."
        if kinds
        else "**Fix:** none; the finding explains the change to make."
    )
    parts = [
        _GENERATED,
        "",
        f"# {rule.code} {rule.name}",
        "",
        fix_line,
        "",
        "## What it does",
        "",
        rule.summary,
        "",
        "## Why is this bad?",
        "",
        _prose(rule.why),
        "",
    ]
    first_invalid = rule.invalid[0] if rule.invalid else None
    if first_invalid is not None:
        command = example_command(rule)
        output = run_check_command(command, first_invalid.source, rule.example_config)
        if not output:
            raise DocsError(f"{rule.code}: the first invalid example produces no finding")
        parts += ["## Example", ""]
        if rule.example_config:
            parts += ["With this configuration in `pyproject.toml`:", ""]
            parts += fence(f"toml {CONFIG}", example_config_toml(rule.example_config))
        parts += [f"In `{EXAMPLE_PATH}`:", ""]
        parts += fence(f"python {EXAMPLE}", first_invalid.source)
        parts += ["lambdalint reports:", ""]
        parts += fence(f"console {FINDINGS}", f"$ {command}\n{output}")
    if rule.valid:
        parts += ["## Use instead", ""]
        parts += fence(f"python {USE_INSTEAD}", rule.valid[0].source)
    parts += ["## Fix safety", "", _prose(rule.fix_safety), ""]
    if first_invalid is not None and first_invalid.fixed_source is not None:
        flags = "--fix --unsafe-fixes" if needs_unsafe_fixes(rule, first_invalid) else "--fix"
        diff = fix_command_diff(example_command(rule), first_invalid.source, "unsafe" in flags, rule.example_config)
        selection = example_command(rule).split(" --format")[0]
        parts += [f"`{selection} {flags}` changes the example above like this:", ""]
        parts += fence(f"diff {FIX} {flags}", diff)
    parts += ["## Options", ""]
    if rule.options:
        parts += [_prose(rule.options), ""]
    else:
        parts += ["This rule has no options of its own.", ""]
    parts += [
        "The general settings apply as to every rule: `select`, `ignore`, `per-file-ignores`, "
        "`handlers` and `handler-names` (see the [configuration reference]"
        "(../index.md#configuration)), and `# noqa: " + rule.code + "` on the reported line.",
        "",
        "## References",
        "",
    ]
    parts += [f"- [{title}]({url})" for title, url in [*AWS_REFERENCES, *rule.references]]
    parts += [
        "- [How lambdalint sees your code](../how-lambdalint-sees-your-code.md): entry "
        "points, the invocation path and invariance",
        "",
    ]
    return "\n".join(parts)


def index_markdown(rules: Sequence[Type[Rule]]) -> str:
    parts = [
        _GENERATED,
        "",
        "# Rules",
        "",
        "Every rule has a page with an example, what to write instead, and how the fix "
        "works. `lambdalint explain CODE` prints the same page in the terminal; "
        "`lambdalint rules` lists the rules.",
        "",
    ]
    groups: Dict[str, List[Type[Rule]]] = {}
    for rule in rules:
        prefix = rule.code[:4]
        groups.setdefault(CATEGORIES.get(prefix, "Other rules"), []).append(rule)
    for title, members in groups.items():
        parts += [f"## {title}", "", "| Code | Name | What it flags | Fix |", "|---|---|---|---|"]
        for rule in members:
            kinds = ", ".join(fix_applicabilities(rule)) or "none"
            link = Path(rule.docs_page()).name
            summary = rule.summary.replace("|", "\\|")
            parts.append(f"| [{rule.code}]({link}) | {rule.name} | {summary} | {kinds} |")
        parts.append("")
    return "\n".join(parts)


# -- the fenced blocks that lambdalint runs -----------------------------------------------------


@dataclass
class DocBlock:
    marker: str  # one of MARKERS
    info: str  # the whole info string, e.g. "diff lambdalint-fix --fix --unsafe-fixes"
    content: str
    start: int  # 0-based line of the opening fence
    end: int  # 0-based line after the closing fence


@dataclass
class DocExample:
    """A marked example; for EXAMPLE also its command, the output and fix diff shown."""

    kind: str
    code: str
    line: int  # 1-based line of the code block's fence, for messages
    command: Optional[str] = None
    output: Optional[str] = None
    findings_block: Optional[DocBlock] = None
    fix_block: Optional[DocBlock] = None
    config: Dict[str, object] = field(default_factory=dict)  # from a CONFIG block above it
    config_toml: str = ""  # that block as written

    @property
    def unsafe_fix(self) -> bool:
        return self.fix_block is not None and "--unsafe-fixes" in self.fix_block.info.split()


MARKERS = (EXAMPLE, FINDINGS, USE_INSTEAD, NOT_FLAGGED, FIX, CONFIG)


def config_block_settings(content: str) -> Dict[str, object]:
    """The `Config` fields a CONFIG block (`[tool.lambdalint]` TOML) sets."""
    import dataclasses

    from lambdalint.config import Config, ConfigError, parse_table, tomllib

    try:
        table = tomllib.loads(content).get("tool", {}).get("lambdalint", {})
        parsed = parse_table(table, ".")
    except (tomllib.TOMLDecodeError, ConfigError, AttributeError) as exc:
        raise DocsError(f"a {CONFIG} block is not valid [tool.lambdalint] TOML: {exc}") from None
    keys = {key.replace("-", "_") for key in table}
    return {f.name: getattr(parsed, f.name) for f in dataclasses.fields(Config) if f.name in keys}


def marked_blocks(text: str) -> List[DocBlock]:
    from markdown_it import MarkdownIt

    blocks = []
    for token in MarkdownIt().parse(text):
        if token.type != "fence" or token.map is None:
            continue
        markers = [w for w in token.info.split()[1:] if w in MARKERS]
        if markers:
            blocks.append(DocBlock(markers[0], token.info, token.content, *token.map))
    return blocks


def documented_examples(text: str) -> List[DocExample]:
    """The marked examples of a page.

    An EXAMPLE is followed by its FINDINGS block; a FIX block anywhere below belongs to the
    nearest EXAMPLE above it.
    """
    examples: List[DocExample] = []
    blocks = marked_blocks(text)
    config: Dict[str, object] = {}
    config_toml = ""
    for index, block in enumerate(blocks):
        before = blocks[index - 1].marker if index else None
        if block.marker == CONFIG:
            config, config_toml = config_block_settings(block.content), block.content
        elif block.marker in NO_FINDINGS:
            examples.append(
                DocExample(block.marker, block.content, block.start + 1, config=config, config_toml=config_toml)
            )
        elif block.marker == FINDINGS and before != EXAMPLE:
            raise DocsError(f"line {block.start + 1}: a {FINDINGS} block follows a {EXAMPLE} block")
        elif block.marker == FINDINGS:
            lines = block.content.splitlines()
            if not lines or not lines[0].startswith("$ ") or any(line.startswith("$ ") for line in lines[1:]):
                raise DocsError(
                    f"line {block.start + 1}: a {FINDINGS} block starts with one `$ lambdalint check ...` line"
                )
            examples[-1].command = lines[0][2:]
            examples[-1].output = "".join(line + "\n" for line in lines[1:])
            examples[-1].findings_block = block
        elif block.marker == FIX:
            owner = next((e for e in reversed(examples) if e.kind == EXAMPLE), None)
            if owner is None or owner.fix_block is not None:
                raise DocsError(
                    f"line {block.start + 1}: a {FIX} block shows the fix of the "
                    f"nearest {EXAMPLE} above it, which has no other"
                )
            owner.fix_block = block
        elif block.marker == EXAMPLE:
            after = blocks[index + 1].marker if index + 1 < len(blocks) else None
            if after != FINDINGS:
                raise DocsError(f"line {block.start + 1}: a {EXAMPLE} block must be followed by a {FINDINGS} block")
            examples.append(DocExample(EXAMPLE, block.content, block.start + 1, config=config, config_toml=config_toml))
    return examples


def refresh_findings(text: str) -> str:
    """`text` with the output and fix diff of every marked example regenerated."""
    lines = text.split("\n")
    for example in reversed(documented_examples(text)):
        if example.kind != EXAMPLE:
            continue
        assert example.command is not None and example.findings_block is not None
        replacements = []
        output = run_check_command(example.command, example.code, example.config)
        if not output:
            raise DocsError(
                f"line {example.line}: this example produces no finding; mark it {NOT_FLAGGED} if that is what it shows"
            )
        replacements.append((example.findings_block, f"$ {example.command}\n{output}"))
        if example.fix_block is not None:
            diff = fix_command_diff(example.command, example.code, example.unsafe_fix, example.config)
            replacements.append((example.fix_block, diff))
        for block, content in reversed(replacements):
            lines[block.start : block.end] = fence(block.info, content)[:-1]
    return "\n".join(lines)


# -- the docs directory ---------------------------------------------------------------------------


def expected_files(docs_dir: Path) -> Dict[Path, str]:
    """Every generated file under `docs_dir` with the text it must have."""
    rules = list(all_rules().values())
    files = {docs_dir / rule.docs_page(): rule_markdown(rule) for rule in rules}
    files[docs_dir / "rules" / "README.md"] = index_markdown(rules)
    for page in sorted(docs_dir.rglob("*.md")):
        if page not in files and page.parent != docs_dir / "rules":
            text = page.read_text(encoding="utf-8")
            files[page] = refresh_findings(text)
    return files


def _stale_pages(docs_dir: Path, expected: Dict[Path, str]) -> List[Path]:
    """Generated rule pages whose rule no longer exists (or was renamed)."""
    rules_dir = docs_dir / "rules"
    if not rules_dir.is_dir():
        return []
    return [p for p in sorted(rules_dir.glob("LAM*.md")) if p not in expected]


def outdated(docs_dir: Path) -> List[Path]:
    """Files that `write_docs(docs_dir)` would change, create or delete."""
    expected = expected_files(docs_dir)
    changed = [path for path, text in expected.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    return changed + _stale_pages(docs_dir, expected)


def write_docs(docs_dir: Path) -> List[Path]:
    expected = expected_files(docs_dir)
    changed = []
    for path, text in expected.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))  # "\n" on every OS (write_text's newline= is 3.10+)
            changed.append(path)
    for path in _stale_pages(docs_dir, expected):
        path.unlink()
        changed.append(path)
    return changed


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lambdalint.docs",
        description="Generate the rule pages and the findings shown in the docs.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", metavar="DIR", type=Path, help="regenerate the docs in DIR")
    action.add_argument("--check", metavar="DIR", type=Path, help="exit 1 if the docs in DIR are out of date")
    args = parser.parse_args(argv)
    try:
        if args.write is not None:
            for path in write_docs(args.write):
                print(f"updated {path}")
            return 0
        stale = outdated(args.check)
    except DocsError as exc:
        sys.stderr.write(f"lambdalint.docs: {exc}\n")
        return 1
    for path in stale:
        print(f"out of date: {path}")
    if stale:
        print(f"run `{REGENERATE}` to regenerate them")
    return 1 if stale else 0


# -- `lambdalint rules` and `lambdalint explain` -------------------------------------------------


def print_rules(fmt: str, out: TextIO) -> None:
    rules = all_rules().values()
    if fmt == "json":
        json.dump(
            [
                {
                    "code": r.code,
                    "name": r.name,
                    "summary": r.summary,
                    "url": r.docs_url(),
                    "fixable": bool(fix_applicabilities(r)),
                }
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


def find_rule(code: str) -> Optional[Type[Rule]]:
    """A rule by code (any case) or by name."""
    rules = all_rules()
    rule = rules.get(code.upper())
    if rule is None:
        rule = next((r for r in rules.values() if r.name == code.lower()), None)
    return rule


def explain(code: str, out: TextIO) -> int:
    rule = find_rule(code)
    if rule is None:
        sys.stderr.write(f"lambdalint: unknown rule {code!r}; see `lambdalint rules`\n")
        return 2
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=out, soft_wrap=False)
    console.print(Markdown(rule_markdown(rule)))
    # never wrapped: a URL broken across lines cannot be clicked or copied
    console.print(f"Docs: {rule.docs_url()}", soft_wrap=True, highlight=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
