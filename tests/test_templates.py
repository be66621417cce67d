"""Entry points from templates and frameworks, and LAM304, through the installed CLI."""

import json
import textwrap

import pytest
from conftest import FIXTURES, expected_findings, run_cli

from lambdalint import templates

APPS = sorted(p.name for p in (FIXTURES / "apps").iterdir() if p.is_dir())
HANDLER = textwrap.dedent(
    """
    import boto3


    def run(payload, ctx_obj):
        return boto3.client("s3").list_buckets()
    """
).lstrip()  # LAM201 on line 5 when (and only when) `run` is an entry point


def findings(result):
    doc = json.loads(result.stdout)
    return doc, {(f["path"], f["line"], f["code"]) for f in doc["findings"]}


def write(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if name.endswith(".py") else textwrap.dedent(text).lstrip())


@pytest.mark.parametrize("app", APPS)
def test_app_findings_are_exactly_the_expected_ones(app):
    root = FIXTURES / "apps" / app
    result = run_cli("check", "--format", "json", ".", cwd=root)
    doc, found = findings(result)
    expected = {
        (str(p.relative_to(root)), line, code)
        for p in root.rglob("*.py")
        for line, code in expected_findings(p.read_text())
    }
    assert found == expected
    assert doc["errors"] == []
    assert result.returncode == 1


@pytest.mark.parametrize(
    "app, handler",
    [
        ("sam_yaml", "src/thumbs.py:6: run  (template: SAM template template.yaml:35 (ThumbsFunction); python3.12)"),
        (
            "sam_json",
            "handlers/ingest.py:6: main  (template: CloudFormation template template.json:10 (IngestFunction); python3.11, timeout 3 s)",
        ),
        (
            "serverless",
            "handlers/ingest.py:4: process  (template: Serverless serverless.yml:17 (ingest); python3.12, timeout 6 s)",
        ),
        ("cdk", "lambda/resize.py:4: go  (template: CDK infra/app.py:17 (Resize); python3.12)"),
        ("powertools", "api.py:17: get_order  (framework: Powertools APIGatewayRestResolver @get)"),
        ("chalice_app", "app.py:14: on_upload  (framework: Chalice @on_s3_event)"),
        ("mangum_app", "main.py:9: read_item  (framework: Mangum FastAPI @get)"),
    ],
)
def test_show_handlers_says_where_each_entry_point_came_from(app, handler):
    result = run_cli("check", "--show-handlers", ".", cwd=FIXTURES / "apps" / app)
    assert result.returncode == 0, result.stderr
    assert handler in result.stdout.splitlines()


def test_show_handlers_lists_conventions_and_only_entry_points(tmp_path):
    write(
        tmp_path,
        {
            "a.py": "def lambda_handler(event, context):\n    pass\n\n\ndef helper(x, y):\n    pass\n",
            "b.py": "def consume(event, context):\n    pass\n",
        },
    )
    result = run_cli("check", "--show-handlers", ".", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "a.py:1: lambda_handler  (convention)",
        "b.py:1: consume  (signature)",
    ]


def test_codeuri_may_name_the_handler_file_itself(tmp_path):
    """`CodeUri: src/function.py`: the package is that one file; its handler is found (and
    is an entry point), a function it lacks or another module is still LAM304."""
    write(
        tmp_path,
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.12
            Resources:
              SingleFile:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/function.py
                  Handler: function.run
              NoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/function.py
                  Handler: function.gone
              OtherModule:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/function.py
                  Handler: other.run
            """,
            "src/function.py": HANDLER,
            "src/other.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    doc, found = findings(result)
    assert found == {("template.yaml", 15, "LAM304"), ("template.yaml", 20, "LAM304"), ("src/function.py", 5, "LAM201")}
    messages = {f["line"]: f["message"] for f in doc["findings"] if f["code"] == "LAM304"}
    assert "`function.py` defines no function `gone`" in messages[15]
    assert "single file `function.py`" in messages[20] and "does not exist" not in messages[20]
    shown = run_cli("check", "--show-handlers", "--no-cache", ".", cwd=tmp_path)
    assert "src/function.py:4: run  (template: SAM template template.yaml:10 (SingleFile)" in shown.stdout


def test_code_a_build_makes_or_another_provider_runs_is_not_lam304(tmp_path):
    """A prebuilt zip, a build directory not in the repository, a serverless-wsgi handler
    and an Azure service name code lambdalint cannot see: no LAM304. A source directory
    that is missing still is one."""
    write(
        tmp_path,
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.12
            Resources:
              Zipped:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: artifacts/functioncode.zip
                  Handler: index.handler
              Built:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: .build/lambdas/
                  Handler: activity.handler
              Missing:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/gone/
                  Handler: app.handler
            """,
            "api/serverless.yml": """
            service: api
            provider:
              name: aws
              runtime: python3.12
            plugins:
              - serverless-wsgi
            functions:
              app:
                handler: wsgi_handler.handler
              typo:
                handler: handlerz.main
            """,
            "azure/serverless.yml": """
            service: azure-app
            provider:
              name: azure
              runtime: python3.8
            functions:
              hello:
                handler: src/handlers/hello.main
            """,
        },
    )
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    _, found = findings(result)
    assert found == {("template.yaml", 20, "LAM304"), ("api/serverless.yml", 11, "LAM304")}


