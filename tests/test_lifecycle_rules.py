"""LAM301, LAM302, LAM303, LAM105: through the installed command and through the engine."""

import json
import textwrap

import pytest
from conftest import FIXTURES, ROOT, expected_findings, lint, run_cli

LIFECYCLE = ("LAM301", "LAM302", "LAM303", "LAM105")


def _source(text):
    return textwrap.dedent(text).lstrip()


def _lines(source, code):
    return sorted(f.line for f in lint(_source(source)) if f.code == code)


@pytest.mark.parametrize("code", LIFECYCLE)
def test_cli_reports_exactly_the_fixture_expectations(code):
    result = run_cli("check", f"tests/fixtures/{code}", "--select", code, "--format", "json", "--no-cache", cwd=ROOT)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {(f["path"], f["line"]) for f in report["findings"]}
    expected = set()
    for path in sorted((FIXTURES / code).glob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        expected |= {(relative, line) for line, c in expected_findings(path.read_text()) if c == code}
    assert found == expected
    for finding in report["findings"]:
        assert finding["code"] == code
        assert finding["message"] and "\n" not in finding["message"]
        assert finding["suggestion"] and finding["handler"]
        assert finding["fix"] is None  # none of these rules rewrites code


@pytest.mark.parametrize("code", LIFECYCLE)
def test_cli_negative_fixture_is_clean(code, tmp_path):
    negatives = [p for p in (FIXTURES / code).glob("*.py") if not expected_findings(p.read_text())]
    assert negatives, f"{code} needs fixtures without findings"
    for path in negatives:
        (tmp_path / path.name).write_text(path.read_text())
    result = run_cli("check", str(tmp_path), "--no-cache", "--format", "json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert report["findings"] == [] and report["summary"]["files"] == len(negatives)


@pytest.mark.parametrize(
    "code, reason",
    [
        ("LAM301", "freezes"),
        ("LAM302", "Event loop is closed"),
        ("LAM303", "timeout"),
        ("LAM105", "warm invocation"),
    ],
)
def test_explain_gives_lifecycle_reason_and_before_after(code, reason):
    result = run_cli("explain", code)
    assert result.returncode == 0, result.stderr
    assert reason in result.stdout
    assert "Example" in result.stdout and "Use instead" in result.stdout


def test_rules_catalogue_lists_lifecycle_rules():
    result = run_cli("rules", "--format", "json")
    assert result.returncode == 0
    rules = {r["code"]: r for r in json.loads(result.stdout)}
    for code in LIFECYCLE:
        assert code in rules and rules[code]["fixable"] is False


def test_noqa_silences_the_reported_line(tmp_path):
    source = _source(
        """
        def handler(event, context):
            while True:  # noqa: LAM303
                if event:
                    break
        """
    )
    (tmp_path / "app.py").write_text(source)
    assert run_cli("check", str(tmp_path), "--no-cache").returncode == 0
    (tmp_path / "app.py").write_text(source.replace("  # noqa: LAM303", ""))
    result = run_cli("check", str(tmp_path), "--no-cache", "--format", "concise")
    assert result.returncode == 1 and "app.py:2:5: LAM303" in result.stdout


def test_configured_entry_point_puts_loop_on_path(tmp_path):
    (tmp_path / "worker.py").write_text(
        _source(
            """
        import time


        def run(payload, extra):
            while payload:
                time.sleep(1)
        """
        )
    )
    assert run_cli("check", str(tmp_path), "--no-cache").returncode == 0  # not a handler
    result = run_cli("check", ".", "--no-cache", "--handler", "worker.py:run", "--format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert "worker.py:5:5: LAM303" in result.stdout


# -- engine: the decisions each rule documents ---------------------------------------------


def test_lam301_join_before_every_return():
    early = """
        import threading


        def handler(event, context):
            t = threading.Thread(target=print)
            t.start()
            if event:
                return 1
            t.join()
            return 2
        """
    assert _lines(early, "LAM301") == [6]
    in_finally = early.replace("    t.join()\n    return 2", "    return 2")
    in_finally = _source(in_finally).replace(
        "    t.start()\n    if event:\n        return 1\n",
        "    t.start()\n    try:\n        if event:\n            return 1\n    finally:\n        t.join()\n",
    )
    assert "finally" in in_finally
    assert _lines(in_finally, "LAM301") == []


def test_lam301_handle_returned_to_caller_is_not_flagged_but_unjoined_caller_is():
    source = """
        import threading


        def start(record):
            worker = threading.Thread(target=print, args=(record,))
            worker.start()
            return worker


        def handler(event, context):
            start(event)
            threading.Thread(target=print).start()
        """
    assert _lines(source, "LAM301") == [12]


def test_lam301_executor_shutdown_without_wait_is_still_left_running():
    source = """
        from concurrent.futures import ThreadPoolExecutor


        def handler(event, context):
            pool = ThreadPoolExecutor()
            pool.submit(print, event)
            pool.shutdown(wait=False)
        """
    assert _lines(source, "LAM301") == [6]
    assert _lines(source.replace("wait=False", "wait=True"), "LAM301") == []


def test_lam302_needs_a_loop_bound_global_used_on_the_path():
    source = """
        import asyncio

        import aiohttp

        session = aiohttp.ClientSession()


        async def work(event):
            return event


        def handler(event, context):
            return asyncio.run(work(event))
        """
    assert _lines(source, "LAM302") == []  # the session is never used per request
    used = source.replace("return event", "return await session.get(event['url'])")
    assert _lines(used, "LAM302") == [13]


def test_lam302_get_event_loop_reuses_the_loop():
    source = """
        import asyncio

        import httpx

        client = httpx.AsyncClient()


        async def fetch(url):
            return await client.get(url)


        def handler(event, context):
            return asyncio.get_event_loop().run_until_complete(fetch(event["url"]))
        """
    assert _lines(source, "LAM302") == []


def test_lam303_deadline_through_helper_parameter():
    source = """
        import time


        def handler(event, context):
            return drain(event, time.time() + context.get_remaining_time_in_millis() / 1000)


        def drain(event, until):
            while True:
                if time.time() > until:
                    return "stop"
                time.sleep(1)
        """
    assert _lines(source, "LAM303") == []
    unbounded = source.replace("time.time() + context.get_remaining_time_in_millis() / 1000", "event['until']").replace(
        "if time.time() > until", "if until"
    )
    assert _lines(unbounded, "LAM303") == [9]


def test_lam303_reported_on_each_unbounded_loop_statement():
    source = """
        def handler(event, context):
            while True:
                for _ in range(3):
                    pass
                while 1:
                    if event:
                        break
                if event:
                    break
        """
    assert _lines(source, "LAM303") == [2, 5]


def test_lam105_removal_on_the_normal_path_counts_but_not_only_in_except():
    source = """
        import json
        import os


        def handler(event, context):
            path = f"/tmp/{event['id']}.json"
            with open(path, "w") as out:
                json.dump(event, out)
            os.remove(path)
        """
    assert _lines(source, "LAM105") == []
    only_on_error = _source(source).replace(
        "    with open(path, \"w\") as out:\n        json.dump(event, out)\n    os.remove(path)\n",
        "    try:\n        with open(path, \"w\") as out:\n            json.dump(event, out)\n"
        "    except ValueError:\n        os.remove(path)\n",
    )
    assert "except ValueError" in only_on_error
    assert _lines(only_on_error, "LAM105") == [8]


def test_lam105_fixed_names_reads_and_non_tmp_paths_are_not_flagged():
    source = """
        import os


        def handler(event, context):
            with open("/tmp/cache.db", "wb") as cache:
                cache.write(b"x")
            with open(os.path.join("/tmp", os.environ["NAME"]), "w") as other:
                other.write("x")
            with open(f"/tmp/{event['id']}") as existing:
                existing.read()
            with open(f"/var/task/{event['id']}", "w") as elsewhere:
                elsewhere.write("x")
        """
    assert _lines(source, "LAM105") == []


def test_lam105_message_says_what_and_where():
    findings = [
        f
        for f in lint(
            _source(
                """
        import uuid


        def handler(event, context):
            open(f"/tmp/{uuid.uuid4()}", "w").close()
        """
            )
        )
        if f.code == "LAM105"
    ]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.line == 5 and finding.column == 5
    assert "/tmp" in finding.message and "`handler`" in finding.message
    assert "finally" in finding.suggestion and "TemporaryDirectory" in finding.suggestion


def test_analysis_call_sites_and_resolve_call():
    import libcst as cst
    from libcst import parse_module

    from lambdalint.analysis import ModuleAnalysis
    from lambdalint.config import Config

    module = parse_module(
        _source(
            """
        class Helper:
            def go(self, x):
                return x


        def step(x):
            return x


        def handler(event, context):
            helper = Helper()
            helper.go(step(event))
            return map(step, [1])
        """
        )
    )
    analysis = ModuleAnalysis(module, "app.py", Config(), [])
    handler = analysis.functions["handler"]
    calls = {cst.Module([]).code_for_node(s.node.func): s.node for s in handler.iter(cst.Call)}
    assert analysis.resolve_call(calls["step"].func, handler) is analysis.functions["step"]
    assert analysis.resolve_call(calls["helper.go"].func, handler) is analysis.functions["Helper.go"]
    assert analysis.resolve_call(calls["map"].func, handler) is None
    sites = list(analysis.call_sites(analysis.functions["step"]))
    assert [(caller.name, call is not None) for caller, call in sites] == [("handler", True)]


def test_decorator_from_a_module_level_object_does_not_crash_the_analysis():
    # `@app.route` where `app = Flask(...)`: resolving the decorator reads rebound globals
    source = """
        import threading

        from flask import Flask

        app = Flask(__name__)


        @app.route("/")
        def index():
            return "ok"


        def handler(event, context):
            threading.Thread(target=index).start()
        """
    assert _lines(source, "LAM301") == [14]


def test_analysis_target_names():
    import libcst as cst

    from lambdalint.analysis import target_names

    statement = cst.parse_statement("a, (b, *c), d.e = value")
    assert target_names(statement.body[0].targets[0].target) == ["a", "b", "c"]


def test_lam301_work_kept_in_a_global_is_waited_for_elsewhere():
    source = """
        import threading

        _pending = []


        def start_in_background(record):
            worker = threading.Thread(target=print, args=(record,))
            worker.start()
            _pending.append(worker)


        def handler(event, context):
            start_in_background(event)
            while _pending:
                _pending.pop().join()
        """
    assert _lines(source, "LAM301") == []
    assert _lines(source.replace("            _pending.append(worker)\n", ""), "LAM301") == [8]


def test_lam105_open_like_functions_and_modes():
    source = """
        import gzip


        def handler(event, context):
            with gzip.open(f"/tmp/{event['id']}.gz", "wt") as out:
                out.write("x")
            with open(f"/tmp/{event['id']}.txt", "r+") as existing:
                existing.write("y")
        """
    assert _lines(source, "LAM105") == [5]  # "r+" opens an existing file, creates none


def test_lam105_temp_files_in_another_directory():
    source = """
        import tempfile


        def handler(event, context, **options):
            tempfile.mkstemp(dir="/mnt/efs")
            tempfile.mkstemp(**options)
            tempfile.NamedTemporaryFile("w", delete=False, dir="/mnt/efs")
            tempfile.mkdtemp(dir="/tmp/jobs")
        """
    assert _lines(source, "LAM105") == [8]


def test_lam302_global_rebuilt_every_invocation_lives_in_the_current_loop():
    source = """
        import asyncio

        import httpx

        _client = None


        async def call(path):
            global _client
            _client = httpx.AsyncClient()
            return await _client.get(path)


        def handler(event, context):
            return asyncio.run(call(event["path"]))
        """
    assert _lines(source, "LAM302") == []
    lazy = _source(source).replace("    _client = httpx", "    if _client is None:\n        _client = httpx")
    assert _lines(lazy, "LAM302") == [16]


def test_lam303_periodic_counter_is_not_a_bound():
    source = """
        import time


        def handler(event, context):
            polls = 0
            while True:
                time.sleep(1)
                polls += 1
                if polls % 10 == 0:
                    print("still waiting")
        """
    assert _lines(source, "LAM303") == [6]
    bounded = source.replace("polls % 10 == 0", "polls >= 10").replace(
        'print("still waiting")', 'raise TimeoutError("gave up after 10 polls")'
    )
    assert _lines(bounded, "LAM303") == []
