"""Fixtures under tests/fixtures carry their expected findings as `# expect: CODE` comments."""

import pytest

from conftest import FIXTURES, expected_findings, fixture_files, lint


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture(path):
    text = path.read_text()
    found = {(f.line, f.code) for f in lint(text, str(path))}
    assert found == expected_findings(text)


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_findings_have_message_and_suggestion(path):
    for finding in lint(path.read_text(), str(path)):
        assert finding.message and "\n" not in finding.message
        assert finding.suggestion