def test_web_adapter_handlers_are_scripts_not_lam304(tmp_path):
    """With the Lambda Web Adapter (its exec wrapper or its layer) the handler is a start-up
    script such as `run.sh`, in SAM, Serverless and CDK alike; without it `run.sh` is still
    a handler Lambda cannot load."""
    write(
        tmp_path,
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Wrapped:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.13
                  CodeUri: web/
                  Handler: run.sh
                  Environment:
                    Variables:
                      AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
                      PORT: 8000
              Layered:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.13
                  CodeUri: web/
                  Handler: start.sh
                  Layers:
                    - !Sub arn:aws:lambda:${AWS::Region}:123456789012:layer:LambdaAdapterLayerX86:24
              Plain:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.13
                  CodeUri: web/
                  Handler: run.sh
                  Environment:
                    Variables:
                      AWS_LAMBDA_EXEC_WRAPPER: /opt/otel-instrument
            """,
            "web/main.py": "def index():\n    return 'ok'\n",
            "sls/serverless.yml": """
            service: web
            provider:
              name: aws
              runtime: python3.12
              environment:
                AWS_LAMBDA_EXEC_WRAPPER: /opt/bootstrap
            functions:
              site:
                handler: run.sh
            """,
            "infra/cdk.json": "{}",
            "infra/stack.py": textwrap.dedent(
                """
                from aws_cdk import aws_lambda as lambda_

                lambda_.Function(None, "Web", runtime=lambda_.Runtime.PYTHON_3_12, handler="run.sh",
                                 code=lambda_.Code.from_asset("site"),
                                 environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap"})
                lambda_.Function(None, "Typo", runtime=lambda_.Runtime.PYTHON_3_12, handler="run.sh",
                                 code=lambda_.Code.from_asset("site"))
                """
            ),
            "infra/site/main.py": "def index():\n    return 'ok'\n",
        },
    )
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    _, found = findings(result)
    assert found == {("template.yaml", 26, "LAM304"), ("infra/stack.py", 7, "LAM304")}
    shown = run_cli("check", "--show-handlers", "--no-cache", ".", cwd=tmp_path)
    assert "start-up script of the Lambda Web Adapter" in shown.stdout


def test_missing_package_directory_is_built_from_the_module_beside_it(tmp_path):
    """`Code.from_asset("fn/package")` that a build fills from `fn/handler.py`: the handler
    there is the entry point and nothing is reported; a package directory with no source
    beside it is not checked either."""
    write(
        tmp_path,
        {
            "infra/cdk.json": "{}",
            "infra/stack.py": textwrap.dedent(
                """
                from aws_cdk import aws_lambda as lambda_

                lambda_.Function(None, "Resource", runtime=lambda_.Runtime.PYTHON_3_12, handler="handler.run",
                                 code=lambda_.Code.from_asset("../fn/package"))
                lambda_.Function(None, "Elsewhere", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.main",
                                 code=lambda_.Code.from_asset("../other/package"))
                """
            ),
            "fn/handler.py": HANDLER,
            "other/README.md": "built elsewhere\n",
        },
    )
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    assert findings(result)[1] == {("fn/handler.py", 5, "LAM201")}
    shown = run_cli("check", "--show-handlers", "--no-cache", ".", cwd=tmp_path)
    assert "fn/handler.py:4: run  (template: CDK infra/stack.py:4 (Resource)" in shown.stdout


def test_nested_handlers_are_not_entry_points(tmp_path):
    """A decorated `def handler` inside a test or another function is never loaded by
    Lambda: no LAM304 for its signature, and nothing inside it is on the invocation path."""
    (tmp_path / "test_app.py").write_text(
        textwrap.dedent(
            """
        import boto3
        from aws_lambda_powertools import Logger

        logger = Logger()


        def test_logs_context():
            @logger.inject_lambda_context
            def handler(event):
                return boto3.client("s3").list_buckets()

            assert handler({}, None)
        """
        ).lstrip()
    )
    result = run_cli("check", "--format", "json", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert findings(result)[1] == set()


def test_handler_pointing_nowhere_is_lam304_at_the_template_line(tmp_path):
    write(
        tmp_path,
        {
            "template.yaml": """
            Transform: AWS::Serverless-2016-10-31
            Globals:
              Function:
                Runtime: python3.12
            Resources:
              NoModule:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: missing.run
              NoFunction:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.gone
              NoDirectory:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: nowhere/
                  Handler: app.run
              NotDotted:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: run  # noqa: LAM201
              Fine:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.run
            """,
            "src/app.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc, found = findings(result)
    assert found == {
        ("template.yaml", 10, "LAM304"),
        ("template.yaml", 15, "LAM304"),
        ("template.yaml", 20, "LAM304"),
        ("template.yaml", 25, "LAM304"),
        ("src/app.py", 5, "LAM201"),
    }
    messages = {f["line"]: f["message"] for f in doc["findings"] if f["code"] == "LAM304"}
    assert "no module `missing.py`" in messages[10] and "(NoModule)" in messages[10]
    assert "`app.py` defines no function `gone`" in messages[15]
    assert "does not exist" in messages[20]
    assert "not of the form `module.function`" in messages[25]
    assert result.returncode == 1


def test_lam304_honours_noqa_and_ignore_in_templates(tmp_path):
    write(
        tmp_path,
        {
            "serverless.yml": """
            provider:
              runtime: python3.12
            functions:
              a:
                handler: gone.run  # noqa: LAM304
              b:
                handler: also_gone.run
            """,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result)[1] == {("serverless.yml", 7, "LAM304")}
    result = run_cli("check", "--format", "json", "--ignore", "LAM304", ".", cwd=tmp_path)
    assert findings(result)[1] == set() and result.returncode == 0


def test_broken_templates_are_errors_and_the_run_goes_on(tmp_path):
    write(
        tmp_path,
        {
            "bad_yaml/template.yaml": "Resources:\n  Fn:\n    Type: [unclosed\n",
            "bad_json/template.json": '{"Resources": {"Fn": }}\n',
            "bad_sls/serverless.yml": "functions:\n\tx: 1\n",
            "good/template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties: {Runtime: python3.12, CodeUri: ., Handler: app.run}
            """,
            "good/app.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc, found = findings(result)
    assert found == {("good/app.py", 5, "LAM201")}
    errors = {e["path"]: e["message"] for e in doc["errors"]}
    assert set(errors) == {"bad_yaml/template.yaml", "bad_json/template.json", "bad_sls/serverless.yml"}
    assert errors["bad_yaml/template.yaml"].startswith("invalid YAML at line 4")
    assert errors["bad_json/template.json"].startswith("invalid JSON at line 1, column 22")
    assert "invalid YAML at line 2" in errors["bad_sls/serverless.yml"]
    assert result.returncode == 1
    text = run_cli("check", ".", cwd=tmp_path)
    assert "error: bad_yaml/template.yaml: invalid YAML" in text.stdout
    shown = run_cli("check", "--show-handlers", ".", cwd=tmp_path)
    assert shown.returncode == 0
    assert (
        "good/app.py:4: run  (template: SAM template good/template.yaml:4 (Fn); python3.12, timeout 3 s)"
        in shown.stdout
    )
    assert "bad_json/template.json: error: invalid JSON" in shown.stdout


def test_non_python_runtimes_produce_nothing(tmp_path):
    write(
        tmp_path,
        {
            "template.yaml": """
            Globals:
              Function:
                Runtime: nodejs20.x
            Resources:
              Web:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: web/, Handler: index.handler}
              Java:
                Type: AWS::Lambda::Function
                Properties: {Runtime: java21, Code: build/, Handler: "com.example.App::handleRequest"}
            """,
            "serverless.yml": """
            provider: {runtime: nodejs20.x}
            functions:
              api: {handler: src/api.handler}
            """,
            "run.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert doc["findings"] == [] and doc["errors"] == []
    assert result.returncode == 0


def test_cloudformation_tags_everywhere_load(tmp_path):
    tags = [
        "!Ref",
        "!Sub",
        "!GetAtt",
        "!If",
        "!Join",
        "!Select",
        "!Split",
        "!FindInMap",
        "!Base64",
        "!Cidr",
        "!ImportValue",
        "!GetAZs",
        "!Equals",
        "!And",
        "!Or",
        "!Not",
        "!Condition",
        "!Transform",
        "!ToJsonString",
        "!Length",
    ]
    lines = ["Conditions:"] + [f"  C{i}: {tag} [a, b]" for i, tag in enumerate(tags)]
    lines += [
        "Resources:",
        "  Fn:",
        "    Type: AWS::Serverless::Function",
        "    Properties:",
        "      Runtime: !If [Py, python3.12, python3.11]",
        "      CodeUri: src",
        "      Handler: app.run",
        "      Role: !GetAtt Role.Arn",
        "      Environment: {Variables: {A: !Sub '${AWS::Region}', B: !Ref X, C: !Base64 {Fn::Sub: x}}}",
        "  Unknown:",
        "    Type: AWS::Serverless::Function",
        "    Properties: {Runtime: python3.12, CodeUri: !Sub '${Dir}', Handler: !Ref H}",
    ]
    write(tmp_path, {"template.yaml": "\n".join(lines) + "\n", "src/app.py": HANDLER})
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc, found = findings(result)
    assert doc["errors"] == []
    assert found == {("src/app.py", 5, "LAM201")}


def test_nested_stacks_and_template_globs_from_config(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": """
            [tool.lambdalint]
            templates = ["infra/*.yaml"]
            """,
            "infra/root.yaml": """
            Resources:
              Child:
                Type: AWS::Serverless::Application
                Properties: {Location: child/stack.yaml}
            """,
            "infra/child/stack.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties: {Runtime: python3.12, CodeUri: ../../code, Handler: jobs.run}
            """,
            "code/jobs.py": HANDLER,
            # not matched by the configured globs, so not read (it would name a missing module)
            "template.yaml": "Resources:\n  F:\n    Type: AWS::Lambda::Function\n"
            "    Properties: {Runtime: python3.12, Code: ., Handler: x.y}\n",
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result)[1] == {("code/jobs.py", 5, "LAM201")}


def test_templates_above_files_given_one_by_one(tmp_path):
    """pre-commit passes files, not directories, in a git checkout: the app's template at
    the checkout's root is still found."""
    write(
        tmp_path,
        {
            "template.yaml": "Resources:\n  F:\n    Type: AWS::Serverless::Function\n"
            "    Properties: {Runtime: python3.12, CodeUri: src, Handler: app.run}\n",
            "src/app.py": HANDLER,
        },
    )
    (tmp_path / ".git").mkdir()
    result = run_cli("check", "--format", "json", "src/app.py", cwd=tmp_path)
    assert findings(result)[1] == {("src/app.py", 5, "LAM201")}


def test_no_project_marker_means_the_linted_paths_not_the_working_directory(tmp_path):
    """Without pyproject.toml or .git the project is the common parent of the linted paths:
    a run from a parent directory neither walks that directory (a run from `~` would walk
    the whole home directory) nor reads its templates, and it finds what a run from the
    app's own directory finds."""
    template = (
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Runtime: python3.12, CodeUri: src, Handler: app.run}\n"
    )
    write(
        tmp_path,
        {
            "app/template.yaml": template,
            "app/src/app.py": HANDLER,
            # a note if read: SnapStart on a runtime that does not support it
            "elsewhere/template.yaml": "Resources:\n  Elsewhere:\n    Type: AWS::Serverless::Function\n"
            "    Properties: {Runtime: python3.11, CodeUri: src, Handler: other.run,"
            " SnapStart: {ApplyOn: PublishedVersions}}\n",
            "elsewhere/src/other.py": HANDLER,
        },
    )
    from_parent = run_cli("check", "--format", "json", "app", cwd=tmp_path)
    from_app = run_cli("check", "--format", "json", ".", cwd=tmp_path / "app")
    assert findings(from_parent)[1] == {("app/src/app.py", 5, "LAM201")}
    assert findings(from_app)[1] == {("src/app.py", 5, "LAM201")}
    assert "Elsewhere" not in from_parent.stderr


def test_config_handlers_pointing_nowhere(tmp_path):
    write(
        tmp_path,
        {
            "pyproject.toml": """
            [tool.lambdalint]
            handlers = [
                "src/app.py:run",
                "src/app.py:missing",
                "src/nope.py:run",
            ]
            """,
            "src/app.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc, found = findings(result)
    assert found == {("src/app.py", 5, "LAM201"), ("pyproject.toml", 4, "LAM304"), ("pyproject.toml", 5, "LAM304")}
    result = run_cli("check", "--format", "json", "--handler", "src/app.py:other", ".", cwd=tmp_path)
    doc = json.loads(result.stdout)
    assert any("--handler" in e["message"] and "other" in e["message"] for e in doc["errors"])


def test_wrong_signature_of_a_named_handler_is_reported_at_the_def(tmp_path):
    write(
        tmp_path,
        {
            "serverless.yml": """
            provider: {runtime: python3.12}
            functions:
              one: {handler: app.one}
              three: {handler: app.three}
              kw: {handler: app.kw}
              ok: {handler: app.ok}
              star: {handler: app.star}
            """,
            "app.py": textwrap.dedent("""
            def one(event):
                pass


            def three(event, context, table):
                pass


            def kw(event, context, *, table):
                pass


            def ok(event, context, table=None):
                pass


            def star(*args):
                pass
            """).lstrip(),
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    doc, found = findings(result)
    assert found == {("app.py", 1, "LAM304"), ("app.py", 5, "LAM304"), ("app.py", 9, "LAM304")}
    message = next(f["message"] for f in doc["findings"] if f["line"] == 1)
    assert "serverless.yml:3 (one)" in message and "takes 1 positional argument" in message


def test_json_template_lines_are_the_handler_lines():
    root = FIXTURES / "apps" / "sam_json"
    refs, errors = templates.template_refs(str(root / "template.json"))
    assert errors == []
    assert {(r.name, r.line) for r in refs} == {("IngestFunction", 10), ("SamFunction", 35)}
    text = (root / "template.json").read_text().splitlines()
    assert '"Handler": "ingest.main"' in text[9] and '"Handler": "ingest.replay"' in text[34]


def test_dot_template_files_may_be_json_or_yaml(tmp_path):
    write(
        tmp_path,
        {
            "json_stack/stack.template": """
            {"Resources": {"F": {"Type": "AWS::Lambda::Function",
              "Properties": {"Runtime": "python3.12", "Code": ".", "Handler": "app.run"}}}}
            """,
            "json_stack/app.py": HANDLER,
            "yaml_stack/stack.template": """
            Resources:
              F:
                Type: AWS::Lambda::Function
                Properties: {Runtime: python3.12, Code: ., Handler: app.gone}
            """,
            "yaml_stack/app.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result)[1] == {("json_stack/app.py", 5, "LAM201"), ("yaml_stack/stack.template", 4, "LAM304")}


def test_cdk_code_is_read_only_in_cdk_apps(tmp_path):
    app = """
        from aws_cdk import aws_lambda as lambda_

        lambda_.Function(None, "F", runtime=lambda_.Runtime.PYTHON_3_12, handler="app.run",
                         code=lambda_.Code.from_asset("fn"))
        """
    write(
        tmp_path,
        {
            "with_cdk/cdk.json": "{}",
            "with_cdk/stack.py": textwrap.dedent(app),
            "with_cdk/fn/app.py": HANDLER,
            "no_cdk/stack.py": textwrap.dedent(app),
            "no_cdk/fn/app.py": HANDLER,
        },
    )
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path)
    assert findings(result)[1] == {("with_cdk/fn/app.py", 5, "LAM201")}


STORED_TEMPLATE = textwrap.dedent(
    """
    AWSTemplateFormatVersion: 2010-09-09
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Timeout: 30
    Resources:
      Thumbs:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: thumbs.run
          Runtime: python3.12
          Environment:
            Variables:
              TABLE: !Ref Table
              ARN: !GetAtt [Table, Arn]
          Events:
            Upload: {Type: S3, Properties: {Bucket: !Sub "${AWS::StackName}-in"}}
    """
).lstrip()

CDK_APP = textwrap.dedent(
    """
    from aws_cdk import aws_lambda as lambda_


    def build(stack):
        lambda_.Function(
            stack,
            "Resize",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="resize.run",
            code=lambda_.Code.from_asset("lambda"),
        )
    """
).lstrip()


def test_a_stored_document_is_the_parsed_one():
    """Marks, intrinsics, dates and flow collections survive the parse store's JSON."""
    from lambdalint.templates.loading import from_stored_form, stored_form

    doc = templates.load_yaml(STORED_TEMPLATE)
    back = from_stored_form(json.loads(json.dumps(stored_form(doc))))
    assert back == doc
    props = back["Resources"]["Thumbs"]["Properties"]
    assert props.marks == doc["Resources"]["Thumbs"]["Properties"].marks
    assert props.marks["Handler"] == (11, 16)
    assert props["Environment"]["Variables"]["TABLE"] == templates.Intrinsic("!Ref", "Table")


def test_a_warm_run_takes_templates_and_cdk_apps_from_the_parse_store(tmp_path, monkeypatch):
    """Parsed once, then read back: the second run parses no template and walks no CDK
    app, and finds the same entry points."""
    import importlib

    from lambdalint import pipeline

    cdk = importlib.import_module("lambdalint.templates.cdk")
    scan = importlib.import_module("lambdalint.templates.scan")

    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.lambdalint]\n",
            "template.yaml": STORED_TEMPLATE,
            "src/thumbs.py": HANDLER,
            "cdk.json": "{}",
            "app.py": CDK_APP,
            "lambda/resize.py": HANDLER,
        },
    )
    parsed = []
    monkeypatch.setattr(scan, "load_yaml", lambda text: parsed.append("yaml") or templates.load_yaml(text))
    walked = cdk._cdk_functions
    monkeypatch.setattr(cdk, "_cdk_functions", lambda *a: parsed.append("cdk") or walked(*a))

    def entry_points():
        project = pipeline.prepare(pipeline.Request(paths=["."], cwd=str(tmp_path)))
        return project.options.entry_points

    first = entry_points()
    assert sorted(parsed) == ["cdk", "yaml"]
    assert entry_points() == first and sorted(parsed) == ["cdk", "yaml"]  # nothing parsed again
    assert {path.rsplit("/", 1)[-1] for path in first} == {"thumbs.py", "resize.py"}


def test_the_parse_store_follows_the_file_and_survives_damage(tmp_path):
    from conftest import default_cache_env

    env = default_cache_env()
    """An edited template is read anew; a damaged store entry is a miss, never an error."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[tool.lambdalint]\n",
            "template.yaml": STORED_TEMPLATE,
            "src/thumbs.py": HANDLER,
            "src/other.py": HANDLER.replace("def run", "def go"),
        },
    )
    _, first = findings(run_cli("check", "--format", "json", ".", cwd=tmp_path, env=env))
    assert first == {("src/thumbs.py", 5, "LAM201")}
    (tmp_path / "template.yaml").write_text(STORED_TEMPLATE.replace("thumbs.run", "other.go"))
    _, edited = findings(run_cli("check", "--format", "json", ".", cwd=tmp_path, env=env))
    assert edited == {("src/other.py", 5, "LAM201")}
    entries = list((tmp_path / ".lambdalint_cache").glob("v*/parsed/*/*.json"))
    assert entries
    for entry in entries:
        entry.write_text('{"doc": {"d": [["Resources", {"l": 7}]], "m": 3}}')
    result = run_cli("check", "--format", "json", ".", cwd=tmp_path, env=env)
    assert findings(result)[1] == edited and result.stderr == ""
