"""LAM202's fix keeps behaviour across warm invocations, with moto standing in for AWS."""

import datetime
import importlib
import importlib.util
import io
import json
import pickle
import sys
import textwrap

import pytest
from conftest import FIXTURES, expected_findings, fixture_files, load_module

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text, lint_text
from lambdalint.registry import all_rules

moto = pytest.importorskip("moto")
OPTIONS = Options(Config())
FIXTURE = FIXTURES / "autofix" / "config_per_request.py"


@pytest.fixture
def shop(aws, monkeypatch):
    import boto3

    boto3.client("ssm").put_parameter(Name="/shop/limit", Value="10", Type="String")
    boto3.client("s3").create_bucket(Bucket="shop-config")
    boto3.client("s3").put_object(
        Bucket="shop-config", Key="prices.json", Body=json.dumps({"apple": 3, "pear": 5}).encode()
    )
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
    events = [{"items": ["apple"]}, {"items": ["apple", "pear", "pear"]}, {"items": []}, {"items": ["pear"] * 3}]
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


# -- every LAM202 fix that a fixture or a documented example offers, run warm ------------------


WARM_INVOCATIONS = 4
LAM202_ONLY = Options(Config(select=("LAM202",)))
EVENTS = [
    {
        "id": f"r{n}",
        "tenant": "acme",
        "value": 3 + n,
        "path": "/a" if n % 2 else "/b",
        "features": [n, 2],
        "items": ["apple"] + ["pear"] * n,
        "region": "us-east-1",
        "detail": {"orderId": f"o{n}"},
        "Records": [{"s3": {"bucket": {"name": "shop-config"}, "object": {"key": "prices.json"}}}],
    }
    for n in range(WARM_INVOCATIONS)
]
# What Lambda would call in each module (a fixture may define several entry points).
ENTRY_NAMES = ("lambda_handler", "handler", "config_handler")


def _fixable_cases():
    cases = []
    for path in fixture_files():
        source = path.read_text()
        if any(code == "LAM202" for _, code in expected_findings(source)) and any(
            f.fix for f in lint_text(source, path.name, LAM202_ONLY).findings
        ):
            cases.append(pytest.param(source, id=f"{path.parent.name}/{path.name}"))
    for index, example in enumerate(all_rules()["LAM202"].invalid):
        if example.fixed_source is not None:
            cases.append(pytest.param(example.source, id=f"example-{index}"))
    return cases


def test_the_warm_check_covers_every_fixture_with_a_lam202_fix():
    """A LAM202 fix offered by a fixture outside the cases above would go unchecked."""
    checked = {p.values[0] for p in _fixable_cases()}
    for path in fixture_files():
        source = path.read_text()
        result = lint_text(source, path.name, LAM202_ONLY)
        if any(f.fix for f in result.findings):
            assert source in checked, path


class _Response:
    def __init__(self, url, calls):
        calls.append(url)
        self.url, self.status_code = url, 200
        self.text = json.dumps({"keys": [{"kid": "k1"}], "url": url})
        self.content = self.text.encode()

    def json(self):
        return json.loads(self.text)


class _Http:
    """The HTTP client functions of requests / httpx / urllib, answering every GET with a
    document that depends only on the URL."""

    def __init__(self):
        self.calls = []

    def get(self, url, *args, **kwargs):
        return _Response(url, self.calls)

    def urlopen(self, url, *args, **kwargs):
        self.calls.append(url)
        return io.BytesIO(json.dumps({"prefixes": [url], "keys": [{"kid": "k1"}]}).encode())


def _stub_module(monkeypatch, name, **attrs):
    """A library the test environment does not install, with just the loaders the fixtures
    call (reading the file, so the I/O really happens)."""
    if importlib.util.find_spec(name) is not None:
        return
    module = type(sys)(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)


def _read_file(path, *args, **kwargs):
    with open(path, "rb") as f:
        return f.read()


def _appconfig_stub(**kwargs):
    """moto does not implement AppConfig: answer its reads with fixed content."""

    class _Ok:
        status_code = 200
        headers = {}

    operation = kwargs["model"].name
    if operation == "StartConfigurationSession":
        return _Ok(), {"InitialConfigurationToken": "token-1"}
    return _Ok(), {"Content": b'{"flag": true}', "ConfigurationVersion": "1"}


