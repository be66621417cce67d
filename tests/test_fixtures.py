"""Fixtures under tests/fixtures carry their expected findings as `# expect: CODE` comments."""

import pytest
from conftest import FIXTURES, expected_findings, fixture_files, lint
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdalint import templates
from lambdalint.analysis import ModuleAnalysis
from lambdalint.config import Config
from lambdalint.parsing import might_have_entry_point, parse


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


def fixture_config(text, path):
    """`# fixture-config: snapstart = true` lines: the [tool.lambdalint] settings a fixture
    needs (SnapStart or Managed Instances rules apply only where the settings say so)."""
    lines = [line.split(":", 1)[1] for line in text.splitlines() if line.startswith("# fixture-config:")]
    if not lines:
        return None
    from lambdalint.config import parse_table, tomllib

    return parse_table(tomllib.loads("\n".join(lines)), str(path.parent))


def lint_fixture(path):
    text = path.read_text()
    return lint(text, str(path), config=fixture_config(text, path), entry_points=template_entry_points(path))


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


FRAGMENTS = [
    "import boto3\n",
    "from aws_lambda_powertools.event_handler import APIGatewayRestResolver as R\napp = R()\n",
    "from aws_lambda_powertools import Logger\nlog = Logger()\n",
    "import chalice\napp = chalice.Chalice(app_name='a')\n",
    "from fastapi import FastAPI\nfrom mangum import Mangum\napp = FastAPI()\nh = Mangum(app)\n",
    "@app.get('/')\n",
    "@app.route('/')\n",
    "@log.inject_lambda_context\n",
    "@other.decorator\n",
    "def run(payload, ctx):\n    return boto3.client('s3')\n",
    "def go(evt, context):\n    pass\n",
    "class C:\n    def __call__(self, a, b):\n        pass\nc = C()\n",
]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=8))
@settings(max_examples=150, deadline=None)
def test_text_prepass_is_a_superset_on_generated_modules(pieces):
    text = "".join(pieces)
    module, error = parse(text, "gen.py")
    if error is not None or might_have_entry_point(text):
        return
    assert ModuleAnalysis(module, "gen.py", Config()).entry_points == [], text
