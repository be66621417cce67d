"""The replay rules checked against AWS's own local runner for durable functions.

Each app under tests/fixtures/durable_apps/ is a runnable durable handler with a wait or a
callback in the middle, and carries `# expect:` comments for the finding lambdalint must
report (tests/test_fixtures.py checks those).  Here each one runs to completion in
`DurableFunctionTestRunner` (aws-durable-execution-sdk-python-testing: an in-process
checkpoint service and invoker, with waits skipped, so it needs no network and no AWS
account).  The run shows what the finding predicts: the flagged side effect happens more
than once, or the replay takes another path.  Then `lambdalint check --fix --unsafe-fixes`
(the installed console script) fixes a copy, and the fixed handler runs once through the
same path.

Side effects are observed without network: SQS through moto, HTTP through a server on the
loopback interface that this test owns, files in a temporary directory, output through
pytest's capture.  One source of non-determinism is simulated: the runner skips waits, so
the clock barely moves between the first run and the replay; the clock app reads a clock
that moves six hours per read, as the real one would across its six-hour wait.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import FIXTURES, load_module, run_cli

pytestmark = pytest.mark.slow  # real processes, runners or many CLI runs

pytest.importorskip("aws_durable_execution_sdk_python")
testing = pytest.importorskip("aws_durable_execution_sdk_python_testing")

APPS = FIXTURES / "durable_apps"
SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
NON_DETERMINISTIC = "aws_durable_execution_sdk_python.exceptions.NonDeterministicExecutionError"


# -- running a durable handler to completion ------------------------------------------------------


class Outcome:
    def __init__(self, result) -> None:
        self.status = result.status.name
        self.value = json.loads(result.result) if result.result else None
        self.error = result.error.type if result.error is not None else None


def run_durable(handler, event, callback_result=None) -> Outcome:
    """Start an execution and run it to the end; with `callback_result`, answer the
    callback it waits for (the callback id is read from the execution's history)."""
    with testing.DurableFunctionTestRunner(handler=handler, poll_interval=0.01) as runner:
        if callback_result is None:
            return Outcome(runner.run(input=json.dumps(event), execution_timeout=30))
        arn = runner.run_async(input=json.dumps(event), execution_timeout=30)
        callback_id = runner.wait_for_callback(arn, timeout=30)
        runner.send_callback_success(callback_id, json.dumps(callback_result).encode())
        return Outcome(runner.wait_for_result(arn, timeout=30))


# -- the original apps, what lambdalint says about them, and their fixed copies ---------------------


@pytest.fixture(scope="module")
def findings():
    """{app file name: [codes]} from the installed CLI over the apps directory."""
    done = run_cli("check", "--select", "LAM5", "--format", "json", APPS)
    assert done.returncode == 1, done.stderr
    out = {}
    for finding in json.loads(done.stdout)["findings"]:
        out.setdefault(Path(finding["path"]).name, []).append(finding["code"])
    return out


@pytest.fixture(scope="module")
def fixed_dir(tmp_path_factory):
    """A copy of the apps after `lambdalint check --fix --unsafe-fixes`."""
    target = tmp_path_factory.mktemp("fixed") / "durable_apps"
    shutil.copytree(APPS, target)
    done = run_cli("check", "--select", "LAM5", "--fix", "--unsafe-fixes", "--format", "json", target)
    assert done.returncode in (0, 1), done.stderr
    remaining = {Path(f["path"]).name for f in json.loads(done.stdout)["findings"]}
    # LAM503 and LAM504 have no automatic fix: the change is the developer's to make.
    assert remaining == {"lam503_nested_step.py", "lam504_lost_total.py"}, done.stdout
    return target


_LOADED = []


def app(directory: Path, name: str):
    module = load_module(directory / f"{name}.py", f"replay_{name}_{len(_LOADED)}")
    _LOADED.append(module)
    return module


def fixed_text(fixed_dir: Path, name: str) -> str:
    return (fixed_dir / f"{name}.py").read_text()


# -- observing side effects ----------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((self.path, json.loads(body or b"null")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server(monkeypatch):
    """An HTTP server on 127.0.0.1 that records what is posted to it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def queue_messages(queue_url: str):
    import boto3

    sqs = boto3.client("sqs")
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


# -- the apps ----------------------------------------------------------------------------------


def test_lambdalint_flags_every_app(findings):
    assert findings == {
        "lam501_order_id.py": ["LAM501"],
        "lam501_clock_branch.py": ["LAM501"],
        "lam502_sqs_receipt.py": ["LAM502"],
        "lam502_webhook.py": ["LAM502"],
        "lam502_callback_ledger.py": ["LAM502"],
        "lam502_child_context.py": ["LAM502"],
        "lam503_nested_step.py": ["LAM503"],
        "lam504_lost_total.py": ["LAM504"],
        "lam505_logging.py": ["LAM505", "LAM505"],
    }


def test_order_id_made_outside_a_step_changes_on_replay(http_server, fixed_dir):
    event = {"payments": url(http_server, "/payments"), "shipping": url(http_server, "/shipping")}

    outcome = run_durable(app(APPS, "lam501_order_id").handler, event)
    charged, shipped = (body for _, body in http_server.received)
    assert outcome.status == SUCCEEDED
    assert charged["charge"] != shipped["ship"]  # the parcel ships under another order id
    assert outcome.value["order"] == shipped["ship"]

    http_server.received.clear()
    outcome = run_durable(app(fixed_dir, "lam501_order_id").handler, event)
    charged, shipped = (body for _, body in http_server.received)
    assert outcome.status == SUCCEEDED
    assert charged["charge"] == shipped["ship"] == outcome.value["order"]


class SixHourClock:
    """`datetime` whose `now()` is six hours later on every read (09:00, 15:00, ...)."""

    def __init__(self) -> None:
        self.reads = 0

    def now(self):
        self.reads += 1
        return datetime(2025, 3, 3, 9, 0) + timedelta(hours=6 * (self.reads - 1))


def test_branch_on_the_clock_takes_another_path_on_replay(monkeypatch, fixed_dir):
    original = app(APPS, "lam501_clock_branch")
    clock = SixHourClock()
    monkeypatch.setattr(original, "datetime", clock)
    outcome = run_durable(original.handler, {"name": "Ana"})
    # 09:00 on the first run chose the morning step; 15:00 on the replay the afternoon one,
    # which the SDK finds does not match the checkpoint.
    assert (outcome.status, outcome.error, clock.reads) == (FAILED, NON_DETERMINISTIC, 2)

    fixed = app(fixed_dir, "lam501_clock_branch")
    clock = SixHourClock()
    monkeypatch.setattr(fixed, "datetime", clock)
    outcome = run_durable(fixed.handler, {"name": "Ana"})
    assert outcome.status == SUCCEEDED
    assert outcome.value == {"greeting": "good morning", "to": "Ana"}
    assert clock.reads == 1  # read once, in the step; the replay gets the checkpointed 09:00


@pytest.mark.parametrize("name", ["lam502_sqs_receipt", "lam502_child_context"])
def test_sqs_message_outside_a_step_is_sent_again_on_replay(aws, fixed_dir, name):
    import boto3

    queue_url = boto3.client("sqs").create_queue(QueueName="receipts")["QueueUrl"]
    event = {"queue_url": queue_url, "order": "o-1"}

    outcome = run_durable(app(APPS, name).handler, event)
    assert outcome.status == SUCCEEDED
    sent = queue_messages(queue_url)
    assert len(sent) == 2 and len(set(sent)) == 1  # the first run and the replay after the wait

    outcome = run_durable(app(fixed_dir, name).handler, event)
    assert outcome.status == SUCCEEDED
    assert len(queue_messages(queue_url)) == 1


def test_webhook_posted_by_a_helper_outside_a_step_is_posted_again(http_server, fixed_dir):
    event = {"webhook": url(http_server, "/hook")}

    outcome = run_durable(app(APPS, "lam502_webhook").handler, event)
    texts = [body["text"] for _, body in http_server.received]
    assert outcome.status == SUCCEEDED
    assert texts == ["order received", "order received", "order settled"]

    http_server.received.clear()
    outcome = run_durable(app(fixed_dir, "lam502_webhook").handler, event)
    texts = [body["text"] for _, body in http_server.received]
    assert outcome.status == SUCCEEDED
    assert texts == ["order received", "order settled"]


def test_ledger_line_written_before_a_callback_is_written_again(tmp_path, fixed_dir):
    for directory, expected_requests in ((APPS, 2), (fixed_dir, 1)):
        ledger = tmp_path / f"ledger-{expected_requests}.txt"
        event = {"ledger": str(ledger), "order": "o-7"}
        outcome = run_durable(app(directory, "lam502_callback_ledger").handler, event, callback_result="approved")
        assert outcome.status == SUCCEEDED
        lines = ledger.read_text().splitlines()
        assert lines.count("approval requested for o-7") == expected_requests
        assert len([line for line in lines if line.startswith("callback ")]) == 1  # in a step


def test_nested_step_fails_the_replay(fixed_dir):
    outcome = run_durable(app(APPS, "lam503_nested_step").handler, {"sku": "blue-mug"})
    assert (outcome.status, outcome.error) == (FAILED, NON_DETERMINISTIC)
    # No automatic fix: moving the operations to a child context is a design change.
    assert fixed_text(fixed_dir, "lam503_nested_step") == (APPS / "lam503_nested_step.py").read_text()


def test_mutation_made_in_a_step_is_lost_on_replay(fixed_dir):
    outcome = run_durable(app(APPS, "lam504_lost_total").handler, {"amounts": [10, 20]})
    # the step ran (once) on the first run; the replay skipped it and the list stayed empty
    assert outcome.status == SUCCEEDED
    assert outcome.value == {"charged": 0}
    assert fixed_text(fixed_dir, "lam504_lost_total") == (APPS / "lam504_lost_total.py").read_text()


def test_print_and_logging_outside_a_step_are_written_again(capsys, caplog, fixed_dir):
    caplog.set_level(logging.INFO)
    outcome = run_durable(app(APPS, "lam505_logging").handler, {"order": "o-3"})
    assert outcome.status == SUCCEEDED
    printed = capsys.readouterr().out.splitlines().count("processing order o-3")
    logged = [r.getMessage() for r in caplog.records].count("reserving stock for o-3")
    assert (printed, logged) == (2, 2)

    caplog.clear()
    outcome = run_durable(app(fixed_dir, "lam505_logging").handler, {"order": "o-3"})
    assert outcome.status == SUCCEEDED
    messages = [r.getMessage() for r in caplog.records]
    assert "processing order o-3" not in capsys.readouterr().out
    assert messages.count("processing order o-3") == 1  # the replay-aware context.logger
    assert messages.count("reserving stock for o-3") == 1


FINAL_BRANCHES = '''
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    if not event.get("items"):
        print("rejected before the wait")
        return {"status": "rejected"}
    print("checking the order")
    context.wait(Duration.from_seconds(30), name="cool-down")
    if event.get("cancel"):
        print("cancelled after the wait")
        return {"status": "cancelled"}
    if event.get("fail"):
        print("failing after the wait")
        raise ValueError("failed")
    return {"status": "ok"}
'''


def test_output_in_a_branch_that_ends_the_execution_is_written_once(tmp_path, capsys):
    """Why LAM505 leaves such branches alone: the runner replays the handler after the wait,
    and only the code that ran before it is written twice."""
    path = tmp_path / "final_branches.py"
    path.write_text(FINAL_BRANCHES)
    done = run_cli("check", "--select", "LAM505", "--format", "json", "--no-cache", path)
    assert [f["line"] for f in json.loads(done.stdout)["findings"]] == [11], done.stdout

    handler = load_module(path, "replay_final_branches").handler
    outcome = run_durable(handler, {"items": [1], "cancel": True})
    assert (outcome.status, outcome.value) == (SUCCEEDED, {"status": "cancelled"})
    printed = capsys.readouterr().out.splitlines()
    assert printed.count("checking the order") == 2  # reported: replayed after the wait
    assert printed.count("cancelled after the wait") == 1
    outcome = run_durable(handler, {"items": []})
    assert outcome.value == {"status": "rejected"}
    assert capsys.readouterr().out.splitlines().count("rejected before the wait") == 1
    outcome = run_durable(handler, {"items": [1], "fail": True})
    assert outcome.status == FAILED  # a raise out of the handler ends the execution
    assert capsys.readouterr().out.splitlines().count("failing after the wait") == 1
