"""SnapStart and Lambda Managed Instances settings from templates, through the real
interfaces: the installed CLI (JSON, SARIF, --show-handlers) and flake8."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from test_output_formats import sarif_schema

APPS = FIXTURES / "apps"
FLAKE8 = Path(sys.executable).with_name("flake8")

# Every function, SnapStart or not: the database drops the idle connection of a warm environment.
STALE_DB = (
    "database connection `pymysql.connect(host=os.environ[\"DB_HOST\"], user=\"app\")` is opened "
    "once and kept in `db` with no reconnect: after the database drops the idle connection, every "
    "warm request that uses it fails"
)
SAM_FINDINGS = [
    (
        "src/export.py",
        7,
        10,
        "LAM106",
        "`open(EXPORT, \"w\")` writes the fixed path `EXPORT` in `handler`; on Lambda Managed Instances "
        "concurrent requests run in processes that share /tmp and overwrite each other's file",
    ),
    (
        "src/identity.py",
        6,
        14,
        "LAM401",
        "`uuid.uuid4()` makes a UUID at Init and keeps it in `SANDBOX_ID`; with SnapStart every "
        "execution environment resumes from one snapshot and shares it",
    ),
    ("src/identity.py", 7, 6, "LAM205", STALE_DB),
    (
        "src/identity.py",
        7,
        6,
        "LAM402",
        "database connection `pymysql.connect(host=os.environ[\"DB_HOST\"], user=\"app\")` is opened at "
        "Init and kept in `db`; with SnapStart every execution environment resumes from the snapshot "
        "with it, and after a restore it is likely dead",
    ),
    ("src/plain.py", 8, 6, "LAM205", STALE_DB),
    (
        "src/reports.py",
        9,
        10,
        "LAM106",
        "`open(\"/tmp/report.csv\", \"w\", newline=\"\")` writes the fixed path `\"/tmp/report.csv\"` in "
        "`handler`; on Lambda Managed Instances concurrent requests run in processes that share /tmp "
        "and overwrite each other's file",
    ),
]
SERVERLESS_FINDINGS = [
    (
        "handlers/issue.py",
        3,
        15,
        "LAM401",
        "`secrets.token_bytes(32)` makes a secret token at Init and keeps it in `SIGNING_KEY`; with "
        "SnapStart every execution environment resumes from one snapshot and shares it",
    ),
    (
        "handlers/issue.py",
        7,
        5,
        "LAM203",
        "`import hmac` runs inside `handler` on the invocation path: this function uses SnapStart, "
        "which pre-pays imports done at Init (they are in the snapshot), but this one lands on the "
        "first request of every restored environment",
    ),
    (
        "handlers/worker.py",
        9,
        5,
        "LAM106",
        "`SCRATCH.write_text(\"\\n\".join(event[\"lines\"]))` writes the fixed path `SCRATCH` in "
        "`handler`; on Lambda Managed Instances concurrent requests run in processes that share /tmp "
        "and overwrite each other's file",
    ),
]
CDK_FINDINGS = [
    (
        "lambda/issue.py",
        4,
        1,
        "LAM401",
        "`random.seed(time.time_ns())` seeds the module's random generator at Init; with SnapStart "
        "every execution environment resumes from one snapshot and draws the same sequence",
    ),
    (
        "lambda/worker.py",
        5,
        10,
        "LAM106",
        "`open(\"/tmp/state.json\", \"w\")` writes the fixed path `\"/tmp/state.json\"` in `handler`; on "
        "Lambda Managed Instances concurrent requests run in processes that share /tmp and overwrite "
        "each other's file",
    ),
]
EXPECTED = {"snapstart_sam": SAM_FINDINGS, "snapstart_serverless": SERVERLESS_FINDINGS, "snapstart_cdk": CDK_FINDINGS}


def check_json(cwd, *args):
    result = run_cli("check", "--no-cache", "--format", "json", *args, ".", cwd=cwd)
    return result, json.loads(result.stdout)


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_json_findings_follow_each_functions_settings(app):
    result, doc = check_json(APPS / app)
    assert result.returncode == 1, result.stderr
    assert doc["errors"] == []
    found = [(f["path"], f["line"], f["column"], f["code"], f["message"]) for f in doc["findings"]]
    assert found == EXPECTED[app]


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_flake8_reports_the_same(app):
    result = subprocess.run(
        [str(FLAKE8), "--isolated", "--format=%(path)s:%(row)d:%(col)d: %(code)s %(text)s", "--select", "LAM", "."],
        cwd=APPS / app,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = sorted(line.removeprefix("./") for line in result.stdout.splitlines())
    assert lines == sorted(f"{p}:{line}:{col}: {code} {message}" for p, line, col, code, message in EXPECTED[app])
    assert result.returncode == 1


@pytest.mark.parametrize("app", sorted(EXPECTED))
def test_sarif_validates_and_carries_the_findings(app):
    import jsonschema

    result = run_cli("check", "--no-cache", "--format", "sarif", ".", cwd=APPS / app)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    validator = jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert not sorted(validator.iter_errors(document), key=str)
    results = document["runs"][0]["results"]
    assert sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results
    ) == sorted((code, line) for _, line, _, code, _ in EXPECTED[app])
    rules = {r["id"] for r in document["runs"][0]["tool"]["driver"]["rules"]}
    assert {code for *_, code, _ in EXPECTED[app]} <= rules


@pytest.mark.parametrize(
    "app, lines",
    [
        (
            "snapstart_sam",
            [
                "src/export.py:6: handler  (template: CloudFormation template template.yaml:48 (ExportFunction); "
                "python3.13, timeout 3 s, Managed Instances)",
                "src/identity.py:10: handler  (template: SAM template template.yaml:22 (IdentityFunction); "
                "python3.12, timeout 30 s, 1024 MB, SnapStart)",
                "src/plain.py:11: handler  (template: SAM template template.yaml:28 (PlainFunction); "
                "python3.12, timeout 30 s, 1024 MB)",
                "src/reports.py:8: handler  (template: SAM template template.yaml:35 (ReportsFunction); "
                "python3.13, timeout 30 s, 2048 MB, Managed Instances)",
            ],
        ),
        (
            "snapstart_serverless",
            [
                "handlers/issue.py:6: handler  (template: Serverless serverless.yml:15 (issue); "
                "python3.13, timeout 10 s, 512 MB, SnapStart)",
                "handlers/plain.py:6: handler  (template: Serverless serverless.yml:24 (plain); "
                "python3.13, timeout 10 s, 512 MB)",
                "handlers/worker.py:8: handler  (template: Serverless serverless.yml:18 (worker); "
                "python3.13, timeout 10 s, 2048 MB, Managed Instances)",
            ],
        ),
        (
            "snapstart_cdk",
            [
                "lambda/issue.py:7: handler  (template: CDK infra/app.py:16 (Issue); python3.12, timeout 20 s, "
                "512 MB, SnapStart)",
                "lambda/plain.py:8: handler  (template: CDK infra/app.py:36 (Plain); python3.13)",
                "lambda/worker.py:4: handler  (template: CDK infra/app.py:26 (Worker); python3.13, timeout 120 s, "
                "Managed Instances)",
            ],
        ),
    ],
)
def test_show_handlers_prints_the_settings(app, lines):
    result = run_cli("check", "--show-handlers", ".", cwd=APPS / app)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == lines


def test_configuration_turns_the_phases_on_without_a_template(tmp_path):
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
        import uuid

        SANDBOX_ID = uuid.uuid4()


        def handler(event, context):
            with open("/tmp/out.txt", "w") as out:
                out.write(str(SANDBOX_ID))
        """
        ).lstrip()
    )
    result, doc = check_json(tmp_path)
    assert doc["findings"] == [] and result.returncode == 0
    (tmp_path / "pyproject.toml").write_text(
        '[tool.lambdalint]\nsnapstart = true\nmanaged-instances = ["app.py:handler"]\n'
    )
    result, doc = check_json(tmp_path)
    assert [(f["line"], f["code"]) for f in doc["findings"]] == [(3, "LAM401"), (7, "LAM106")]
    shown = run_cli("check", "--show-handlers", ".", cwd=tmp_path)
    assert shown.stdout.splitlines() == ["app.py:6: handler  (convention; SnapStart, Managed Instances)"]


