"""Templates from strangers, through the installed CLI: nothing in them is constructed or
executed, aliases and sizes are bounded, and no path they name outside the project is read.

Each hostile template sits beside a handler with a known finding (LAM201 on line 5 of
`app.py`): the run reports the template clearly and still checks the code.
"""

import json
import shutil
import subprocess
import textwrap

import pytest
from conftest import FIXTURES, run_cli

HOSTILE = FIXTURES / "hostile"
HANDLER = textwrap.dedent(
    """
    import boto3


    def run(payload, ctx_obj):
        return boto3.client("s3").list_buckets()
    """
).lstrip()  # LAM201 on line 5 when (and only when) `run` is an entry point
OUTSIDE_HANDLER = HANDLER.replace("def run(payload, ctx_obj)", "def handler(event, context)")
SAM_FN = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{Runtime: python3.12, CodeUri: {code}, Handler: {handler}}}
"""


def project(tmp_path, fixture=None, files=None):
    """A project (pyproject.toml at its root) in tmp_path/proj, with `app.py`."""
    root = tmp_path / "proj"
    if fixture is not None:
        shutil.copytree(HOSTILE / fixture, root)
        for armed in root.glob("*.hostile"):  # checked in disarmed (see fixtures/hostile/README.md)
            armed.rename(armed.with_suffix(""))
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text("")
    (root / "app.py").write_text(HANDLER)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if name.endswith(".py") else textwrap.dedent(text).lstrip())
    return root


def outside(tmp_path):
    """A directory beside the project with code and a template a stranger points at."""
    other = tmp_path / "outside"
    other.mkdir(exist_ok=True)
    (other / "app.py").write_text(OUTSIDE_HANDLER)
    (other / "evil.py").write_text(OUTSIDE_HANDLER)
    (other / "template.yaml").write_text(SAM_FN.format(code=".", handler="app.handler").lstrip())
    return other


def check(root, *args, timeout=120):
    result = subprocess.run(
        [*_cli(), "check", "--format", "json", "--no-cache", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout, result.stderr
    doc = json.loads(result.stdout)
    return result, doc


def _cli():
    from conftest import lambdalint_command

    return [lambdalint_command()]


def found(doc):
    return {(f["path"], f["line"], f["code"]) for f in doc["findings"]}


def errors(doc):
    out = {}
    for e in doc["errors"]:
        out[e["path"]] = out[e["path"]] + "\n" + e["message"] if e["path"] in out else e["message"]
    return out


def test_python_tags_construct_nothing_and_the_file_is_reported(tmp_path):
    root = project(tmp_path, "python_tag")
    result, doc = check(root)
    assert not (root / "PWNED").exists()
    assert ("app.py", 5, "LAM201") not in found(doc)  # the template naming `run` could not be read
    problems = errors(doc)
    assert set(problems) == {"template.yaml", "serverless.yml"}
    for message in problems.values():
        assert "python/object" in message and "not allowed" in message, message
    assert result.returncode == 1


@pytest.mark.parametrize("fixture", ["alias_bomb", "recursive_alias"])
def test_alias_bombs_are_bounded_and_reported(tmp_path, fixture):
    root = project(tmp_path, fixture)
    result, doc = check(root, timeout=60)
    message = errors(doc)["template.yaml"]
    assert "alias" in message, message
    assert result.returncode == 1


@pytest.mark.parametrize(
    "body",
    [
        "Resources: " + "[" * 100_000 + "]" * 100_000 + "\n",  # flow style
        "".join(" " * i + "k:\n" for i in range(1_500)) + " " * 1_500 + "v\n",  # block style
    ],
    ids=["flow", "block"],
)
def test_deeply_nested_yaml_is_reported_not_crashed_on(tmp_path, body):
    """libyaml's parser (used when PyYAML has it) recurses in C: the depth must be refused
    with a message, never overflow the stack, and the rest of the project still be checked."""
    root = project(tmp_path, files={"template.yaml": body})
    result, doc = check(root, timeout=60)
    assert "nesting depth" in errors(doc)["template.yaml"]
    assert doc["summary"]["files"] == 2 and result.returncode == 1


def test_templates_are_read_with_a_safe_loader():
    from lambdalint.templates import loading

    yaml = pytest.importorskip("yaml")
    loader = loading._loader()
    assert issubclass(loader, yaml.constructor.SafeConstructor)
    assert not issubclass(loader, yaml.constructor.FullConstructor)
    if yaml.__with_libyaml__:  # the fast parser: hundreds of templates in a monorepo
        assert issubclass(loader, yaml.CSafeLoader)


def test_a_few_aliases_still_load(tmp_path):
    root = project(
        tmp_path,
        files={
            "template.yaml": """
        Globals:
          Function: &defaults {Runtime: python3.12, Timeout: 10}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ., Handler: app.run, Tags: {a: *defaults, b: *defaults}}
        """
        },
    )
    result, doc = check(root)
    assert found(doc) == {("app.py", 5, "LAM201")} and not doc["errors"]


@pytest.mark.parametrize("name", ["template.json", "huge.template"])
def test_a_huge_template_is_reported_as_too_large_and_not_parsed(tmp_path, name):
    root = project(tmp_path)
    body = json.dumps(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {
                "Fn": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {"Runtime": "python3.12", "CodeUri": ".", "Handler": "app.run"},
                }
            },
        }
    )
    with open(root / name, "w") as f:  # 50 MB: valid JSON that names the handler
        f.write(body[:-1] + ', "Padding": ["')
        chunk = "x" * (1 << 20)
        for _ in range(50):
            f.write(chunk)
        f.write('"]}')
    result, doc = check(root)
    message = errors(doc)[name]
    assert "too large" in message and "MiB" in message, message
    assert ("app.py", 5, "LAM201") not in found(doc)


def test_serverless_file_variables_are_never_read(tmp_path):
    root = project(
        tmp_path,
        files={
            "serverless.yml": """
        service: leak
        custom: ${file(../../../../../../etc/passwd)}
        provider: {name: aws, runtime: python3.12}
        functions:
          fn: {handler: "${file(../../../../../../etc/passwd):handler}"}
          ok: {handler: app.run}
        """
        },
    )
    result, doc = check(root)
    assert found(doc) == {("app.py", 5, "LAM201")}
    assert "root:" not in result.stdout + result.stderr


@pytest.mark.parametrize("code", ["../outside", "{outside}"])
def test_code_uri_outside_the_project_is_reported_not_followed(tmp_path, code):
    other = outside(tmp_path)
    root = project(
        tmp_path, files={"template.yaml": SAM_FN.format(code=code.format(outside=other), handler="app.handler")}
    )
    result, doc = check(root)
    (finding,) = doc["findings"]
    assert (finding["path"], finding["line"], finding["code"]) == ("template.yaml", 4, "LAM304")
    assert "outside the project" in finding["message"], finding["message"]
    assert finding["handler"] is None
    shown = run_cli("check", "--show-handlers", "--no-cache", ".", cwd=root)
    assert "outside the project" in shown.stdout
    assert str(other) not in shown.stdout.replace(code.format(outside=other), "") and "(template:" not in shown.stdout


def test_absolute_code_uri_is_not_probed(tmp_path):
    root = project(tmp_path, files={"template.yaml": SAM_FN.format(code="/etc", handler="passwd.x")})
    result, doc = check(root)
    (finding,) = doc["findings"]
    assert "outside the project" in finding["message"] and "no module" not in finding["message"]


def test_a_handler_module_linked_out_of_the_project_is_not_followed(tmp_path):
    other = outside(tmp_path)
    root = project(tmp_path, files={"template.yaml": SAM_FN.format(code="fn", handler="app.handler")})
    (root / "fn").mkdir()
    (root / "fn" / "app.py").symlink_to(other / "app.py")
    result, doc = check(root)
    assert {(f["path"], f["code"]) for f in doc["findings"]} == {("template.yaml", "LAM304")}
    assert "leads out of the project" in doc["findings"][0]["message"]
    assert "fn/app.py" in errors(doc)


def test_nested_stack_and_layer_outside_the_project_are_reported(tmp_path):
    other = outside(tmp_path)
    (other / "python").mkdir()
    root = project(
        tmp_path,
        files={
            "template.yaml": f"""
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {{Runtime: python3.12, CodeUri: ., Handler: app.run}}
          Nested:
            Type: AWS::Serverless::Application
            Properties: {{Location: ../outside/template.yaml}}
          Passwd:
            Type: AWS::CloudFormation::Stack
            Properties: {{TemplateURL: /etc/passwd}}
          Layer:
            Type: AWS::Serverless::LayerVersion
            Properties: {{ContentUri: {other}}}
        """
        },
    )
    result, doc = check(root)
    assert found(doc) == {("app.py", 5, "LAM201")}
    message = errors(doc)["template.yaml"]
    for named in ("../outside/template.yaml", "/etc/passwd", str(other)):
        assert named in message
    assert "outside the project" in message
    assert "root:" not in result.stdout


def test_config_globs_and_handlers_outside_the_project_are_not_read(tmp_path):
    outside(tmp_path)
    root = project(tmp_path)
    (root / "pyproject.toml").write_text(
        textwrap.dedent("""
        [tool.lambdalint]
        templates = ["../outside/*.yaml"]
        handlers = ["../outside/evil.py:handler"]
        """)
    )
    result, doc = check(root)
    assert all(not f["path"].startswith(("..", "/")) for f in doc["findings"]), doc["findings"]
    assert not any("outside/" in f["path"] for f in doc["findings"])
    assert any("outside the project" in f["message"] for f in doc["findings"]), doc


def test_symlinks_out_of_the_project_are_reported_and_not_linted(tmp_path):
    other = outside(tmp_path)
    root = project(tmp_path)
    (root / "linkdir").symlink_to(other, target_is_directory=True)
    (root / "linkfile.py").symlink_to(other / "evil.py")
    (root / "inside").mkdir()
    (root / "inside" / "ok.py").write_text(OUTSIDE_HANDLER)
    (root / "inside_link.py").symlink_to(root / "inside" / "ok.py")
    result, doc = check(root)
    paths = {f["path"] for f in doc["findings"]}
    assert len(paths) == 1 and paths <= {"inside/ok.py", "inside_link.py"}, paths  # one file, checked once
    problems = errors(doc)
    assert set(problems) == {"linkdir", "linkfile.py"}, problems
    assert all("outside the project" in m for m in problems.values())
    named = run_cli("check", "--format", "json", "--no-cache", "linkfile.py", cwd=root)
    doc = json.loads(named.stdout)
    assert not doc["findings"] and "outside the project" in errors(doc)["linkfile.py"]


def test_imports_through_a_symlink_out_of_the_project_are_not_followed(tmp_path):
    other = outside(tmp_path)
    (other / "helpers.py").write_text("import boto3\n\n\ndef make():\n    return boto3.client('s3')\n")
    root = project(
        tmp_path,
        files={
            "handler.py": "from vendor.helpers import make\n\n\n"
            "def lambda_handler(event, context):\n    return make()\n"
        },
    )
    (root / "vendor").symlink_to(other, target_is_directory=True)
    result, doc = check(root)
    assert not any("helpers" in f["path"] or "helpers" in str(f["call_chain"]) for f in doc["findings"])


def test_template_files_that_are_not_cloudformation_are_skipped_silently(tmp_path):
    root = project(
        tmp_path,
        "jinja_template",
        files={
            "broken.template": "AWSTemplateFormatVersion: '2010-09-09'\nResources: [unclosed\n",
            "template.yaml": SAM_FN.format(code=".", handler="app.run"),
        },
    )
    result, doc = check(root)
    assert found(doc) == {("app.py", 5, "LAM201")}
    assert set(errors(doc)) == {"broken.template"}  # it says it is CloudFormation


def test_a_template_linked_out_of_the_project_is_not_read(tmp_path):
    other = outside(tmp_path)
    root = project(tmp_path)
    (root / "template.yaml").symlink_to(other / "template.yaml")
    result, doc = check(root)
    assert not doc["findings"] or all(f["path"] != "template.yaml" for f in doc["findings"])
    assert "outside the project" in errors(doc)["template.yaml"]
    named = run_cli("check", "--format", "json", "--no-cache", "template.yaml", cwd=root)
    assert "outside the project" in named.stdout and "Traceback" not in named.stderr


@pytest.mark.parametrize("handler", ["../../outside/app.handler", "/etc/passwd.handler", "..\\\\..\\\\app.handler"])
def test_a_handler_path_stays_in_its_code_directory(tmp_path, handler):
    outside(tmp_path)
    root = project(tmp_path, files={"template.yaml": SAM_FN.format(code="fn", handler=f'"{handler}"')})
    (root / "fn").mkdir()
    result, doc = check(root)
    (finding,) = doc["findings"]
    assert finding["code"] == "LAM304" and finding["handler"] is None, finding


def test_cdk_asset_outside_the_project_is_reported(tmp_path):
    outside(tmp_path)
    root = project(
        tmp_path,
        files={
            "cdk.json": '{"app": "python3 stack.py"}',
            "stack.py": textwrap.dedent("""
            from aws_cdk import aws_lambda as lambda_


            def build(scope):
                lambda_.Function(scope, "Fn", runtime=lambda_.Runtime.PYTHON_3_12, handler="app.handler",
                                 code=lambda_.Code.from_asset("../outside"))
            """).lstrip(),
        },
    )
    result, doc = check(root)
    lam304 = [f for f in doc["findings"] if f["code"] == "LAM304"]
    assert len(lam304) == 1 and "outside the project" in lam304[0]["message"], doc["findings"]
    assert not any("outside/" in f["path"] for f in doc["findings"])


def test_comment_blocks_full_of_hashes_do_not_hang_the_pre_pass(tmp_path):
    """The entry-point pre-pass once backtracked exponentially on a word like `default`
    followed by comment lines holding many `#` (CPython's importlib/_bootstrap_external.py
    took minutes): a stranger's file must not stall CI."""
    root = project(tmp_path)
    text = "# keyword-only defaults #16967)\n" + ("# " + "#" * 60 + " #1 #2 #3\n") * 40 + "x = 1\n"
    (root / "banner.py").write_text(text * 20)
    result, doc = check(root, timeout=60)
    assert found(doc) == set() and not doc["errors"]
