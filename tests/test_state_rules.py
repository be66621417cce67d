"""LAM101/LAM102/LAM103 beyond the fixtures: the LAM101 fix keeps behaviour on the first
invocation and removes the leak on the second (warm) one; the rule split; the real CLI."""

import importlib.util
import json
import textwrap

import pytest
from conftest import FIXTURES, lint

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text
from lambdalint.parsing import parse

UNSAFE = Options(Config(), fix="unsafe")


def src(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def fix(source: str, select=None) -> str:
    options = Options(Config(select=tuple(select))) if select else UNSAFE
    fixed, _, _ = fix_text(src(source), "handler.py", options, "unsafe")
    return fixed


def load(tmp_path, name: str, source: str):
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"lambdalint_warm_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WARM_CASES = {
    "move into the handler": """
        import json

        results = []  # every key seen in this invocation


        def lambda_handler(event, context):
            for record in event["Records"]:
                results.append(record["s3"]["object"]["key"])
            return json.dumps(sorted(results))
        """,
    "reset for a helper": """
        from collections import defaultdict

        totals = defaultdict(int)


        def add(record):
            totals[record["sku"]] += record["qty"]


        def handler(event, context):
            \"\"\"Sum quantities per SKU.\"\"\"
            for record in event["Records"]:
                add(record)
            return dict(totals)
        """,
    "reset to a non-empty initial value": """
        errors = ["header"]


        def handler(event, context):
            global errors
            errors += event.get("errors", [])
            return list(errors)
        """,
    "two handlers share the global": """
        seen = set()


        def remember(event):
            seen.add(event["id"])
            return sorted(seen)


        def handler(event, context):
            return remember(event)


        def replay_handler(event, context):
            return remember(event)
        """,
    "class-based handler": """
        audit = []


        class Handler:
            def __call__(self, event, context):
                audit.append(event["id"])
                return list(audit)


        handler = Handler()
        """,
}


def _event(n):
    return {
        "Records": [{"s3": {"object": {"key": f"k{n}"}}, "sku": "a", "qty": n}],
        "errors": [f"e{n}"],
        "id": n,
    }


@pytest.mark.parametrize("source", WARM_CASES.values(), ids=list(WARM_CASES))
def test_fix_removes_the_warm_invocation_leak(tmp_path, source):
    original_text = src(source)
    fixed_text = fix(original_text, ["LAM101"])
    assert fixed_text != original_text
    compile(fixed_text, "fixed.py", "exec")  # not just parseable: valid Python
    assert not [f for f in lint(fixed_text) if f.code == "LAM101"]
    assert fix(fixed_text, ["LAM101"]) == fixed_text  # idempotent

    original = load(tmp_path, "original", original_text)
    fixed = load(tmp_path, "fixed", fixed_text)
    names = [n for n in ("lambda_handler", "handler") if hasattr(original, n)]
    entry = names[0]
    first_original = getattr(original, entry)(_event(1), None)
    first_fixed = getattr(fixed, entry)(_event(1), None)
    assert first_fixed == first_original  # same behaviour on a cold invocation
    second_original = getattr(original, entry)(_event(2), None)
    second_fixed = getattr(fixed, entry)(_event(2), None)
    # The original still carries the first request's data; the fixed one does not.
    fresh = load(tmp_path, "fresh", original_text)
    expected_alone = getattr(fresh, entry)(_event(2), None)
    assert second_original != expected_alone
    assert second_fixed == expected_alone


def test_fix_keeps_comments_and_layout():
    fixed = fix(WARM_CASES["move into the handler"], ["LAM101"])
    assert fixed == src(
        """
        import json


        def lambda_handler(event, context):
            results = []  # every key seen in this invocation
            for record in event["Records"]:
                results.append(record["s3"]["object"]["key"])
            return json.dumps(sorted(results))
        """
    )


def test_reset_goes_after_the_docstring_and_into_every_handler():
    fixed = fix(WARM_CASES["reset for a helper"], ["LAM101"])
    assert '"""Sum quantities per SKU."""\n    totals.clear()\n' in fixed
    both = fix(WARM_CASES["two handlers share the global"], ["LAM101"])
    assert both.count("seen.clear()") == 2


