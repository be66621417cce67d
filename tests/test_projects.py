"""Multi-file apps under tests/fixtures/projects/, linted as a user would: calls are followed
from the handler into the project's own modules, and a finding is reported in the file
where its construct is.  Each app carries its expectations as `# expect: CODE` comments."""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import PROJECTS, project_dirs, project_expectations, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_flake8_plugin import flake8, reported

from lambdalint.project.imports import _without_triple_quoted, imported_modules

APPS = project_dirs()


def check(root, *args, cwd=None):
    result = run_cli("check", "--format", "json", "--no-cache", *args, cwd=cwd or root)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def found(doc):
    return {(f["path"], f["line"], f["code"]) for f in doc["findings"]}


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_whole_project(root):
    doc = check(root, ".")
    assert found(doc) == project_expectations(root)
    assert doc["errors"] == []


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_each_file_alone_gives_its_part_of_the_whole(root):
    """pre-commit passes only the changed files: their findings are exactly those of a
    whole-project run."""
    whole = found(check(root, "."))
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        assert found(check(root, rel)) == {f for f in whole if f[0] == rel}, rel


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.name)
def test_flake8_reports_the_same_python_findings(root):
    result = flake8("--select", "LAM", ".", cwd=root)
    assert reported(result.stdout) == found(check(root, ".")), result.stderr


def test_shared_reader_is_reported_at_the_invariant_call_with_the_helper_in_the_chain():
    """`read_file(path)` is right for the batch code that passes its own paths: the bundled
    file the handler reads through it is reported at the handler's call. The parameter the
    jobs handler rewrites and the /tmp file it passes to a helper are no findings."""
    doc = check(PROJECTS / "shared_reader", ".")
    (finding,) = doc["findings"]
    assert (finding["path"], finding["line"], finding["code"]) == ("app.py", 9, "LAM202")
    assert finding["call_chain"] == ["app.py:lambda_handler", "textfiles/files.py:read_file"]
    assert "through `read_file`" in finding["message"]
    assert "`read_file` itself stays as it is" in finding["suggestion"]


def test_call_chain_runs_from_the_entry_point_to_the_construct():
    doc = check(PROJECTS / "src_layout", ".")
    (finding,) = doc["findings"]
    assert finding["handler"] == "src/orders/handler.py:lambda_handler"
    assert finding["call_chain"] == ["src/orders/handler.py:lambda_handler", "src/orders/repository.py:save_order"]
    text = run_cli("check", "--no-cache", ".", cwd=PROJECTS / "src_layout").stdout
    assert "via src/orders/handler.py:lambda_handler → src/orders/repository.py:save_order" in text


def test_a_factory_shared_with_init_code_is_reported_at_its_call():
    """`create_client` is right for the Init code that calls it: the finding sits at the
    per-request call of the factory, and the chain ends in the factory."""
    doc = check(PROJECTS / "shared_factory", ".")
    (at_call,) = [f for f in doc["findings"] if f["path"] == "lib/metrics.py"]
    assert (at_call["line"], at_call["column"], at_call["code"]) == (9, 18, "LAM201")
    assert at_call["message"].startswith("AWS SDK client built by `create_client` (`create_client(\"cloudwatch\")`)")
    assert at_call["call_chain"] == ["app.py:lambda_handler", "lib/metrics.py:put_metric", "lib/aws.py:create_client"]
    assert not [f for f in doc["findings"] if f["path"] == "lib/aws.py" and f["line"] == 7]