@pytest.fixture
def world(aws, tmp_path, monkeypatch):
    """Everything the fixtures read: bundled files, a package, SSM parameters, secrets, S3
    objects, AppConfig, HTTP documents."""
    import urllib.request

    import boto3
    import botocore.vendored.requests as vendored
    import requests

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    files = {
        "config.json": json.dumps({"currency": "EUR"}),
        "routes.json": json.dumps({"/a": "A", "/b": "B"}),
        "settings.json": json.dumps({"scale": 2}),
        "rules.yaml": "rules: [a, b]\n",
        "template.html": "<p>{x}</p>",
        "tables.json": json.dumps({"t": 1}),
        "page.html": "<html/>",
        "names.txt": "ann\nbob\n",
        "weights.pt": "w",
        "model.joblib": "m",
        "mypkg/__init__.py": "",
        "mypkg/schema.json": json.dumps({"type": "object"}),
        "schema.json": json.dumps({"type": "object"}),
        "templates/receipt.html": "<p>receipt</p>",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "labels.bin").write_bytes(b"\x00\x01")
    (tmp_path / "encoder.pkl").write_bytes(pickle.dumps({"a": 1}))
    for key, value in {
        "BUCKET": "shop-config",
        "CONFIG_BUCKET": "shop-config",
        "PARAM": "/app/param",
        "SECRET_ARN": "prod/db",
        "THRESHOLD_PARAM": "/app/threshold",
        "PREFIX": "p-",
        "JWKS_URL": "https://id.example.com/.well-known/jwks.json",
        "TOKEN_PARAM": "/app/token",
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "LIMIT_PARAM": "/shop/limit",
        "SECRET_ID": "shop/token",
    }.items():
        monkeypatch.setenv(key, value)
    ssm = boto3.client("ssm")
    for name, value in {
        "/app/param": "1",
        "/app/prod/a": "2",
        "/app/threshold": "4",
        "/flags/new-checkout": "on",
        "/billing/plans": "gold",
        "/billing/tenants/acme": "x",
        "/feature/flags": "f",
        "/feature/limits": "9",
        "/a": "a",
        "/b": "b",
        "/app/token": "tok",
        "/shop/limit": "10",
        "/orders/currency": "EUR",
    }.items():
        ssm.put_parameter(Name=name, Value=value, Type="String")
    secrets = boto3.client("secretsmanager")
    partner = json.dumps({"key_id": "AKIDEXAMPLE", "secret": "s"})
    for name, value in {
        "prod/db": "pw",
        "prod/partner": partner,
        "tenants/acme": partner,
        "shop/token": "tok-123",
    }.items():
        secrets.create_secret(Name=name, SecretString=value)
    s3 = boto3.client("s3")
    for bucket in ("shop-config", "static-config", "bucket"):
        s3.create_bucket(Bucket=bucket)
    for bucket, key, body in [
        ("shop-config", "prices.json", json.dumps({"apple": 3, "pear": 5})),
        ("shop-config", "lookup.csv", "a,b\n"),
        ("shop-config", "model.tar.gz", "tgz"),
        ("shop-config", "schema.json", "{}"),
        ("shop-config", "allow-list.txt", "ann"),
        ("shop-config", "settings.json", "{}"),
        ("static-config", "pricing.json", "{}"),
        ("bucket", "key", "k"),
    ]:
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("before-call.appconfigdata", _appconfig_stub)
    boto3.DEFAULT_SESSION.events.register("before-call.appconfig", _appconfig_stub)
    http = _Http()
    monkeypatch.setattr(requests, "get", http.get)
    monkeypatch.setattr(requests.Session, "get", lambda session, url, *args, **kwargs: http.get(url))
    monkeypatch.setattr(vendored, "get", http.get, raising=False)
    monkeypatch.setattr(urllib.request, "urlopen", http.urlopen)
    _stub_module(monkeypatch, "httpx", get=http.get, Client=lambda **kwargs: ("httpx.Client", kwargs))
    _stub_module(monkeypatch, "torch", load=_read_file)
    _stub_module(monkeypatch, "joblib", load=_read_file)
    # A pickled model: what `pickle.load(open("model.pkl", "rb"))` gives back.
    (tmp_path / "warmmodels.py").write_text(
        "class Model:\n"
        "    def __init__(self, weight):\n        self.weight = weight\n\n"
        "    def predict(self, rows):\n        return [sum(row) * self.weight for row in rows]\n"
    )
    monkeypatch.delitem(sys.modules, "warmmodels", raising=False)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(importlib.import_module("warmmodels").Model(3)))
    yield tmp_path
    boto3.DEFAULT_SESSION = None


def _load(path, name, monkeypatch):
    """Import a handler module the way Lambda does (registered, so `pkgutil.get_data(__name__)`
    finds it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def _comparable(value):
    """What a response is, leaving out what AWS makes anew for every call (request ids,
    dates in headers) and the identity of objects (clients, streams, unpickled models)."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    if isinstance(value, (str, bytes, int, float, bool, type(None), datetime.datetime)):
        return value
    if hasattr(value, "read") and callable(value.read):
        return ("stream", value.read())
    if hasattr(value, "meta") and hasattr(value.meta, "service_model"):
        return ("client", value.meta.service_model.service_name)
    if hasattr(value, "__dict__"):
        return (type(value).__name__, _comparable(vars(value)))
    return type(value).__name__


def _invoke(module, event):
    """One request to every entry point of the module: its response, or the exception type."""
    out = []
    for name in ENTRY_NAMES:
        entry = getattr(module, name, None)
        if callable(entry):
            try:
                out.append((name, _comparable(entry(json.loads(json.dumps(event)), None))))
            except Exception as error:  # noqa: BLE001 - the exception is the response
                out.append((name, "raised", type(error).__name__, str(error)[:200]))
    return out


@pytest.mark.parametrize("source", _fixable_cases())
def test_every_lam202_fix_answers_warm_requests_as_the_original(source, world, monkeypatch):
    fixed, applied, _ = fix_text(textwrap.dedent(source), "app.py", LAM202_ONLY, "unsafe")
    assert applied, "the case offers no LAM202 fix"
    (world / "original.py").write_text(textwrap.dedent(source))
    (world / "fixed.py").write_text(fixed)
    import boto3

    calls = {"original": [], "fixed": []}
    counting = {"now": "original"}
    boto3.DEFAULT_SESSION.events.register(
        "before-call", lambda **kwargs: calls[counting["now"]].append(kwargs["model"].name)
    )
    original = _load(world / "original.py", "warm_original", monkeypatch)
    counting["now"] = "fixed"
    fixed_module = _load(world / "fixed.py", "warm_fixed", monkeypatch)  # Init does the reads
    for event in EVENTS:
        counting["now"] = "original"
        expected = _invoke(original, event)
        assert expected, "no entry point to call"
        assert not any(r[1] == "raised" for r in expected), expected  # the original works
        counting["now"] = "fixed"
        assert _invoke(fixed_module, event) == expected, f"request {event['id']} differs"
    # The fixed module reads once per environment what the original reads per request.
    assert len(calls["fixed"]) <= len(calls["original"]), calls