MANGUM_HANDLER = textwrap.dedent(
    """
    import uuid

    from mangum import Mangum
    from stac_fastapi.pgstac.app import app

    INSTANCE_ID = uuid.uuid4()
    handler = Mangum(app)
    """
).lstrip()


@pytest.mark.parametrize("snapstart", [True, False])
def test_a_handler_made_by_code_not_followed_still_gives_its_module_init_the_settings(tmp_path, snapstart):
    """`handler = Mangum(app)` with the app from an installed package: no function of the
    project is an entry point, but the template's SnapStart applies to the module's Init."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "api.py").write_text(MANGUM_HANDLER)
    snap = "      SnapStart:\n        ApplyOn: PublishedVersions\n" if snapstart else ""
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      Handler: api.handler\n      CodeUri: src/\n      Runtime: python3.12\n{snap}"
    )
    result, doc = check_json(tmp_path)
    found = [(f["path"], f["line"], f["column"], f["code"]) for f in doc["findings"]]
    assert found == ([("src/api.py", 6, 15, "LAM401")] if snapstart else []), result.stderr
    shown = run_cli("check", "--show-handlers", ".", cwd=tmp_path).stdout.splitlines()
    settings = "python3.12, timeout 3 s, SnapStart" if snapstart else "python3.12, timeout 3 s"
    assert shown == [
        "src/api.py:7: handler  (template: SAM template template.yaml:6 (Api); made by `mangum.Mangum(...)`, "
        f"not a function of the project: its settings apply to the module's Init code; {settings})"
    ]
    flake8 = subprocess.run(
        [str(FLAKE8), "--select", "LAM", "src/api.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert [line.split(" ")[0:2] for line in flake8.stdout.splitlines()] == (
        [["src/api.py:6:15:", "LAM401"]] if snapstart else []
    )


def test_the_routes_of_a_mangum_app_run_with_its_handlers_settings(tmp_path):
    """The template names `handler = Mangum(app)`; the app and its routes are in the
    project: the routes are the entry points, and they run on SnapStart too."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lambda_handler.py").write_text(
        "from mangum import Mangum\n\nfrom main import app\n\nhandler = Mangum(app)\n"
    )
    (tmp_path / "src" / "main.py").write_text(
        "import uuid\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\nREQUEST_SALT = uuid.uuid4().hex\n\n\n"
        '@app.get("/items")\ndef items():\n    return {"salt": REQUEST_SALT}\n'
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: lambda_handler.handler\n      CodeUri: src/\n      Runtime: python3.12\n"
        "      SnapStart:\n        ApplyOn: PublishedVersions\n"
    )
    result, doc = check_json(tmp_path)
    assert [(f["path"], f["line"], f["code"]) for f in doc["findings"]] == [("src/main.py", 6, "LAM401")], result.stderr
    shown = run_cli("check", "--show-handlers", ".", cwd=tmp_path).stdout.splitlines()
    assert "src/main.py:10: items  (framework: Mangum FastAPI @get; python3.12, timeout 3 s, SnapStart)" in shown