def test_one_functions_package_never_imports_anothers(tmp_path):
    """Lambda deploys each CodeUri apart: `import helpers` in function A is not B's copy,
    even when B's is the only module of that name in the project."""
    function = (
        "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: {}/\n"
        "      Handler: index.handler\n      Runtime: python3.12\n"
    )
    handler = "import helpers\n\n\ndef handler(event, context):\n    return helpers.table()\n"
    root = write(
        tmp_path / "app",
        {
            "pyproject.toml": "",
            "template.yaml": "Resources:\n  A:\n" + function.format("fa") + "  B:\n" + function.format("fb"),
            "fa/index.py": handler,
            "fb/index.py": handler,
            "fb/helpers.py": "import boto3\n\n\ndef table():\n    return boto3.resource('dynamodb').Table('t')\n",
        },
    )
    chains = [f["call_chain"] for f in check(root, ".")["findings"]]
    assert chains == [["fb/index.py:handler", "fb/helpers.py:table"]]


def test_chain_through_a_base_class_template_method():
    """`Job.main` calls `self.exec_main_proc()` and `self.validate()`: each handler's chain
    leads to its own subclass's override (or a mixin's method), and the override of a
    subclass that no handler instantiates is on no path."""
    chains = {f["path"]: f["call_chain"] for f in check(PROJECTS / "template_method", ".")["findings"]}
    assert chains == {
        "jobs/export.py": [
            "jobs/export.py:lambda_handler",
            "jobs/base.py:Job.main",
            "jobs/export.py:ExportJob.exec_main_proc",
        ],
        "jobs/cleanup.py": [
            "jobs/cleanup.py:cleanup_handler",
            "jobs/base.py:Job.main",
            "jobs/cleanup.py:CleanupJob.exec_main_proc",
        ],
        "jobs/audit.py": ["jobs/audit.py:audit_handler", "jobs/base.py:Job.main", "jobs/audit.py:AuditMixin.validate"],
    }


def test_same_named_modules_resolve_in_their_own_function(tmp_path):
    """Both SAM functions import `utils`; each gets its own copy (only orders' is bad)."""
    doc = check(PROJECTS / "sam_codeuri", ".")
    assert {f["handler"] for f in doc["findings"]} == {"functions/orders/app.py:place"}


def test_flask_routes_served_through_a_wsgi_adapter_run_with_the_handlers_settings(tmp_path):
    """`serverless_wsgi.handle_request(app, event, context)` in the template's handler: the
    app's routes and request hooks, registered in another module, run per invocation with
    that function's settings; without the adapter the same app has no entry points."""
    out = run_cli("check", "--show-handlers", ".", cwd=PROJECTS / "flask_wsgi").stdout.splitlines()
    assert "src/api/routes.py:11: account  (framework: Flask @before_request; python3.12, timeout 20 s)" in out
    assert "src/api/routes.py:17: submit  (framework: Flask @route; python3.12, timeout 20 s)" in out
    target = tmp_path / "flask_wsgi"
    shutil.copytree(PROJECTS / "flask_wsgi", target)
    (target / "src" / "lambda_handler.py").write_text(
        "from api import app\n\n\ndef handler(event, context):\n    return {'statusCode': 404, 'app': app.name}\n"
    )
    assert check(target, ".")["findings"] == []


def test_show_handlers_lists_what_each_entry_point_reaches():
    out = run_cli("check", "--show-handlers", ".", cwd=PROJECTS / "powertools_routes").stdout
    assert "app/routes/users.py:7: get_user  (framework: Powertools APIGatewayRestResolver @get)" in out
    out = run_cli("check", "--show-handlers", ".", cwd=PROJECTS / "reexports").stdout
    assert (
        "handlers/report.py:4: lambda_handler  (convention)\n    reaches secrets_pkg/impl.py:database_password\n" in out
    )


def test_subdirectory_and_absolute_paths_give_the_same_findings():
    root = PROJECTS / "relative_imports"
    whole = found(check(root, "."))
    from_app = check(root, ".", cwd=root / "app")
    assert {("app/" + p, line, code) for p, line, code in found(from_app)} == whole
    absolute = check(root, str(root), cwd=root.parent)
    assert {(os.path.relpath(root.parent / p, root), line, code) for p, line, code in found(absolute)} == whole


