"""The replay rules (LAM501-LAM505) through the installed CLI and the real flake8."""

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES, expected_findings, run_cli

REPLAY_FIXTURES = [FIXTURES / code for code in ("LAM501", "LAM502", "LAM503", "LAM504", "LAM505")] + [
    FIXTURES / "durable_apps"
]
FLAKE8 = Path(sys.executable).with_name("flake8")


def expected_replay_findings():
    """{(directory/file, line, code)} from the `# expect: LAM5..` comments of the fixtures."""
    out = set()
    for directory in REPLAY_FIXTURES:
        for path in sorted(directory.glob("*.py")):
            for line, code in expected_findings(path.read_text()):
                if code.startswith("LAM5"):
                    out.add((f"{directory.name}/{path.name}", line, code))
    return out


def _key(path: str) -> str:
    return "/".join(Path(path).parts[-2:])


def cli_findings(*args, cwd):
    done = run_cli("check", "--no-cache", "--select", "LAM5", "--format", "json", *args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return {(_key(f["path"]), f["line"], f["code"]) for f in json.loads(done.stdout)["findings"]}


def test_cli_reports_exactly_the_expected_lines():
    expected = expected_replay_findings()
    assert {code for _, _, code in expected} == {"LAM501", "LAM502", "LAM503", "LAM504", "LAM505"}
    assert cli_findings(*(d.name for d in REPLAY_FIXTURES), cwd=FIXTURES) == expected


def test_flake8_reports_the_same():
    done = subprocess.run(
        [
            str(FLAKE8),
            "--isolated",
            "--select",
            "LAM5",
            "--format=%(path)s:%(row)d:%(code)s",
            *(d.name for d in REPLAY_FIXTURES),
        ],
        cwd=FIXTURES,
        capture_output=True,
        text=True,
        timeout=300,
    )
    reported = set()
    for line in done.stdout.splitlines():
        path, row, code = line.rsplit(":", 2)
        reported.add((_key(path), int(row), code))
    assert reported == expected_replay_findings(), done.stderr


def test_never_on_handlers_that_are_not_durable(tmp_path):
    """The same code without the SDK (the import renamed away) has no replay finding."""
    for directory in REPLAY_FIXTURES:
        (tmp_path / directory.name).mkdir()
        for path in directory.glob("*.py"):
            text = path.read_text().replace("aws_durable_execution_sdk_python", "some_other_sdk")
            (tmp_path / directory.name / path.name).write_text(text)
    assert cli_findings(".", cwd=tmp_path) == set()


def replay_report(cwd):
    done = run_cli("check", "--no-cache", "--select", "LAM5", "--format", "json", ".", cwd=cwd)
    return json.loads(done.stdout)["findings"]


def test_fix_through_the_cli_leaves_code_that_parses_and_is_stable(tmp_path):
    target = tmp_path / "fixtures"
    for directory in REPLAY_FIXTURES:
        shutil.copytree(directory, target / directory.name)
    before = replay_report(target)
    fixable = [f for f in before if f["fix"] is not None]
    assert {f["code"] for f in fixable} == {"LAM501", "LAM502", "LAM505"}  # the rules with fixes
    assert all(f["fix"]["applicability"] == "unsafe" for f in fixable)
    done = run_cli("check", "--no-cache", "--select", "LAM5", "--fix", "--unsafe-fixes", ".", cwd=target)
    assert done.returncode in (0, 1), done.stderr
    for path in target.rglob("*.py"):
        ast.parse(path.read_text(), str(path))  # valid on this Python, not only for LibCST
    after = replay_report(target)
    assert len(after) == len(before) - len(fixable)  # every fix removes its finding, and only it
    assert all(f["fix"] is None for f in after)
    snapshot = {p: p.read_text() for p in target.rglob("*.py")}
    run_cli("check", "--no-cache", "--select", "LAM5", "--fix", "--unsafe-fixes", ".", cwd=target)
    assert {p: p.read_text() for p in target.rglob("*.py")} == snapshot


def test_safe_fixes_alone_change_nothing(tmp_path):
    for path in (FIXTURES / "LAM502").glob("*.py"):
        shutil.copy(path, tmp_path / path.name)
    run_cli("check", "--no-cache", "--select", "LAM5", "--fix", ".", cwd=tmp_path)
    for path in (FIXTURES / "LAM502").glob("*.py"):
        assert (tmp_path / path.name).read_text() == path.read_text()


def test_a_durable_handler_is_an_entry_point_whatever_its_name(tmp_path):
    (tmp_path / "orders.py").write_text(
        "import time\n"
        "from aws_durable_execution_sdk_python import durable_execution\n"
        "\n"
        "\n"
        "@durable_execution\n"
        "def run_order(order, dctx):\n"
        "    return {'at': time.time(), 'id': dctx.step(lambda _: order['id'])}\n"
    )
    assert cli_findings("orders.py", cwd=tmp_path) == {("orders.py", 7, "LAM501")}


def test_handler_wrapped_by_a_call_rather_than_a_decorator(tmp_path):
    (tmp_path / "app.py").write_text(
        "import uuid\n"
        "import aws_durable_execution_sdk_python as sdk\n"
        "\n"
        "\n"
        "def process(event, context):\n"
        "    return context.step(lambda _: str(uuid.uuid4()), name='id'), uuid.uuid4()\n"
        "\n"
        "\n"
        "handler = sdk.durable_execution(process)\n"
    )
    assert cli_findings("app.py", cwd=tmp_path) == {("app.py", 6, "LAM501")}


def test_explain_and_rules_list_the_replay_rules():
    listed = run_cli("rules").stdout
    for code, name in (
        ("LAM501", "nondeterminism-outside-step"),
        ("LAM502", "side-effect-outside-step"),
        ("LAM503", "nested-durable-operation"),
        ("LAM504", "step-mutates-outer-state"),
        ("LAM505", "replay-unsafe-logging"),
    ):
        assert code in listed and name in listed
        page = run_cli("explain", code)
        assert page.returncode == 0
        assert "determinism" in page.stdout.lower() or "replay-aware" in page.stdout.lower()


def test_noqa_silences_a_replay_finding(tmp_path):
    source = (FIXTURES / "durable_apps" / "lam501_order_id.py").read_text()
    (tmp_path / "app.py").write_text(source.replace("# expect: LAM501", "# noqa: LAM501"))
    assert cli_findings("app.py", cwd=tmp_path) == set()


PROJECT = {
    "app.py": """
        from aws_durable_execution_sdk_python import DurableContext, durable_execution
        from aws_durable_execution_sdk_python.config import Duration

        from orders.steps import charge
        from orders.util import notify, stamp
        from orders.workflow import process


        @durable_execution
        def handler(event, context: DurableContext):
            started = stamp()
            notify(event["hook"], "received")
            context.step(charge(event["order"], []))
            context.wait(Duration.from_minutes(1), name="pause")
            return process(context, event), started
    """,
    "orders/__init__.py": "",
    "orders/util.py": """
        import time

        import requests


        def stamp():
            return time.time()


        def notify(url, text):
            requests.post(url, json={"text": text}, timeout=5)
    """,
    "orders/steps.py": """
        from aws_durable_execution_sdk_python import StepContext, durable_step


        @durable_step
        def charge(step_context: StepContext, order: dict, ledger: list) -> dict:
            ledger.append(order["id"])
            return order
    """,
    "orders/workflow.py": """
        import time


        def process(ctx, event):
            print("processing", event["id"])
            deadline = time.time() + 60
            return ctx.step(lambda _: event["id"], name="check"), deadline
    """,
}


def test_calls_are_followed_into_other_modules_of_the_project(tmp_path):
    """Modules linted as one unit (the engine's `check_unit`, with the project's layout): a
    helper in another module is reported at its call, a helper handed the context and a
    step defined in another module are checked where they are, with the call chain."""
    import os
    import textwrap

    from lambdalint.config import Config
    from lambdalint.engine import Options, check_unit
    from lambdalint.project.layout import SourceLayout

    (tmp_path / "pyproject.toml").write_text("")
    for name, text in PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    members = [(os.path.realpath(tmp_path / name), name, None) for name in PROJECT]
    reports = check_unit(
        members, [m[0] for m in members], Options(Config(select=("LAM5",))), SourceLayout(str(tmp_path))
    )
    found = {(f.path, f.line, f.code, tuple(f.call_chain)) for r in reports for f in r.findings}
    assert found == {
        ("app.py", 11, "LAM501", ("app.py:handler",)),
        ("app.py", 12, "LAM502", ("app.py:handler",)),
        ("orders/steps.py", 6, "LAM504", ("app.py:handler", "orders/steps.py:charge")),
        ("orders/workflow.py", 5, "LAM505", ("app.py:handler", "orders/workflow.py:process")),
        ("orders/workflow.py", 6, "LAM501", ("app.py:handler", "orders/workflow.py:process")),
    }
    assert not [e for r in reports for e in r.errors]


def test_a_handler_a_template_marks_as_durable_needs_no_decorator(tmp_path):
    from lambdalint.config import Config
    from lambdalint.engine import Options, lint_text
    from lambdalint.model import FunctionSettings, NamedHandler

    source = (
        "import uuid\n"
        "\n"
        "\n"
        "def process(payload, durable):\n"
        "    return durable.step(lambda _: 1, name='one'), uuid.uuid4()\n"
    )
    path = str(tmp_path / "app.py")

    def codes(settings):
        named = {path: {"process": NamedHandler("template", "template.yaml", settings)}}
        result = lint_text(source, path, Options(Config(select=("LAM5",)), entry_points=named))
        return [(f.line, f.code) for f in result.findings]

    assert codes(FunctionSettings(durable=True)) == [(5, "LAM501")]
    assert codes(FunctionSettings()) == []