def test_lam106_fix_names_the_file_after_the_request(tmp_path):
    app = tmp_path / "src" / "reports.py"
    app.parent.mkdir()
    app.write_text((APPS / "snapstart_sam" / "src" / "reports.py").read_text())
    (tmp_path / "template.yaml").write_text((APPS / "snapstart_sam" / "template.yaml").read_text())
    (tmp_path / "src" / "export.py").write_text((APPS / "snapstart_sam" / "src" / "export.py").read_text())
    fixed = run_cli("check", "--no-cache", "--fix", "--unsafe-fixes", "--select", "LAM106", ".", cwd=tmp_path)
    text = app.read_text()
    assert 'open(f"/tmp/{context.aws_request_id}-report.csv", "w", newline="")' in text
    assert 's3.upload_file(f"/tmp/{context.aws_request_id}-report.csv", "reports", event["key"])' in text
    compile(text, str(app), "exec")
    # a module-level constant is not rewritten: only the finding remains
    assert "src/export.py:7:10: LAM106" in fixed.stdout
    assert (tmp_path / "src" / "export.py").read_text() == (APPS / "snapstart_sam" / "src" / "export.py").read_text()


# -- bad input: a note, and the phase stays off -------------------------------------------------

SNAPSHOT_CODE = textwrap.dedent(
    """
    import uuid

    SANDBOX_ID = uuid.uuid4()


    def handler(event, context):
        with open("/tmp/out.txt", "w") as out:
            out.write(str(SANDBOX_ID))
    """
).lstrip()


