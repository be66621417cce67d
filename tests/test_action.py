"""The composite GitHub Action (action.yml): its shell steps run here with bash, with the
environment GitHub gives them (inputs and expressions substituted as the runner does)."""

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml
from conftest import ROOT
from test_cli import BAD, GOOD

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")]


def test_action_metadata():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"args", "paths", "version", "sarif-file"}
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash"
        # inputs reach the scripts through the environment only (no expression in `run:`
        # that a crafted input could turn into shell code)
        assert "${{" not in step["run"]


def evaluate(text, context):
    def value(match):
        expression = match.group(1)
        current = context
        for part in expression.split("."):
            current = current[part]
        return str(current)

    return EXPRESSION.sub(value, text) if isinstance(text, str) else text


def run_action(workspace, runner_temp, inputs):
    """Run every step of the action as the runner does; returns (step results, outputs)."""
    defaults = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    context = {
        "inputs": {**defaults, **inputs},
        "github": {"action_path": str(ROOT), "workspace": str(workspace)},
        "steps": {},
    }
    results = []
    for step in ACTION["runs"]["steps"]:
        output = runner_temp / f"output-{len(results)}"
        output.write_text("")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
        env.update(
            {
                "GITHUB_ACTIONS": "true",
                "CI": "true",
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_ACTION_PATH": str(ROOT),
                "RUNNER_TEMP": str(runner_temp),
                "GITHUB_OUTPUT": str(output),
            }
        )
        env.update({key: evaluate(value, context) for key, value in step.get("env", {}).items()})
        cwd = evaluate(step.get("working-directory", str(workspace)), context)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        results.append(done)
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        context["steps"][step.get("id", str(len(results)))] = {"outputs": outputs}
        if done.returncode != 0:
            break
    return results, context["steps"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The install step once (a real pip install of the action's checkout into a venv)."""
    temp = tmp_path_factory.mktemp("runner-temp")
    workspace = tmp_path_factory.mktemp("workspace")
    (workspace / "app.py").write_text(GOOD)
    results, steps = run_action(workspace, temp, {})
    assert results[0].returncode == 0, results[0].stdout + results[0].stderr
    assert results[0].stdout.startswith("lambdalint ")
    return temp


def test_annotations_fail_the_job_on_findings(installed, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BAD)
    (tmp_path / "clean.py").write_text(GOOD)
    results, steps = run_action(tmp_path, installed, {"paths": "src clean.py"})
    check = results[-1]
    assert len(results) == 2 and check.returncode == 1, check.stdout + check.stderr
    assert check.stdout.startswith("::warning file=src/app.py,line=5,col=10,endLine=5,endColumn=28,title=LAM201::")
    clean = run_action(tmp_path, installed, {"paths": "clean.py"})[0][-1]
    assert clean.returncode == 0 and clean.stdout == ""


def test_sarif_file_for_upload_sarif(installed, tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text(BAD)
    results, steps = run_action(
        tmp_path, installed, {"sarif-file": "lambdalint.sarif", "args": "--exclude tests --select LAM2"}
    )
    assert results[-1].returncode == 1
    assert steps["check"]["outputs"]["sarif-file"] == "lambdalint.sarif"
    sarif = json.loads((tmp_path / "lambdalint.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["LAM201"]  # tests/ excluded
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert results[-1].stdout.count("::warning ") == 1


def test_inputs_are_words_never_code(installed, tmp_path):
    (tmp_path / "app.py").write_text(GOOD)
    marker = tmp_path / "pwned"
    results, _ = run_action(tmp_path, installed, {"paths": f"app.py; touch {marker}", "args": "$(touch pwned)"})
    assert not marker.exists() and not (tmp_path / "pwned").exists()
    assert results[-1].returncode == 2  # `;` and `touch` are paths that do not exist