def test_no_fix_when_a_late_global_statement_would_break_the_handler():
    source = src(
        """
        log = ["start"]


        def handler(event, context):
            log.append(event["id"])
            if event.get("rotate"):
                global log
                log = ["start"]
            return log
        """
    )
    findings = [f for f in lint(source) if f.code == "LAM101"]
    assert findings and findings[0].fix is None
    assert fix(source, ["LAM101"]) == source


@pytest.mark.parametrize("path", sorted((FIXTURES / "LAM101").glob("*.py")), ids=lambda p: p.name)
def test_fixing_fixtures_yields_valid_python_without_lam101(path):
    text = path.read_text()
    fixed = fix(text, ["LAM101"])
    _, error = parse(fixed, str(path))
    assert error is None
    compile(fixed, str(path), "exec")
    assert fix(fixed, ["LAM101"]) == fixed
    remaining = [f for f in lint(fixed, str(path)) if f.code == "LAM101"]
    # Only findings without a mechanical fix may remain.
    assert all(f.fix is None for f in remaining)


def test_cache_shapes_go_to_lam103_and_never_both():
    source = src(
        """
        cache = {}
        log = []


        def handler(event, context):
            key = event["id"]
            if key not in cache:
                cache[key] = len(key)
            log.append(key)
            return cache[key]
        """
    )
    found = sorted((f.line, f.code) for f in lint(source))
    assert found == [(8, "LAM103"), (9, "LAM101")]


def test_cache_with_invariant_keys_or_eviction_is_neither():
    source = src(
        """
        memo = {}
        bounded = {}


        def handler(event, context):
            if "cfg" not in memo:
                memo["cfg"] = {"a": 1}
            if event["id"] not in bounded:
                if len(bounded) > 100:
                    bounded.clear()
                bounded[event["id"]] = 1
            return memo["cfg"]
        """
    )
    assert lint(source) == []


def test_lam102_messages_name_the_global_and_suggest_a_local():
    source = src(
        """
        user = None


        def handler(event, context):
            global user
            if "user" in event:
                user = event["user"]
            return {"user": user}
        """
    )
    (finding,) = lint(source)
    assert finding.code == "LAM102" and finding.line == 7
    assert "`global user`" in finding.message
    assert "contextvars" in finding.suggestion


