"""LAM202 / LAM203 through the real interfaces, plus shapes the fixtures do not show."""

import json
import textwrap

from conftest import lint, run_cli

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text


def _codes(source, **config):
    return [(f.line, f.code) for f in lint(textwrap.dedent(source), config=Config(**config))]


def test_io_functions_from_config_and_as_service_operations(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
        [tool.lambdalint]
        io-functions = ["mylib.settings.load", "dynamodb.get_item"]
        """
        )
    )
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
        import boto3
        from mylib.settings import load

        ddb = boto3.client("dynamodb")


        def handler(event, context):
            settings = load("prod")
            row = ddb.get_item(TableName="config", Key={"pk": {"S": "global"}})
            mine = ddb.get_item(TableName="config", Key={"pk": {"S": event["id"]}})
            return settings, row, mine
        """
        )
    )
    result = run_cli("check", "--format", "json", "app.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = [(f["line"], f["code"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [(9, "LAM202"), (10, "LAM202")]
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    assert run_cli("check", "app.py", cwd=tmp_path).returncode == 0


def test_cli_fix_moves_imports_safely_and_io_only_with_unsafe_fixes(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(
        textwrap.dedent(
            """
        import json


        def handler(event, context):
            import csv

            with open("columns.json") as f:
                columns = json.load(f)
            return csv.list_dialects(), columns[event["i"]]
        """
        ).lstrip()
    )
    result = run_cli("check", "--fix", "--select", "LAM2", "app.py", cwd=tmp_path)
    assert result.returncode == 1
    text = app.read_text()
    assert text.startswith("import json\nimport csv\n") and "    import csv" not in text
    assert "with open" in text.split("def handler")[1]  # LAM202 waits for --unsafe-fixes
    result = run_cli("check", "--fix", "--unsafe-fixes", "--select", "LAM2", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    text = app.read_text()
    assert "@functools.cache\ndef _load_columns():" in text and "columns = _load_columns()" in text
    compile(text, "app.py", "exec")


def test_json_load_of_open_is_one_finding_at_the_outer_call():
    findings = lint(
        textwrap.dedent(
            """
        import json


        def handler(event, context):
            return json.load(open("a.json"))[event["k"]]
        """
        )
    )
    assert [(f.line, f.column, f.code) for f in findings] == [(6, 12, "LAM202")]
    assert findings[0].message.startswith("`json.load(open(\"a.json\"))` reads the same file")


def test_secret_suggestion_mentions_rotation_and_a_ttl_cache():
    (finding,) = lint(
        textwrap.dedent(
            """
        import boto3

        sm = boto3.client("secretsmanager")


        def handler(event, context):
            password = sm.get_secret_value(SecretId="db")["SecretString"]
            return password == event["password"]
        """
        )
    )
    assert "rotation" in finding.suggestion and "max_age" in finding.suggestion
    assert "parameters.get_secret" in finding.suggestion


def test_shadowed_open_lazy_or_and_per_tenant_clients_are_not_flagged():
    assert (
        _codes(
            """
        import json

        CONFIG = None


        def handler(event, context, open=open):
            data = open("x.json").read()  # not the builtin
            global CONFIG
            CONFIG = CONFIG or json.loads(data)
            return data
        """
        )
        == []
    )
    assert (
        _codes(
            """
        import json

        _rules = None


        def handler(event, context):
            global _rules
            _rules = _rules or json.load(open("rules.json"))
            return _rules[event["k"]]
        """
        )
        == []
    )
    assert (
        _codes(
            """
        import boto3


        def handler(event, context):
            creds = event["credentials"]
            ssm = boto3.client("ssm", aws_access_key_id=creds["id"], aws_secret_access_key=creds["key"])
            return ssm.get_parameter(Name="/tenant/plan")
        """
        )
        == []
    )


def test_write_modes_and_tmp_reads_are_not_flagged():
    assert (
        _codes(
            """
        import os
        import tempfile


        def handler(event, context):
            with open("/tmp/state.json", "a") as log:
                log.write(event["line"])
            cached = open(os.path.join(tempfile.gettempdir(), "warm.txt")).read()
            status = open("/proc/self/status").read()
            with open("out.bin", "wb") as out, open("in.bin", "r+b") as both:
                out.write(both.read())
            return cached, status
        """
        )
        == []
    )


def test_import_fix_is_unsafe_after_environment_changes():
    source = textwrap.dedent(
        """
        import os


        def handler(event, context):
            os.environ["MPLCONFIGDIR"] = "/tmp"
            import matplotlib

            return matplotlib.__version__
        """
    )
    (finding,) = lint(source)
    assert finding.code == "LAM203" and finding.fix.applicability == "unsafe"
    assert fix_text(source, "handler.py", Options(Config()), "safe")[1] == 0


def test_import_fixes_that_would_change_names_are_not_offered():
    findings = lint(
        textwrap.dedent(
            """
        json = None


        def handler(event, context):
            import json  # the module-level `json` means something else
            from . import models  # relative: may break an import cycle

            return json.dumps(event), models
        """
        ).lstrip()
    )
    fixes = {f.line: f.fix for f in findings}
    assert fixes[5] is None and "module level" in findings[0].suggestion
    assert fixes[6].applicability == "unsafe"


def test_star_import_at_module_level_makes_the_import_move_unsafe():
    (finding,) = lint(
        textwrap.dedent(
            """
        from helpers import *


        def handler(event, context):
            import json

            return json.dumps(event)
        """
        )
    )
    assert finding.fix.applicability == "unsafe"


def test_awaited_io_is_reported_but_never_hoisted_out_of_an_async_function():
    findings = lint(
        textwrap.dedent(
            """
        import asyncio
        import json


        async def main(event):
            config = await asyncio.to_thread(json.load, open("config.json"))
            return config[event["k"]]


        def handler(event, context):
            return asyncio.run(main(event))
        """
        )
    )
    io = [f for f in findings if f.code == "LAM202"]
    assert [f.line for f in io] == [7] and io[0].fix is None


def test_no_cache_fix_for_a_loader_whose_result_the_handler_edits():
    findings = lint(
        textwrap.dedent(
            """
        import json


        def load_defaults():
            with open("defaults.json") as f:
                return json.load(f)


        def handler(event, context):
            settings = load_defaults()
            settings["user"] = event["user"]  # cached, this would leak into the next request
            return settings
        """
        )
    )
    (finding,) = [f for f in findings if f.code == "LAM202"]
    assert finding.fix is None


def test_import_fix_keeps_submodules_and_optional_module_level_imports():
    source = textwrap.dedent(
        """
        import xml

        try:
            import yaml
        except ImportError:
            yaml = None


        def handler(event, context):
            import xml.etree.ElementTree
            import yaml

            return xml.etree.ElementTree.fromstring(event["xml"]), yaml.safe_dump(event)
        """
    ).lstrip()
    fixes = {f.line: f.fix for f in lint(source)}
    assert fixes[11] is None  # `yaml` may be None at module level
    fixed, applied, _ = fix_text(source, "handler.py", Options(Config()), "safe")
    assert applied == 1
    assert fixed.startswith("import xml\nimport xml.etree.ElementTree\n")


TWO_FUNCTIONS = {
    "common/helpers.py": """
        def helper():
            return 1
    """,
    "handlers/indexer.py": """
        from opensearchpy import OpenSearch

        from common.helpers import helper


        def handler(event, context):
            return OpenSearch(), helper()
    """,
    "handlers/search.py": """
        from common.helpers import helper


        def handler(event, context):
            from opensearchpy import OpenSearch

            return OpenSearch(), helper()
    """,
    "api/app.py": """
        import requests
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        app = APIGatewayRestResolver()

        from api import routes  # registers the routes


        def lambda_handler(event, context):
            return app.resolve(event, context)
    """,
    "api/routes.py": """
        from api.app import app


        @app.get("/status")
        def status():
            import requests

            return requests.get("https://status.example.com/api", timeout=3).json()
    """,
}


def write_project(root, files) -> None:
    """An empty pyproject.toml and each file of `files` (relative path -> dedented text)."""
    (root / "pyproject.toml").write_text("")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def test_an_import_is_loaded_only_by_the_init_of_the_function_that_runs_it(tmp_path):
    """Two functions of one project: the indexer's module-level import does not load the
    module in the search function's environment, so the search handler's import is still
    a request's cost (and fixing one no longer silences the other). A route's module is
    loaded by the app module that imports it, and that app's imports are loaded for it."""
    write_project(tmp_path, TWO_FUNCTIONS)
    result = run_cli("check", "--no-cache", "--select", "LAM203", "--format", "json", ".", cwd=tmp_path)
    findings = [(f["path"], f["line"], f["handler"]) for f in json.loads(result.stdout)["findings"]]
    assert findings == [("handlers/search.py", 5, "handlers/search.py:handler")]
    # without the app's own `import requests`, the route's import is a request's cost
    app = tmp_path / "api" / "app.py"
    app.write_text(app.read_text().replace("import requests\n", ""))
    result = run_cli("check", "--no-cache", "--select", "LAM203", "--format", "json", ".", cwd=tmp_path)
    findings = [(f["path"], f["line"], f["handler"]) for f in json.loads(result.stdout)["findings"]]
    assert ("api/routes.py", 6, "api/routes.py:status") in findings


INIT_CALLS = {
    "common/search.py": """
        class Manager:
            def __init__(self):
                self._client = None
                self._connect()

            def _connect(self):
                from opensearchpy import OpenSearch

                self._client = OpenSearch

            def client(self):
                if self._client is None:
                    self._connect()
                return self._client


        manager = Manager()
    """,
    "common/setup.py": """
        def warm():
            import pandas

            from . import heavy

            return pandas, heavy
    """,
    "common/heavy.py": """
        import numpy
    """,
    "handlers/app.py": """
        from common import setup
        from common.search import manager

        setup.warm()


        def handler(event, context):
            import numpy
            import pandas
            from opensearchpy import OpenSearch

            return manager.client(), OpenSearch, pandas, numpy
    """,
    "handlers/other.py": """
        from common import setup


        def handler(event, context):
            import pandas

            return setup.warm(), pandas
    """,
}


def test_modules_imported_by_functions_that_init_calls_are_loaded_at_init(tmp_path):
    """`manager = Manager()` and `setup.warm()` run at Init, with the imports of the
    functions they call (across modules, relative ones from the callee's own package); a
    handler whose Init calls neither still pays for its import."""
    write_project(tmp_path, INIT_CALLS)
    result = run_cli("check", "--no-cache", "--select", "LAM203", "--format", "json", ".", cwd=tmp_path)
    findings = sorted((f["path"], f["line"], f["handler"]) for f in json.loads(result.stdout)["findings"])
    assert findings == [
        ("common/setup.py", 2, "handlers/other.py:handler"),
        ("common/setup.py", 4, "handlers/other.py:handler"),
        ("handlers/other.py", 5, "handlers/other.py:handler"),
    ]
