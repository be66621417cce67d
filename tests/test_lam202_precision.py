"""LAM202 precision through the installed CLI: which reads are invariant, and which fixes
are honest about what they freeze."""

import json
import textwrap

from conftest import run_cli


def _lam202_lines(tmp_path, source, *args):
    (tmp_path / "app.py").write_text(textwrap.dedent(source).lstrip())
    result = run_cli("check", "--no-cache", "--select", "LAM202", "--format", "json", *args, "app.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [f["line"] for f in json.loads(result.stdout)["findings"]]


def test_constant_urls_are_findings_only_when_they_name_a_document(tmp_path):
    lines = _lam202_lines(
        tmp_path,
        """
        import os

        import requests

        BASE = "https://cdn.example.com"


        def handler(event, context):
            todos = requests.get("https://jsonplaceholder.typicode.com/todos", timeout=3).json()
            prices = requests.get("https://api.example.com/v1/prices", timeout=3).json()
            api = requests.get(os.environ["API_URL"], timeout=3).json()
            jwks = requests.get("https://example.auth0.com/.well-known/jwks.json", timeout=3).json()
            oidc = requests.get("https://accounts.google.com/.well-known/openid-configuration", timeout=3).json()
            rules = requests.get(f"{BASE}/config/rules.yaml", timeout=3).text
            ca = requests.get("https://certs.example.com/ca.pem?v=2", timeout=3).text
            keys = requests.get(os.environ["JWKS_URL"], timeout=3).json()
            return todos, prices, api, jwks, oidc, rules, ca, keys, event
        """,
    )
    assert lines == [12, 13, 14, 15, 16]


def test_requests_that_act_are_not_reads(tmp_path):
    lines = _lam202_lines(
        tmp_path,
        """
        import os

        import requests
        import urllib3

        TOKEN = os.environ["TOKEN"]
        CHAT = os.environ["CHAT_ID"]
        http = urllib3.PoolManager()


        def handler(event, context):
            sent = requests.get(f"https://api.telegram.org/bot{TOKEN}/sendMessage?chat_id={CHAT}&text=up", timeout=3).json()
            doc = requests.get(f"https://api.telegram.org/bot{TOKEN}/sendDocument.json?chat_id={CHAT}", timeout=3).json()
            hook = requests.get("https://hooks.example.com/services/T0/B0/config.json", timeout=3).json()
            fired = requests.get("https://example.com/api/webhooks/42/run.json", timeout=3).json()
            posted = requests.post("https://example.com/config.json", json={}, timeout=3).json()
            put = requests.put("https://example.com/config.json", json={}, timeout=3).json()
            patched = requests.patch("https://example.com/config.json", json={}, timeout=3).json()
            deleted = requests.delete("https://example.com/config.json", timeout=3).json()
            raw = http.request("POST", "https://example.com/config.json", timeout=3).data
            hooks = requests.get("https://example.com/config/hooks.json", timeout=3).json()
            return sent, doc, hook, fired, posted, put, patched, deleted, raw, hooks, event
        """,
    )
    assert lines == [21]  # the one read: a file that happens to be named hooks.json


def test_reads_keyed_by_the_clock_are_per_day_not_per_environment(tmp_path):
    lines = _lam202_lines(
        tmp_path,
        """
        import os
        import time
        from datetime import date, datetime

        import boto3

        s3 = boto3.client("s3")
        BUCKET = os.environ["BUCKET"]


        def daily():
            return s3.get_object(Bucket=BUCKET, Key=f"reports/{date.today()}.json")["Body"].read()


        def handler(event, context):
            hour = int(time.time() // 3600)
            a = s3.get_object(Bucket=BUCKET, Key=f"hourly/{hour}.json")["Body"].read()
            b = s3.get_object(Bucket=BUCKET, Key=f"{datetime.now():%Y/%m}/rates.csv")["Body"].read()
            c = s3.get_object(Bucket=BUCKET, Key="fixed/rates.csv")["Body"].read()
            return daily(), a, b, c, event
        """,
    )
    assert lines == [19]


def _lam202_fixes(tmp_path, source):
    """{line: fix description or None} of the LAM202 findings."""
    (tmp_path / "app.py").write_text(textwrap.dedent(source).lstrip())
    result = run_cli("check", "--no-cache", "--select", "LAM202", "--format", "json", "app.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return {f["line"]: (f["fix"] or {}).get("description") for f in json.loads(result.stdout)["findings"]}


def test_no_cache_over_a_function_that_also_reads_by_the_date_or_can_fail(tmp_path):
    fixes = _lam202_fixes(
        tmp_path,
        """
        import json
        import os
        from datetime import date

        import boto3

        s3 = boto3.client("s3")
        BUCKET = os.environ["BUCKET"]


        def load_settings():
            with open("settings.json") as f:
                data = json.load(f)
            data["report"] = s3.get_object(Bucket=BUCKET, Key=f"reports/{date.today()}.json")["Body"].read()
            return data


        def banner():
            try:
                return open("banner.txt").read()
            except OSError:
                return None


        def audited():
            body = s3.get_object(Bucket=BUCKET, Key="config.json")["Body"].read()
            s3.put_object(Bucket=BUCKET, Key="audit/last-read", Body=b"1")
            return body


        def rules():
            with open("rules.json") as f:
                return json.load(f)


        def handler(event, context):
            with open("salt.txt") as f:
                salt = f.read() + date.today().isoformat()
            return load_settings(), banner(), audited(), rules(), salt, event
        """,
    )
    assert fixes == {
        12: None,  # caching load_settings would keep the first day's report
        20: None,  # a missing banner.txt would be None for the life of the environment
        26: None,  # the audit write would run once
        32: "decorate `rules` with `@functools.cache`: its body runs once per execution "
        "environment and every later call returns that first result",
        37: None,  # the salt carries the date
    }


def test_no_cache_over_a_loader_that_fills_a_container_the_handler_resets(tmp_path):
    """LAM101 resets `_routes` at the start of the handler; a cached `load_routes` would
    then hand the emptied dict to every later request."""
    source = textwrap.dedent("""
        import json

        _routes = {}


        def load_routes():
            with open("routes.json") as f:
                _routes.update(json.load(f))
            return _routes


        def handler(event, context):
            return load_routes().get(event["path"], "not found")
        """).lstrip()
    assert _lam202_fixes(tmp_path, source) == {7: None}
    (tmp_path / "routes.json").write_text(json.dumps({"/a": "A"}))
    result = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", "app.py", cwd=tmp_path)
    fixed = (tmp_path / "app.py").read_text()
    assert "_routes.clear()" in fixed and "functools.cache" not in fixed, result.stdout
    namespace = {}
    cwd = __import__("os").getcwd()
    __import__("os").chdir(tmp_path)
    try:
        exec(compile(fixed, "app.py", "exec"), namespace)
        assert [namespace["handler"]({"path": "/a"}, None) for _ in range(3)] == ["A"] * 3
    finally:
        __import__("os").chdir(cwd)


def test_hoists_say_what_they_change(tmp_path):
    fixes = _lam202_fixes(
        tmp_path,
        """
        import json


        def handler(event, context):
            limits = json.load(open("limits.json"))
            with open("routes.json") as f:
                routes = json.load(f)
            return limits[event["k"]], routes[event["p"]]
        """,
    )
    assert fixes == {
        5: "move `limits = ...` to module level: it runs once, at Init, and every request reads that value",
        6: "move the `with` block into a `@functools.cache` loader `_load_routes()`: it runs "
        "once per execution environment, at the first request, and every request reads "
        "that `routes`",
    }
