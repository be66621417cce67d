"""The handler-hygiene rules (LAM104, LAM107, LAM305, LAM306, LAM307) through their real
interfaces: the installed `lambdalint` console script, the real `flake8`, and `--fix`."""

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text, lint_text
from lambdalint.model import FunctionSettings, NamedHandler

FLAKE8 = Path(sys.executable).with_name("flake8")


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


LOG_CONTEXT = source(
    """
    from aws_lambda_powertools import Logger

    logger = Logger(service="payments")


    @logger.inject_lambda_context
    def lambda_handler(event, context):
        if event.get("customer_id"):
            logger.append_keys(customer_id=event["customer_id"])
        logger.info("Collecting payment")
        return {"ok": True}
    """
)
RESERVED_ENV = source(
    """
    import os

    import boto3

    s3 = boto3.client("s3")


    def lambda_handler(event, context):
        os.environ["AWS_REGION"] = event["region"]
        return s3.list_buckets()
    """
)
ASYNC_HANDLER = source(
    """
    import asyncio

    import aiohttp

    session = aiohttp.ClientSession()


    async def lambda_handler(event, context):
        async with session.get(event["url"]) as response:
            return await response.json()
    """
)
SYNC_INVOKE = source(
    """
    import json

    import boto3

    lambda_client = boto3.client("lambda")


    def handler(event, context):
        response = lambda_client.invoke(FunctionName="pricing", Payload=json.dumps(event))
        return json.load(response["Payload"])
    """
)
NO_TIMEOUT = source(
    """
    import requests


    def lambda_handler(event, context):
        response = requests.get(event["callback_url"])
        return {"status": response.status_code}
    """
)

# code -> (module, [(line, column, message)])
CASES = {
    "LAM104": (
        LOG_CONTEXT,
        [
            (
                9,
                9,
                "`logger.append_keys(customer_id=event[\"customer_id\"])` adds per-request keys (`customer_id`) "
                "to the module-level Powertools logger `logger`; nothing clears them: the next request in this "
                "environment logs under these values until it sets them again",
            )
        ],
    ),
    "LAM107": (
        RESERVED_ENV,
        [
            (
                9,
                5,
                "`os.environ[\"AWS_REGION\"] = event[\"region\"]` overwrites `AWS_REGION` (the Region the "
                "function runs in, which the SDKs use by default), which the Lambda runtime defines: SDK "
                "clients created afterwards use another Region for every later request in this execution "
                "environment",
            )
        ],
    ),
    "LAM305": (
        ASYNC_HANDLER,
        [
            (
                8,
                1,
                "entry point `async def lambda_handler` (convention) is called without `await` by Lambda's "
                "Python runtime: it returns a coroutine that never runs, and the invocation fails with "
                "\"Unable to marshal response\"",
            )
        ],
    ),
    "LAM306": (
        SYNC_INVOKE,
        [
            (
                9,
                16,
                "`lambda_client.invoke(FunctionName=\"pricing\", Payload=json.d…` calls another Lambda "
                "function synchronously without `InvocationType` (the default is `RequestResponse`): this "
                "function waits, billed, for the other's whole run, and their timeouts and retries compound",
            )
        ],
    ),
    "LAM307": (
        NO_TIMEOUT,
        [
            (
                5,
                16,
                "`requests.get(event[\"callback_url\"])` has no timeout: a peer that stalls holds the "
                "invocation until Lambda's own timeout stops it and the handler's error handling never runs",
            )
        ],
    ),
}


