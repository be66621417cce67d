"""Fixtures under tests/fixtures carry their expected findings as `# expect: CODE` comments."""

import pytest

from conftest import FIXTURES, expected_findings, fixture_files, lint
from lambdalint import templates
from lambdalint.analysis import ModuleAnalysis
from lambdalint.config import Config
from lambdalint.engine import might_have_entry_point, parse


def template_entry_points(path):
    """Handlers the templates of a fixture app (tests/fixtures/apps/<app>/) name.

    The CLI finds templates under the linted paths; a fixture linted on its own gets the
    same entry points by scanning its app directory the same way.
    """
    parts = path.relative_to(FIXTURES).parts
    if parts[0] != "apps" or len(parts) < 3:
        return {}
    app = FIXTURES / parts[0] / parts[1]
    found = templates.scan([str(app)], [str(p) for p in sorted(app.rglob("*.py"))], Config(root=str(app)), str(app))
    assert not found.errors, found.errors
    return templates.entry_points(found.refs, str)


def lint_fixture(path):
    return lint(path.read_text(), str(path), entry_points=template_entry_points(path))


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    found = {(f.line, f.code) for f in lint_fixture(path)}
    assert found == expected_findings(path.read_text())


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_findings_have_message_and_suggestion(path):
    for finding in lint_fixture(path):
        assert finding.message and "\n" not in finding.message
        assert finding.suggestion


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_text_prepass_never_skips_an_entry_point(path):
    """The pre-pass must be a superset: when it says "no entry point", there is none."""
    text = path.read_text()
    if might_have_entry_point(text):
        return
    module, error = parse(text, str(path))
    assert error is None
    assert ModuleAnalysis(module, str(path), Config()).entry_points == [], path
