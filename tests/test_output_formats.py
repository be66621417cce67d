"""`--format sarif|github`, `--statistics` and `--exit-non-zero-on-fix` through the installed CLI."""

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli
from test_cli import BAD, GOOD

from lambdalint.engine import unified_diff
from lambdalint.output import diff_replacements
from lambdalint.registry import all_rules

SCHEMA_PLACES = (
    ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json",
    Path("/work/shared/schemas/sarif-schema-2.1.0.json"),
)
MESSAGE = (
    "AWS SDK client `boto3.client(\"s3\")` is created on every invocation, "
    "so every warm request pays again for its set-up and new connections"
)


def sarif_schema():
    for place in SCHEMA_PLACES:
        if place.is_file():
            return json.loads(place.read_text())
    pytest.skip(f"the OASIS SARIF 2.1.0 schema is not at {' or '.join(map(str, SCHEMA_PLACES))}")


def apply_replacements(text, replacements):
    for r in sorted(replacements, key=lambda r: -r["deletedRegion"]["charOffset"]):
        region = r["deletedRegion"]
        start, end = region["charOffset"], region["charOffset"] + region["charLength"]
        text = text[:start] + r.get("insertedContent", {}).get("text", "") + text[end:]
    return text


@pytest.fixture
def project(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "positives.py").write_text((FIXTURES / "LAM201" / "positives.py").read_text())
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return (\n")
    return tmp_path


def test_sarif_validates_against_the_oasis_schema(project):
    import jsonschema

    schema = sarif_schema()
    result = run_cli("check", "--no-cache", "--format", "sarif", "--statistics", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_sarif_content_matches_json(project):
    sarif = json.loads(run_cli("check", "--no-cache", "--format", "sarif", ".", cwd=project).stdout)
    findings = json.loads(run_cli("check", "--no-cache", "--format", "json", ".", cwd=project).stdout)
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "lambdalint" and driver["version"] == findings["version"]
    assert driver["informationUri"].startswith("https://")
    rules = all_rules()
    assert [r["id"] for r in driver["rules"]] == list(rules)
    for entry in driver["rules"]:
        rule = rules[entry["id"]]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"]
        assert entry["helpUri"] == rule.docs_url()

    located = []
    for item in run["results"]:
        assert driver["rules"][item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] == "warning" and item["message"]["text"]
        (location,) = item["locations"]
        region = location["physicalLocation"]["region"]
        located.append(
            (
                location["physicalLocation"]["artifactLocation"]["uri"],
                item["ruleId"],
                region["startLine"],
                region["startColumn"],
                region["endLine"],
                region["endColumn"],
            )
        )
    assert located == [
        (f["path"], f["code"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in findings["findings"]
    ]

    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "syntax error" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "broken.py"


def test_sarif_fix_replacements_turn_the_file_into_the_fixed_file(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    sarif = json.loads(run_cli("check", "--no-cache", "--format", "sarif", "app.py", cwd=tmp_path).stdout)
    (item,) = sarif["runs"][0]["results"]
    (fix,) = item["fixes"]
    assert "safe" in fix["description"]["text"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app.py"
    assert apply_replacements(BAD, change["replacements"]) == GOOD


def test_sarif_clean_run(tmp_path):
    (tmp_path / "app.py").write_text(GOOD)
    result = run_cli("check", "--no-cache", "--format", "sarif", "app.py", cwd=tmp_path)
    assert result.returncode == 0
    (run,) = json.loads(result.stdout)["runs"]
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is True


@pytest.mark.parametrize(
    "old, new",
    [
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb\nc", "a\nb\nd"),  # last line without newline
        ("a\r\nb\r\n", "a\r\nz\r\nb\r\n"),
        ("", "x\n"),
        ("x\n", ""),
        ("".join(f"{i}\n" for i in range(30)), "new\n" + "".join(f"{i}\n" for i in range(1, 29)) + "end"),
        ("a\x0cb\nc\n", "a\x0cB\nc\n"),  # str.splitlines splits at form feeds too
    ],
)
def test_diff_replacements_reproduce_the_change(old, new):
    replacements = diff_replacements(unified_diff(old, new, "p.py"), old) or []
    assert apply_replacements(old, replacements) == new


def test_diff_replacements_refuse_a_diff_that_does_not_fit():
    assert diff_replacements(unified_diff("a\nb\nc\n", "a\nc\n", "p.py"), "a\n") is None


def test_github_workflow_commands(tmp_path):
    name = "odd,na:me%.py"
    (tmp_path / name).write_text(BAD.replace('"s3"', '"s%3"'))
    (tmp_path / "broken.py").write_text("def lambda_handler(event, context):\n    return (\n")
    result = run_cli("check", "--no-cache", "--format", "github", ".", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1].startswith("::error file=broken.py,line=")
    assert ",title=lambdalint::syntax error at line " in lines[1]
    assert lines[0] == (
        "::warning file=odd%2Cna%3Ame%25.py,line=5,col=10,endLine=5,endColumn=29,title=LAM201::"
        + MESSAGE.replace('"s3"', '"s%253"')
    )
    assert len(lines) == 2


def test_github_escapes_newlines():
    from lambdalint.output import _github_command

    assert (
        _github_command("error", {"file": "a\r\nb"}, "one\r\ntwo 100%")
        == "::error file=a%0D%0Ab::one%0D%0Atwo 100%25\n"
    )


def test_statistics(tmp_path):
    (tmp_path / "a.py").write_text(BAD)
    (tmp_path / "b.py").write_text(BAD)
    (tmp_path / "c.py").write_text(GOOD)
    concise = run_cli("check", "--no-cache", "--format", "concise", "--statistics", ".", cwd=tmp_path)
    assert concise.returncode == 1
    assert concise.stdout.splitlines() == [
        f"a.py:5:10: LAM201 {MESSAGE}",
        f"b.py:5:10: LAM201 {MESSAGE}",
        "    2\tLAM201\t[*] client-in-handler",
    ]
    text = run_cli("check", "--no-cache", "--statistics", ".", cwd=tmp_path)
    assert text.stdout.splitlines()[-1] == "    2\tLAM201\t[*] client-in-handler"
    document = json.loads(run_cli("check", "--no-cache", "--format", "json", "--statistics", ".", cwd=tmp_path).stdout)
    assert document["statistics"] == [{"code": "LAM201", "name": "client-in-handler", "count": 2, "fixable": 2}]
    plain = run_cli("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert "statistics" not in json.loads(plain.stdout)
    clean = run_cli("check", "--no-cache", "--format", "concise", "--statistics", "c.py", cwd=tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""


def test_exit_non_zero_on_fix(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(BAD)
    fixed = run_cli("check", "--no-cache", "--fix", "--exit-non-zero-on-fix", "app.py", cwd=tmp_path)
    assert fixed.returncode == 1, fixed.stdout
    assert path.read_text() == GOOD
    again = run_cli("check", "--no-cache", "--fix", "--exit-non-zero-on-fix", "app.py", cwd=tmp_path)
    assert again.returncode == 0, again.stdout
    both = run_cli("check", "--fix", "--exit-zero", "--exit-non-zero-on-fix", "app.py", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_sarif_fixes_on_every_fixture_apply_to_parseable_code():
    import ast

    sarif = json.loads(run_cli("check", "--no-cache", "--format", "sarif", ".", cwd=FIXTURES).stdout)
    fixes = [
        (item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], fix)
        for item in sarif["runs"][0]["results"]
        for fix in item.get("fixes", [])
    ]
    assert len(fixes) > 5
    for uri, fix in fixes:
        (change,) = fix["artifactChanges"]
        assert change["artifactLocation"]["uri"] == uri
        original = (FIXTURES / uri).read_text()
        changed = apply_replacements(original, change["replacements"])
        assert changed != original
        ast.parse(changed, uri)  # a hoist is a deletion and an insertion in two places
