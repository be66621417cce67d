"""LAM202's fix keeps behaviour across warm invocations, with moto standing in for AWS."""

import json

import pytest
from conftest import FIXTURES, load_module

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text, lint_text

moto = pytest.importorskip("moto")
OPTIONS = Options(Config())
FIXTURE = FIXTURES / "autofix" / "config_per_request.py"


@pytest.fixture
def shop(aws, monkeypatch):
    import boto3

    boto3.client("ssm").put_parameter(Name="/shop/limit", Value="10", Type="String")
    boto3.client("s3").create_bucket(Bucket="shop-config")
    boto3.client("s3").put_object(Bucket="shop-config", Key="prices.json",
                                  Body=json.dumps({"apple": 3, "pear": 5}).encode())
    arn = boto3.client("secretsmanager").create_secret(Name="shop/token", SecretString="tok-123")["ARN"]
    monkeypatch.setenv("LIMIT_PARAM", "/shop/limit")
    monkeypatch.setenv("BUCKET", "shop-config")
    monkeypatch.setenv("SECRET_ID", arn)


def _aws_calls(module):
    """Count the AWS API calls the module's own clients make."""
    calls = []
    for client in (module.ssm, module.s3, module.secrets):
        client.meta.events.register("before-call", lambda **kwargs: calls.append(kwargs["model"].name))
    return calls


def test_fix_moves_every_read_out_of_the_handler():
    source = FIXTURE.read_text()
    fixed, applied, after = fix_text(source, "app.py", OPTIONS, "unsafe")
    assert applied == 4
    assert not [f for f in after.findings if f.code == "LAM202"]
    assert "@functools.cache\ndef _load_config():\n    with open(HERE / \"config.json\") as f:" in fixed
    assert "\n    config = _load_config()\n" in fixed
    # Reads kept as data (not streams) become module constants, after the clients they use.
    assert fixed.index("secrets = boto3.client") < fixed.index("\ntoken = secrets.get_secret_value(")
    assert fix_text(source, "app.py", OPTIONS, "safe")[1] == 0  # never applied as safe


def test_fixed_handler_returns_the_same_results_when_warm(tmp_path, shop):
    source = FIXTURE.read_text()
    fixed, _, _ = fix_text(source, "app.py", OPTIONS, "unsafe")
    (tmp_path / "config.json").write_text(json.dumps({"currency": "EUR"}))
    (tmp_path / "original.py").write_text(source)
    (tmp_path / "fixed.py").write_text(fixed)
    original = load_module(tmp_path / "original.py", "lam202_original")
    fixed_module = load_module(tmp_path / "fixed.py", "lam202_fixed")  # reads happen here, at Init
    original_calls, fixed_calls = _aws_calls(original), _aws_calls(fixed_module)
    events = [{"items": ["apple"]}, {"items": ["apple", "pear", "pear"]}, {"items": []},
              {"items": ["pear"] * 3}]
    for event in events:
        expected = original.lambda_handler(event, None)
        assert fixed_module.lambda_handler(event, None) == expected
        assert expected["currency"] == "EUR" and expected["token_prefix"] == "tok-"
    assert original.lambda_handler(events[1], None)["over_limit"] is True
    # The original pays three AWS round trips per request; the fixed one none when warm.
    assert original_calls.count("GetParameter") == len(events) + 1
    assert sorted(set(original_calls)) == ["GetObject", "GetParameter", "GetSecretValue"]
    assert fixed_calls == []


def test_fixture_findings_are_all_fixable():
    findings = [f for f in lint_text(FIXTURE.read_text(), "app.py", OPTIONS).findings if f.code == "LAM202"]
    assert len(findings) == 4 and all(f.fix and f.fix.applicability == "unsafe" for f in findings)
