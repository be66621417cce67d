"""The published docs: up to date with the rules, and every marked example in them runs.

tests/test_rule_examples.py runs the rules' own VALID/INVALID objects; this file runs what
readers actually see, parsed out of the committed markdown.
"""

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, run_cli

from lambdalint import docs
from lambdalint.config import Config
from lambdalint.engine import Options, lint_text, unified_diff
from lambdalint.registry import all_rules

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
MARKER = re.compile(r"^(`{3,})\w+ (lambdalint-[\w-]+)", re.MULTILINE)


def _examples():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for example in docs.documented_examples(text):
            rel = page.relative_to(ROOT).as_posix()
            yield pytest.param(rel, example, id=f"{rel}:{example.line}")


EXAMPLES = list(_examples())


def test_committed_docs_are_up_to_date():
    try:
        stale = [p.relative_to(ROOT).as_posix() for p in docs.outdated(DOCS)]
    except docs.DocsError as exc:
        pytest.fail(f"the docs cannot be regenerated: {exc}")
    assert not stale, (
        f"these docs are out of date: {', '.join(stale)}. "
        f"Regenerate them with `{docs.REGENERATE}` and commit the result."
    )


def test_every_rule_has_a_page_where_its_url_points():
    index = (DOCS / "rules" / "README.md").read_text(encoding="utf-8")
    for code, rule in all_rules().items():
        page = DOCS / rule.docs_page()
        assert page.is_file(), f"{code}: no page {page}; run `{docs.REGENERATE}`"
        assert rule.docs_url().endswith("/docs/" + rule.docs_page())
        assert f"[{code}]({page.name})" in index
        assert docs.find_rule(rule.name) is rule and docs.find_rule(code.lower()) is rule