def sam(tmp_path, properties):
    (tmp_path / "app.py").write_text(SNAPSHOT_CODE)
    body = textwrap.indent(textwrap.dedent(properties).strip(), " " * 6)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nConditions:\n  Prod: !Equals [a, b]\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      Handler: app.handler\n      CodeUri: .\n{body}\n"
    )


@pytest.mark.parametrize(
    "properties, note",
    [
        (
            "Runtime: python3.11\nSnapStart:\n  ApplyOn: PublishedVersions",
            "`Fn`: SnapStart is set but python3.11 does not support it (Python 3.12 and later do); "
            "lambdalint treats SnapStart as off",
        ),
        (
            "Runtime: python3.12\nSnapStart:\n  ApplyOn: PublishedVersion",
            "`Fn`: `SnapStart.ApplyOn` is 'PublishedVersion', not one of PublishedVersions, None; "
            "lambdalint treats SnapStart as off",
        ),
        (
            "Runtime: python3.12\nSnapStart:\n  ApplyOn: !Ref SnapMode",
            "`Fn`: `SnapStart.ApplyOn` is given as `!Ref`, so lambdalint cannot tell whether SnapStart is on; "
            "the SnapStart rules are off for this function",
        ),
        (
            "Runtime: python3.13\nCapacityProviderConfig: !If [Prod, {Arn: arn}, !Ref AWS::NoValue]",
            "`Fn`: `CapacityProviderConfig` is given as `!If`, so lambdalint cannot tell whether Lambda "
            "Managed Instances is on; the Lambda Managed Instances rules are off for this function",
        ),
        (
            "Runtime: python3.13\nCapacityProviderConfig:\n  Arn: !If [Prod, !GetAtt Fleet.Arn, !Ref AWS::NoValue]",
            "`Fn`: `CapacityProviderConfig.Arn` is given as `!If`, so lambdalint cannot tell whether Lambda "
            "Managed Instances is on; the Lambda Managed Instances rules are off for this function",
        ),
        (
            "Runtime: python3.12\nCapacityProviderConfig:\n  Arn: !GetAtt Fleet.Arn",
            "`Fn`: a capacity provider (Lambda Managed Instances) is set but python3.12 does not support it "
            "(Python 3.13 and later do); lambdalint treats Managed Instances as off",
        ),
    ],
)
def test_settings_lambdalint_cannot_use_are_a_note_and_the_phase_stays_off(tmp_path, properties, note):
    sam(tmp_path, properties)
    result, doc = check_json(tmp_path)
    assert result.returncode == 0, result.stdout
    assert doc["findings"] == [] and doc["errors"] == []
    assert f"note: line 8: {note}: template.yaml" in result.stderr
    shown = run_cli("check", "--show-handlers", ".", cwd=tmp_path)
    assert shown.returncode == 0
    assert f"template.yaml:8: note: {note}" in shown.stdout.splitlines()


def test_a_capacity_provider_named_by_reference_is_managed_instances(tmp_path):
    """AWS's own examples write `Arn: !GetAtt Provider.Arn`: the reference names a provider."""
    sam(tmp_path, "Runtime: python3.13\nCapacityProviderConfig:\n  Arn: !GetAtt Fleet.Arn")
    result, doc = check_json(tmp_path)
    assert [(f["line"], f["code"]) for f in doc["findings"]] == [(7, "LAM106")]
    assert "note:" not in result.stderr