def cli_findings(tmp_path, code, text, *extra):
    (tmp_path / "app.py").write_text(text)
    result = run_cli("check", "--select", code, "--format", "json", "--no-cache", *extra, "app.py", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert report["errors"] == []
    return result, report["findings"]


@pytest.mark.parametrize("code", sorted(CASES))
def test_cli_reports_line_column_and_message(tmp_path, code):
    text, expected = CASES[code]
    result, findings = cli_findings(tmp_path, code, text)
    assert result.returncode == 1
    assert [(f["line"], f["column"], f["code"], f["message"]) for f in findings] == [
        (line, column, code, message) for line, column, message in expected
    ]
    for finding in findings:
        assert finding["suggestion"] and finding["handler"] == "app.py:" + (
            "handler" if code == "LAM306" else "lambda_handler"
        )


@pytest.mark.parametrize("code", sorted(CASES))
def test_flake8_reports_the_same(tmp_path, code):
    text, expected = CASES[code]
    (tmp_path / "app.py").write_text(text)
    result = subprocess.run(
        [str(FLAKE8), "--isolated", "--select", "LAM", "--format=%(row)d:%(col)d: %(code)s %(text)s", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if f" {code} " in line]
    assert lines == [f"{line}:{column}: {code} {message}" for line, column, message in expected]


def test_suggestions_name_the_change(tmp_path):
    _, [log] = cli_findings(tmp_path, "LAM104", LOG_CONTEXT)
    assert log["suggestion"].startswith("Add `clear_state=True` to `@logger.inject_lambda_context` on `lambda_handler`")
    _, [env] = cli_findings(tmp_path, "LAM107", RESERVED_ENV)
    assert "region_name=" in env["suggestion"]
    _, [coroutine] = cli_findings(tmp_path, "LAM305", ASYNC_HANDLER)
    # a module-level aiohttp session is bound to one loop: not asyncio.run per request
    assert "`session` (aiohttp session)" in coroutine["suggestion"]
    assert "loop.run_until_complete(_lambda_handler(event, context))" in coroutine["suggestion"]
    _, [coroutine_alone] = cli_findings(
        tmp_path,
        "LAM305",
        ASYNC_HANDLER.replace("session = aiohttp.ClientSession()\n", "")
        .replace("session.get", "aiohttp.request(\"GET\", ")
        .replace("(event[\"url\"])", "event[\"url\"])"),
    )
    assert "`asyncio.run(_lambda_handler(event, context))`" in coroutine_alone["suggestion"]
    _, [invoke] = cli_findings(tmp_path, "LAM306", SYNC_INVOKE)
    assert "InvocationType=\"Event\"" in invoke["suggestion"]
    assert invoke["fix"] is None


# -- fixes --------------------------------------------------------------------------------

LOG_CONTEXT_FIXED = LOG_CONTEXT.replace(
    "@logger.inject_lambda_context\n", "@logger.inject_lambda_context(clear_state=True)\n"
)
NO_TIMEOUT_FIXED = NO_TIMEOUT.replace(
    'requests.get(event["callback_url"])', 'requests.get(event["callback_url"], timeout=10)'
)
MULTILINE_TIMEOUTS = source(
    """
    import httpx
    import requests
    import urllib3

    pool = urllib3.PoolManager()


    def handler(event, context):
        requests.post(
            event["url"],
            json=event,
        )
        requests.get(event["url"], timeout=(3.05, None))
        httpx.get(event["url"], timeout=None)
        return pool.request("GET", event["url"]).status
    """
)
MULTILINE_TIMEOUTS_FIXED = source(
    """
    import httpx
    import requests
    import urllib3

    pool = urllib3.PoolManager()


    def handler(event, context):
        requests.post(
            event["url"],
            json=event,
            timeout=10,
        )
        requests.get(event["url"], timeout=(3.05, 10))
        httpx.get(event["url"], timeout=10)
        return pool.request("GET", event["url"], timeout=10).status
    """
)
DECORATOR_WITH_ARGS = source(
    """
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.logging import correlation_paths

    logger = Logger()


    def tag(event):
        logger.append_keys(user=event["user"])


    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def lambda_handler(event, context):
        logger.info("start")
        if "user" in event:
            tag(event)
        logger.append_keys(path=event["path"])
        return {"ok": True}
    """
)


@pytest.mark.parametrize(
    "code, before, after",
    [
        ("LAM104", LOG_CONTEXT, LOG_CONTEXT_FIXED),
        (
            "LAM104",
            DECORATOR_WITH_ARGS,
            DECORATOR_WITH_ARGS.replace(
                "(correlation_id_path=correlation_paths.API_GATEWAY_REST)",
                "(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)",
            ),
        ),
        ("LAM307", NO_TIMEOUT, NO_TIMEOUT_FIXED),
        ("LAM307", MULTILINE_TIMEOUTS, MULTILINE_TIMEOUTS_FIXED),
    ],
    ids=["clear-state", "clear-state-with-arguments", "timeout", "timeouts-multiline"],
)
def test_unsafe_fix_through_the_cli(tmp_path, code, before, after):
    path = tmp_path / "app.py"
    path.write_text(before)
    safe = run_cli("check", "--select", code, "--fix", "--no-cache", "app.py", cwd=tmp_path)
    assert safe.returncode == 1 and path.read_text() == before  # unsafe fixes need --unsafe-fixes
    fixed = run_cli("check", "--select", code, "--fix", "--unsafe-fixes", "--no-cache", "app.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert path.read_text() == after
    ast.parse(after)
    again = run_cli("check", "--select", code, "--fix", "--unsafe-fixes", "--no-cache", "app.py", cwd=tmp_path)
    assert again.returncode == 0 and path.read_text() == after


def test_fix_json_describes_the_change(tmp_path):
    _, [finding] = cli_findings(tmp_path, "LAM307", NO_TIMEOUT)
    assert finding["fix"]["applicability"] == "unsafe"
    assert '+    response = requests.get(event["callback_url"], timeout=10)' in finding["fix"]["diff"]
    _, [log] = cli_findings(tmp_path, "LAM104", LOG_CONTEXT)
    assert "+@logger.inject_lambda_context(clear_state=True)" in log["fix"]["diff"]


def test_no_clear_state_fix_when_it_is_chosen_explicitly(tmp_path):
    text = LOG_CONTEXT.replace("@logger.inject_lambda_context\n", "@logger.inject_lambda_context(clear_state=False)\n")
    _, [finding] = cli_findings(tmp_path, "LAM104", text)
    assert finding["fix"] is None
    assert "Decorate `lambda_handler` with `@logger.inject_lambda_context(clear_state=True)`" in finding["suggestion"]


@pytest.mark.parametrize("seconds, expected", [(30, "24"), (3, "2"), (1, "0.8"), (None, "10")])
def test_timeout_follows_the_function_timeout(tmp_path, seconds, expected):
    """The added timeout is 80% of the function's `Timeout` (from its template), else 10 s."""
    path = str(tmp_path / "app.py")
    named = {
        os.path.realpath(path): {
            "lambda_handler": NamedHandler("template", "template.yaml:5", FunctionSettings(timeout=seconds))
        }
    }
    options = Options(Config(select=("LAM307",)), entry_points=named)
    [finding] = lint_text(NO_TIMEOUT, path, options).findings
    fixed, applied, _ = fix_text(NO_TIMEOUT, path, options, "unsafe")
    assert applied == 1
    assert f'requests.get(event["callback_url"], timeout={expected})' in fixed
    assert finding.fix.description.startswith(f"add `timeout={expected}` to the call")
    if seconds is not None:
        assert f"of the function's {seconds} s `Timeout`" in finding.fix.description
        assert f"`timeout={expected}` is 80% of the function's {seconds} s `Timeout`" in finding.suggestion


# -- what is not flagged, end to end ---------------------------------------------------------

NOT_FLAGGED = {
    "LAM104": LOG_CONTEXT.replace(
        "@logger.inject_lambda_context\n", "@logger.inject_lambda_context(clear_state=True)\n"
    ),
    "LAM107": RESERVED_ENV.replace(
        'os.environ["AWS_REGION"] = event["region"]', 'os.environ["APP_REGION"] = event["region"]'
    ),
    "LAM305": ASYNC_HANDLER.replace("async def lambda_handler", "async def _handle")
    + (
        "\n\nloop = asyncio.new_event_loop()\n\n\ndef lambda_handler(event, context):\n"
        "    return loop.run_until_complete(_handle(event, context))\n"
    ),
    "LAM306": SYNC_INVOKE.replace("Payload=json.dumps(event))", 'InvocationType="Event", Payload=json.dumps(event))'),
    "LAM307": NO_TIMEOUT.replace('(event["callback_url"])', '(event["callback_url"], timeout=5)'),
}


@pytest.mark.parametrize("code", sorted(NOT_FLAGGED))
def test_correct_code_has_no_finding(tmp_path, code):
    result, findings = cli_findings(tmp_path, code, NOT_FLAGGED[code])
    assert findings == [] and result.returncode == 0


def test_rules_and_explain_list_them():
    listed = {rule["code"]: rule for rule in json.loads(run_cli("rules", "--format", "json").stdout)}
    for code, name in [
        ("LAM104", "log-context-leak"),
        ("LAM107", "reserved-env-var-write"),
        ("LAM305", "async-handler"),
        ("LAM306", "synchronous-invoke"),
        ("LAM307", "network-call-without-timeout"),
    ]:
        assert listed[code]["name"] == name
        assert listed[code]["url"].endswith(f"docs/rules/{code}-{name}.md")
        explained = run_cli("explain", code)
        assert explained.returncode == 0 and f"{code} {name}" in explained.stdout
    assert listed["LAM104"]["fixable"] and listed["LAM307"]["fixable"]
    assert not listed["LAM305"]["fixable"]