def test_cli_reports_and_fixes_state_leaks(tmp_path, cli):
    app = tmp_path / "app.py"
    app.write_text(src(WARM_CASES["reset for a helper"]))
    result = cli("check", "--format", "json", "--no-cache", str(app), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["line"]) == ("LAM101", 7)
    assert finding["fix"]["applicability"] == "unsafe"
    assert "totals.clear()" in finding["fix"]["diff"]
    assert finding["handler"].endswith("app.py:handler")

    safe_only = cli("check", "--fix", "--no-cache", str(app), cwd=tmp_path)
    assert safe_only.returncode == 1  # the LAM101 fix is unsafe: not applied
    assert "totals.clear()" not in app.read_text()
    fixed = cli("check", "--fix", "--unsafe-fixes", "--no-cache", str(app), cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "    totals.clear()\n" in app.read_text()


def test_fix_handles_one_liners_async_handlers_and_keeps_spacing():
    fixed = fix(
        """
        from collections import deque

        results = []
        window = deque(maxlen=5)
        names = ["a"]


        def handler(event, context): results.append(event); return results


        async def async_handler(event, context):
            \"\"\"Doc.\"\"\"
            global names
            names.append(event["n"])
            window.append(event)
            return list(window), names
        """,
        ["LAM101"],
    )
    assert fixed == src(
        """
        from collections import deque

        names = ["a"]


        def handler(event, context):
            results = []
            results.append(event); return results


        async def async_handler(event, context):
            \"\"\"Doc.\"\"\"
            global names
            window = deque(maxlen=5)
            names = ["a"]
            names.append(event["n"])
            window.append(event)
            return list(window), names
        """
    )
    compile(fixed, "fixed.py", "exec")


@pytest.mark.parametrize("reset_first, expected", [(True, []), (False, [(2, "LAM101")])])
def test_reset_must_come_before_the_helper_is_handed_on_as_a_callback(reset_first, expected):
    reset, use = "    seen.clear()\n", "    found = list(map(remember, event['ids']))\n"
    body = reset + use if reset_first else use + reset
    source = (
        "def remember(item):\n    seen.append(item)\n\n\nseen = []\n\n\n"
        "def handler(event, context):\n" + body + "    return found\n"
    )
    assert sorted((f.line, f.code) for f in lint(source)) == expected


LAM102_APP = """
import json

import boto3

CONFIG = None
_s3 = None
current_user = None


def get_client(service, event):
    return boto3.client(service, region_name=event["region"])


def config_rule_handler(event, context):
    global CONFIG
    try:
        parameters = json.loads(event["ruleParameters"])
    except ValueError as exc:
        return {"error": str(exc)}
    CONFIG = get_client("config", event)
    return CONFIG.describe_config_rules(ConfigRuleNames=parameters["names"])


def region_handler(event, context):
    global _s3
    if _s3 is None:
        _s3 = boto3.client("s3", region_name=event["region"])
    return _s3.list_buckets()


def lambda_handler(event, context):
    global current_user
    try:
        body = json.loads(event["body"])
        current_user = body["user"]
    except ValueError:
        return {"error": f"bad body from {current_user}"}
    return {"user": current_user}
"""


def test_cli_lam102_flags_only_values_a_later_request_can_read(tmp_path, cli):
    """Rebound first on every invocation: silent; cached behind `is None` from the event
    and read by an error path before the rebinding: reported at the assignment."""
    (tmp_path / "app.py").write_text(LAM102_APP.lstrip("\n"))
    result = cli("check", "--format", "json", "--no-cache", "--select", "LAM102", "app.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = [(f["line"], f["handler"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [(27, "app.py:region_handler"), (35, "app.py:lambda_handler")]
    lazy = json.loads(result.stdout)["findings"][0]
    assert "first request" in lazy["message"]


def test_cli_memo_behind_an_early_return_guard_is_a_cache(tmp_path, cli):
    """The fill and the I/O under it run once per environment: neither LAM101 nor LAM202;
    the same function without the guard is both."""
    guarded = src(
        """
        import boto3

        _settings = {}


        def load_settings():
            if "table" in _settings:
                return _settings
            ssm = boto3.client("ssm")
            page = ssm.get_parameters_by_path(Path="/app/")
            _settings.update({p["Name"]: p["Value"] for p in page["Parameters"]})
            return _settings


        def handler(event, context):
            return load_settings()["table"]
        """
    )
    (tmp_path / "app.py").write_text(guarded)
    result = cli("check", "--format", "json", "--no-cache", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    (tmp_path / "app.py").write_text(guarded.replace('    if "table" in _settings:\n        return _settings\n', ""))
    result = cli("check", "--format", "json", "--no-cache", "app.py", cwd=tmp_path)
    codes = sorted(f["code"] for f in json.loads(result.stdout)["findings"])
    assert codes == ["LAM101", "LAM201", "LAM202"]


def test_lam102_premise_a_flagged_global_leaks_and_an_unflagged_one_cannot(tmp_path):
    """Run both shapes warm: where LAM102 reports, the second request reads the first
    request's user; where it is silent, no request can."""
    flagged = src(
        """
        import json

        current_user = None


        def lambda_handler(event, context):
            global current_user
            try:
                body = json.loads(event["body"])
                current_user = body["user"]
            except ValueError:
                return {"error": f"bad body from {current_user}"}
            return {"user": current_user}
        """
    )
    silent = src(
        """
        current_user = None


        def lambda_handler(event, context):
            global current_user
            current_user = event["user"]
            return {"user": describe()}


        def describe():
            return current_user
        """
    )
    assert [f.line for f in lint(flagged)] == [10] and lint(silent) == []
    leaky = load(tmp_path, "lam102_flagged", flagged)
    leaky.lambda_handler({"body": '{"user": "alice"}'}, None)
    assert leaky.lambda_handler({"body": "not json"}, None) == {"error": "bad body from alice"}
    safe = load(tmp_path, "lam102_silent", silent)
    safe.lambda_handler({"user": "alice"}, None)
    assert safe.lambda_handler({"user": "bob"}, None) == {"user": "bob"}
    with pytest.raises(KeyError):
        safe.lambda_handler({}, None)  # fails before anything reads the old value