def copy_app(name, tmp_path):
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target)
    return target


def test_editing_a_helper_invalidates_the_handlers_cached_result(tmp_path):
    root = copy_app("dependency_injection", tmp_path)
    first = found(check_cached(root))
    assert first == {("repository.py", 5, "LAM201")}
    # The handler now injects a client in both calls: the default is never built.
    handler = root / "handler.py"
    handler.write_text(handler.read_text().replace('get_items("orders")', 'get_items("orders", dynamodb)'))
    assert found(check_cached(root)) == set()
    # And the other way: the helper changes, the handler's unit is analysed again.
    repository = root / "repository.py"
    repository.write_text(repository.read_text().replace("client = client or boto3", "client = boto3"))
    assert found(check_cached(root)) == {("repository.py", 5, "LAM201"), ("repository.py", 10, "LAM201")}


def check_cached(root):
    result = run_cli("check", "--format", "json", ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_fixes_in_another_module_are_written_there(tmp_path):
    root = copy_app("service_instance", tmp_path)
    result = run_cli("check", "--fix", "--unsafe-fixes", "--no-cache", "handler.py", cwd=root)
    assert result.returncode == 0, result.stdout
    assert (root / "services.py").read_text() == (PROJECTS / "service_instance" / "services.py").read_text()
    result = run_cli("check", "--fix", "--no-cache", ".", cwd=root)
    services = (root / "services.py").read_text()
    compile(services, "services.py", "exec")
    assert result.returncode in (0, 1), result.stderr


# -- bad input ---------------------------------------------------------------------------------


def write(root: Path, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


HANDLER = "from helpers import make\n\n\ndef lambda_handler(event, context):\n    return make()\n"


def test_missing_and_broken_modules_are_not_followed(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": "[tool.lambdalint]\n",
            "app.py": "import missing_module\nfrom helpers import make\n\n\ndef lambda_handler(event, context):\n"
            "    missing_module.go()\n    return make()\n",
            "helpers.py": "def make(:\n",
            "other.py": HANDLER.replace("helpers", "fine") + "import boto3\n",
            "fine.py": "import boto3\n\n\ndef make():\n    return boto3.client('s3')\n",
        },
    )
    doc = check(root, ".")
    assert found(doc) == {("fine.py", 5, "LAM201")}
    assert [(e["path"], e["message"][:16]) for e in doc["errors"]] == [("helpers.py", "syntax error at ")]


def test_a_package_cycle_is_cut(tmp_path):
    root = write(
        tmp_path,
        {
            "pyproject.toml": "[tool.lambdalint]\n",
            "pkg/__init__.py": "from pkg.a import run\n",
            "pkg/a.py": "from pkg import b\n\n\ndef run(event, context):\n    return b.go(event)\n",
            "pkg/b.py": "import boto3\nimport pkg\n\n\ndef go(event):\n    boto3.client('s3')\n    return pkg.run(event, None)\n",
        },
    )
    assert found(check(root, ".")) == {("pkg/b.py", 6, "LAM201")}


def test_code_outside_the_project_is_never_followed(tmp_path):
    """A CodeUri outside the project is not a source root: `from evil import make` in the
    project does not reach it."""
    write(tmp_path / "outside", {"evil.py": "import boto3\n\n\ndef make():\n    return boto3.client('s3')\n"})
    root = write(
        tmp_path / "project",
        {
            "pyproject.toml": "[tool.lambdalint]\n",
            "template.yaml": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Runtime: python3.12\n      CodeUri: ../outside\n      Handler: evil.make\n",
            "app.py": "from evil import make\n\n\ndef lambda_handler(event, context):\n    return make()\n",
        },
    )
    doc = check(root, ".")
    assert [(f["path"], f["code"]) for f in doc["findings"]] == [("template.yaml", "LAM304")]
    assert "outside the project" in doc["findings"][0]["message"]
    assert not any("evil.py" in e["path"] for e in doc["errors"])


# The regular expression imports.py used for triple-quoted strings: the reference for
# the scan that replaced it (the same result, without a backtracking record per character).
_TRIPLE_QUOTED = re.compile(r'(?s)"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'')


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(
        st.sampled_from(['"', "'", "\\", "a", "\n", '"""', "'''", "import x\n", "from . import y\n"]), max_size=16
    ).map("".join)
)
def test_triple_quoted_strings_are_dropped_as_the_regular_expression_dropped_them(text):
    assert _without_triple_quoted(text) == _TRIPLE_QUOTED.sub("", text)


def test_a_huge_string_literal_costs_no_memory_to_skip():
    """moto ships a 4.7 MB string literal; skipping it took 560 MB with the expression."""
    import tracemalloc

    text = 'import os\nPOLICIES = """' + '{"Version": "2012-10-17", "Statement": []},\n' * 25_000 + '"""\nimport json\n'
    tracemalloc.start()
    try:
        found = imported_modules(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == ["os", "json"]
    assert peak < 5 * len(text)  # the expression needed over 100 bytes per character


def test_imports_shown_in_docstrings_are_not_followed(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "helper.py").write_text("import boto3\n\n\ndef client():\n    return boto3.client('s3')\n")
    (tmp_path / "handler.py").write_text(
        '"""Usage:\n\n    import helper\n"""\n\n\ndef lambda_handler(event, context):\n    return 1\n'
    )
    result = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert not [f for f in json.loads(result.stdout)["findings"] if f["path"] == "helper.py"], result.stdout
    (tmp_path / "handler.py").write_text(
        '"""Usage."""\nimport helper\n\n\ndef lambda_handler(event, context):\n    return helper.client()\n'
    )
    result = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert [f["code"] for f in json.loads(result.stdout)["findings"] if f["path"] == "helper.py"] == ["LAM201"]


def test_standard_library_imports_never_resolve_to_a_vendored_module_of_that_name(tmp_path):
    """`import uuid` is Python's even when a vendored library holds the project's only
    `uuid.py`; a unique name that is not the standard library's still resolves."""
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    deep = tmp_path / "vendor" / "lib" / "ids"
    deep.mkdir(parents=True)
    client = "import boto3\n\n\ndef {name}():\n    return boto3.client('s3')\n"
    (deep / "uuid.py").write_text(client.format(name="uuid4"))
    (deep / "tenantids.py").write_text(client.format(name="new_id"))
    (tmp_path / "handler.py").write_text(
        "import tenantids\nimport uuid\n\n\ndef lambda_handler(event, context):\n"
        "    return str(uuid.uuid4()), tenantids.new_id()\n"
    )
    result = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    paths = {f["path"] for f in json.loads(result.stdout)["findings"]}
    assert "vendor/lib/ids/tenantids.py" in paths, result.stdout
    assert "vendor/lib/ids/uuid.py" not in paths


def test_a_layer_folder_named_like_its_module_does_not_make_the_name_ambiguous(tmp_path):
    """`lambda_layers/boto_utils/python/boto_utils.py` (no template names the layer): the
    folder `boto_utils/` also puts that name in `lambda_layers/`, but holds no such module,
    so `from boto_utils import get_config` still means the one file that is."""
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    layer = tmp_path / "lambda_layers" / "boto_utils" / "python"
    layer.mkdir(parents=True)
    (layer / "boto_utils.py").write_text(
        "import boto3\n\nssm = boto3.client('ssm')\n\n\ndef get_config():\n"
        "    return ssm.get_parameter(Name='/app/config')['Parameter']['Value']\n"
    )
    handler = tmp_path / "lambdas" / "settings"
    handler.mkdir(parents=True)
    (handler / "handlers.py").write_text(
        "from boto_utils import get_config\n\n\ndef handler(event, context):\n    return get_config()\n"
    )
    doc = check(tmp_path, ".")
    assert found(doc) == {("lambda_layers/boto_utils/python/boto_utils.py", 7, "LAM202")}


def test_a_with_statement_runs_the_context_managers_enter_and_exit(tmp_path):
    """`with Connection() as cursor:` runs `Connection.__enter__` and `__exit__`, in
    another module too; `async with` runs `__aenter__` and `__aexit__`."""
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "db.py").write_text(
        "import os\n\nimport pymysql\n\n\nclass Connection:\n"
        "    def __enter__(self):\n"
        "        self.conn = pymysql.connect(host=os.environ['DB_HOST'], user='app')\n"
        "        return self.conn.cursor()\n\n"
        "    def __exit__(self, *exc):\n        self.conn.close()\n\n\n"
        "class Session:\n    async def __aenter__(self):\n        import boto3\n"
        "        self.sqs = boto3.client('sqs')\n        return self.sqs\n\n"
        "    async def __aexit__(self, *exc):\n        return None\n"
    )
    (tmp_path / "handler.py").write_text(
        "from db import Connection, Session\n\n\ndef handler(event, context):\n"
        "    with Connection() as cursor:\n        cursor.execute('SELECT 1')\n\n\n"
        "async def consume(event, context):\n    async with Session() as sqs:\n"
        "        await sqs.send_message(QueueUrl='q', MessageBody='m')\n"
    )
    assert {(path, line, code) for path, line, code in found(check(tmp_path, "."))} >= {
        ("db.py", 8, "LAM201"),
        ("db.py", 18, "LAM201"),
    }


def test_an_import_is_looked_up_only_in_the_roots_that_hold_its_name(tmp_path, monkeypatch):
    """In a monorepo every function's CodeUri is a source root.  Resolving an import must
    not try each of them (that made set-up quadratic in the project's size): the number of
    file-system lookups is the same for 10 functions as for 80, and the module found is
    the one the full search order gives."""
    from lambdalint.project.layout import SourceLayout

    lookups: list = []
    real_find = SourceLayout._find

    def counting_find(self, base, dotted):
        lookups.append((base, dotted))
        return real_find(self, base, dotted)

    monkeypatch.setattr(SourceLayout, "_find", counting_find)

    def resolve_in_project_of(functions: int):
        root = tmp_path / f"p{functions}"
        code_roots = []
        for i in range(functions):
            code = root / f"fn_{i:03d}"
            code.mkdir(parents=True)
            (code / "app.py").write_text("import shared_name\n")
            code_roots.append(str(code))
        # two functions hold `shared_name`; the first in the roots' order wins
        for i in (3, 7):
            (root / f"fn_{i:03d}" / "shared_name.py").write_text("")
        (root / "tools").mkdir()
        importer = root / "tools" / "build.py"  # outside every function's package
        importer.write_text("import shared_name, nowhere\n")
        files = [str(p) for p in root.rglob("*.py")]
        layout = SourceLayout(str(root), code_roots, (), (), files)
        lookups.clear()
        found = layout.resolve("shared_name", str(importer)), layout.resolve("nowhere", str(importer))
        brute = next(
            (
                os.path.realpath(os.path.join(base, "shared_name.py"))
                for base in layout.roots_for(str(importer))
                if os.path.isfile(os.path.join(base, "shared_name.py"))
            ),
            None,
        )
        return found, brute, len(lookups)

    (found_10, nowhere_10), brute_10, lookups_10 = resolve_in_project_of(10)
    (found_80, nowhere_80), brute_80, lookups_80 = resolve_in_project_of(80)
    assert found_10 == brute_10 and found_10.endswith(os.path.join("fn_003", "shared_name.py"))
    assert found_80 == brute_80 and found_80.endswith(os.path.join("fn_003", "shared_name.py"))
    assert nowhere_10 is None and nowhere_80 is None
    assert lookups_10 == lookups_80 <= 6