def test_every_marker_is_parsed():
    """A marker the parser misses (a typo, an indented fence) would be a silently untested example."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        written = [m.group(2) for m in MARKER.finditer(text)]
        assert all(marker in docs.MARKERS for marker in written), (page, written)
        assert len(written) == len(docs.marked_blocks(text)), page


def test_rule_pages_show_an_example_its_findings_and_what_to_use_instead():
    for rule in all_rules().values():
        text = (DOCS / rule.docs_page()).read_text(encoding="utf-8")
        kinds = [e.kind for e in docs.documented_examples(text)]
        assert kinds == [docs.EXAMPLE, docs.USE_INSTEAD], rule.code
        for heading in (
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix safety",
            "## Options",
            "## References",
        ):
            assert heading in text, (rule.code, heading)
        for _, url in docs.AWS_REFERENCES + list(rule.references):
            assert url in text


@pytest.mark.parametrize("page, example", EXAMPLES)
def test_documented_example(page, example):
    if example.kind in docs.NO_FINDINGS:
        result = lint_text(example.code, "handler.py", Options(Config(**example.config)))
        assert not result.errors, result.errors
        assert result.findings == [], (
            f"{page}:{example.line}: marked {example.kind} but every rule together reports "
            f"{[(f.line, f.code) for f in result.findings]}"
        )
        return
    assert example.output, f"{page}:{example.line}: an example must show at least one finding"
    assert docs.run_check_command(example.command, example.code, example.config) == example.output, (
        f"{page}:{example.line}: the findings shown are not what `{example.command}` reports; run `{docs.REGENERATE}`"
    )
    if example.fix_block is not None:
        fixed = docs.fixed_by_command(example.command, example.code, example.unsafe_fix, example.config)
        assert unified_diff(example.code, fixed, "handler.py") == example.fix_block.content, (
            f"{page}:{example.line}: the fix diff shown is stale; run `{docs.REGENERATE}`"
        )
        assert docs.run_check_command(example.command, fixed, example.config) == "", (
            f"{page}:{example.line}: the fixed code is still flagged"
        )


@pytest.mark.parametrize("page, example", [e for e in EXAMPLES if e.values[1].kind == docs.EXAMPLE])
def test_documented_command_through_the_installed_cli(page, example, tmp_path):
    """The `$ lambdalint check ...` line, run for real in a directory holding the example."""
    words = example.command.split()
    target = tmp_path / words[-1]
    target.write_text(example.code, encoding="utf-8")
    if example.config_toml:  # the settings the page shows above the example
        (tmp_path / "pyproject.toml").write_text(example.config_toml, encoding="utf-8")
    result = run_cli(*words[1:], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout == example.output


def test_explain_prints_the_page_for_every_rule():
    for code, rule in all_rules().items():
        by_code = run_cli("explain", code)
        by_name = run_cli("explain", rule.name)
        assert by_code.returncode == 0 and by_name.returncode == 0, by_code.stderr
        assert by_code.stdout == by_name.stdout
        out = by_code.stdout
        for heading in (
            "What it does",
            "Why is this bad?",
            "Example",
            "Use instead",
            "Fix safety",
            "Options",
            "References",
        ):
            assert heading in out, (code, heading)
        assert f"Docs: {rule.docs_url()}" in out
        example = rule.invalid[0]
        flagged_line = example.source.splitlines()[example.lines[0] - 1].strip()
        assert flagged_line in out
        assert "## " not in out, "markdown should be rendered, not printed raw"


def test_explain_unknown_rule_exits_2():
    result = run_cli("explain", "LAM999")
    assert result.returncode == 2
    assert "unknown rule 'LAM999'" in result.stderr and "lambdalint rules" in result.stderr
    assert result.stdout == ""


def test_rules_markdown_is_the_committed_pages():
    result = run_cli("rules", "--format", "markdown")
    assert result.returncode == 0
    for rule in all_rules().values():
        assert (DOCS / rule.docs_page()).read_text(encoding="utf-8") in result.stdout


def test_text_output_links_to_the_committed_page(tmp_path):
    for rule in all_rules().values():
        folder = tmp_path / rule.code
        folder.mkdir()
        (folder / "handler.py").write_text(rule.invalid[0].source, encoding="utf-8")
        if rule.example_config:
            (folder / "pyproject.toml").write_text(docs.example_config_toml(rule.example_config))
        select = "--extend-select" if rule.opt_in else "--select"
        result = run_cli("check", select, rule.code, "--color", "always", "handler.py", cwd=folder)
        # the rule's code is a terminal hyperlink (OSC 8) to its page
        links = set(re.findall(r"\x1b\]8;[^;]*;([^\x1b]+)\x1b\\", result.stdout)) - {""}
        assert links == {rule.docs_url()}, result.stdout
        assert (DOCS / rule.docs_url().split("/docs/", 1)[1]).is_file()


def test_check_and_write_regenerate_a_stale_tree(tmp_path):
    tree = tmp_path / "docs"
    shutil.copytree(DOCS, tree)
    page = tree / next(iter(all_rules().values())).docs_page()
    page.write_text(page.read_text(encoding="utf-8").replace("## Why is this bad?", "## Why"))
    gone = tree / "rules" / "LAM999-renamed-rule.md"
    gone.write_text("# an old page\n")
    how = tree / "how-lambdalint-sees-your-code.md"
    how.write_text(re.sub(r"(handler\.py:\d+:\d+: LAM\d+ )", r"\1OLD ", how.read_text()))

    def module(*args):
        return subprocess.run(
            [sys.executable, "-m", "lambdalint.docs", *args], capture_output=True, text=True, cwd=tmp_path
        )

    check = module("--check", "docs")
    assert check.returncode == 1
    assert f"run `{docs.REGENERATE}`" in check.stdout
    for path in (page, gone, how):
        assert path.relative_to(tmp_path).as_posix() in check.stdout
    assert module("--write", "docs").returncode == 0
    assert not gone.exists()
    assert module("--check", "docs").returncode == 0
    for original in PAGES:
        copy = tree / original.relative_to(DOCS)
        assert copy.read_text(encoding="utf-8") == original.read_text(encoding="utf-8")


def test_an_example_that_stops_being_flagged_cannot_be_regenerated():
    text = (
        "```python lambdalint-example\n"
        "import boto3\n\ns3 = boto3.client('s3')\n\n\n"
        "def handler(event, context):\n    return s3.list_buckets()\n"
        "```\n\n"
        "```console lambdalint-findings\n$ lambdalint check --format concise handler.py\n```\n"
    )
    with pytest.raises(docs.DocsError, match="produces no finding"):
        docs.refresh_findings(text)


def test_findings_block_must_follow_an_example():
    with pytest.raises(docs.DocsError, match="must be followed"):
        docs.documented_examples("```python lambdalint-example\nx = 1\n```\n")
    with pytest.raises(docs.DocsError, match="follows a lambdalint-example"):
        docs.documented_examples("```console lambdalint-findings\n$ lambdalint check a.py\n```\n")