def test_json_templates_and_serverless_variables(tmp_path):
    (tmp_path / "cfn").mkdir()
    (tmp_path / "cfn" / "app.py").write_text(SNAPSHOT_CODE)
    (tmp_path / "cfn" / "template.json").write_text(
        json.dumps(
            {
                "Resources": {
                    "Fn": {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {
                            "Runtime": "python3.13",
                            "Handler": "app.handler",
                            "Code": ".",
                            "SnapStart": {
                                "Fn::If": ["Prod", {"ApplyOn": "PublishedVersions"}, {"Ref": "AWS::NoValue"}]
                            },
                            "CapacityProviderConfig": {
                                "LambdaManagedInstancesCapacityProviderConfig": {
                                    "Fn::If": ["Prod", {"CapacityProviderArn": "arn"}, {"Ref": "AWS::NoValue"}]
                                }
                            },
                        },
                    }
                }
            }
        )
    )
    (tmp_path / "sls").mkdir()
    (tmp_path / "sls" / "app.py").write_text(SNAPSHOT_CODE)
    (tmp_path / "sls" / "serverless.yml").write_text(
        "provider:\n  name: aws\n  runtime: python3.13\nfunctions:\n  fn:\n    handler: app.handler\n"
        "    snapStart: ${param:snap}\n    capacityProvider: ${self:custom.fleet}\n"
    )
    result, doc = check_json(tmp_path)
    assert doc["findings"] == [] and doc["errors"] == [] and result.returncode == 0
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: line 1: `Fn`: `SnapStart` is given as `Fn::If`, so lambdalint cannot tell whether SnapStart is on; "
        "the SnapStart rules are off for this function: cfn/template.json",
        "note: line 1: `Fn`: `CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig` is given as "
        "`Fn::If`, so lambdalint cannot tell whether Lambda Managed Instances is on; the Lambda Managed "
        "Instances rules are off for this function: cfn/template.json",
        "note: line 6: `fn`: `snapStart` is given as a `${...}` variable, so lambdalint cannot tell whether "
        "SnapStart is on; the SnapStart rules are off for this function: sls/serverless.yml",
        "note: line 6: `fn`: `capacityProvider` is given as a `${...}` variable, so lambdalint cannot tell "
        "whether Lambda Managed Instances is on; the Lambda Managed Instances rules are off for this "
        "function: sls/serverless.yml",
    ]


def test_cdk_settings_that_are_not_literals_leave_the_phase_off(tmp_path):
    (tmp_path / "cdk.json").write_text('{"app": "python3 app.py"}')
    (tmp_path / "fn").mkdir()
    (tmp_path / "fn" / "index.py").write_text(SNAPSHOT_CODE)
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
        from aws_cdk import aws_lambda as lambda_

        SNAP = lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS


        def build(stack):
            lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                             code=lambda_.Code.from_asset("fn"), snap_start=SNAP)
        """
        ).lstrip()
    )
    result, doc = check_json(tmp_path)
    assert doc["findings"] == [] and doc["errors"] == []
    assert (
        "note: line 7: `Fn`: `snap_start=SNAP` is not a literal `SnapStartConf.ON_PUBLISHED_VERSIONS`, so "
        "lambdalint cannot tell whether SnapStart is on; the SnapStart rules are off for this "
        "function: app.py"
    ) in result.stderr


def test_lam201_mentions_the_restore_hook_only_where_snapstart_is_on(tmp_path):
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
        import os

        import pymysql


        def handler(event, context):
            db = pymysql.connect(host=os.environ["DB_HOST"])
            return db.cursor()
        """
        ).lstrip()
    )
    _, doc = check_json(tmp_path)
    [plain] = doc["findings"]
    assert plain["code"] == "LAM201" and "register_after_restore" not in plain["suggestion"]
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\nsnapstart = true\n")
    _, doc = check_json(tmp_path)
    [snap] = doc["findings"]
    assert snap["suggestion"] == plain["suggestion"] + (
        " This function uses SnapStart: a connection opened at Init is in the snapshot and may be "
        "dead after a restore, so also open it again in a function decorated with "
        "`@register_after_restore` (from snapshot_restore_py), or check it in the handler (LAM402)."
    )
