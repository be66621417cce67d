"""LAM202 precision through the installed CLI: which reads are invariant, and which fixes
are honest about what they freeze."""

import json
import textwrap

from conftest import run_cli


def _lam202_lines(tmp_path, source, *args):
    (tmp_path / "app.py").write_text(textwrap.dedent(source).lstrip())
    result = run_cli("check", "--no-cache", "--select", "LAM202", "--format", "json", *args,
                     "app.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [f["line"] for f in json.loads(result.stdout)["findings"]]


def test_constant_urls_are_findings_only_when_they_name_a_document(tmp_path):
    lines = _lam202_lines(tmp_path, """
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
        """)
    assert lines == [12, 13, 14, 15, 16]


def test_requests_that_act_are_not_reads(tmp_path):
    lines = _lam202_lines(tmp_path, """
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
        """)
    assert lines == [21]  # the one read: a file that happens to be named hooks.json


def test_reads_keyed_by_the_clock_are_per_day_not_per_environment(tmp_path):
    lines = _lam202_lines(tmp_path, """
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
        """)
    assert lines == [19]
