"""`check --add-noqa` and LAM001 unused-noqa, through the installed command (and flake8)."""

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, run_cli
from test_cli import BAD, GOOD

from lambdalint.addnoqa import add_to_python

FLAKE8 = Path(sys.executable).with_name("flake8")


def dedent(text):
    return textwrap.dedent(text).lstrip()


def parses_everywhere(root):
    bad = []
    for path in root.rglob("*.py"):
        data = path.read_bytes()
        try:
            ast.parse(data)
        except SyntaxError:
            bad.append(path)
    return bad


def syntax_errors(root):
    """Files that were unparsable to begin with (fixtures of bad input) stay as they were."""
    return {p.relative_to(root) for p in parses_everywhere(root)}


@pytest.mark.parametrize("corpus", ["examples", "fixtures"])
def test_add_noqa_silences_a_whole_tree_and_every_file_still_parses(tmp_path, corpus):
    source = ROOT / "examples" if corpus == "examples" else FIXTURES
    tree = tmp_path / corpus
    shutil.copytree(source, tree)
    broken_before = syntax_errors(tree)
    before = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tree)
    assert before.returncode == 1
    count = len([line for line in before.stdout.splitlines() if ": LAM" in line])
    assert count >= 9
    added = run_cli("check", "--no-cache", "--add-noqa", ".", cwd=tree)
    assert "Added " in added.stderr and " noqa directive" in added.stderr
    assert syntax_errors(tree) == broken_before  # every file parses as before
    after = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tree)
    assert [line for line in after.stdout.splitlines() if ": LAM" in line] == []
    assert after.returncode == (1 if broken_before else 0)
    # the same comments silence flake8 (it reads noqa the same way)
    flake8 = subprocess.run([str(FLAKE8), "--select", "LAM", "."], cwd=tree, capture_output=True, text=True)
    assert [line for line in flake8.stdout.splitlines() if " LAM" in line] == []
    # nothing is stale, and a second run adds nothing
    stale = run_cli("check", "--no-cache", "--extend-select", "LAM001", "--format", "concise", ".", cwd=tree)
    assert "LAM001" not in stale.stdout
    again = run_cli("check", "--no-cache", "--add-noqa", ".", cwd=tree)
    assert "Added 0 noqa directives" in again.stderr


CASES = {
    # a finding on a line that opens a triple-quoted string: after the closing quotes
    "string": (
        '''
        import boto3


        def lambda_handler(event, context):
            body = boto3.client("sqs").send_message(QueueUrl="q", MessageBody="""
            {"order": "one", "# not a comment": true}
            """)
            return body
        ''',
        '''
        import boto3


        def lambda_handler(event, context):
            body = boto3.client("sqs").send_message(QueueUrl="q", MessageBody="""
            {"order": "one", "# not a comment": true}
            """)  # noqa: LAM201
            return body
        ''',
    ),
    # lines joined by a backslash: after the last of them
    "backslash": (
        '''
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3") \\
                if event else None
            return s3
        ''',
        '''
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3") \\
                if event else None  # noqa: LAM201
            return s3
        ''',
    ),
    # a statement over several bracketed lines is reported at its first line
    "brackets": (
        '''
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client(
                "s3",
                region_name="eu-west-1",
            )
            return s3
        ''',
        '''
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client(  # noqa: LAM201
                "s3",
                region_name="eu-west-1",
            )
            return s3
        ''',
    ),
    # merged with an existing noqa of another code, other comments kept
    "merge": (
        '''
        import boto3


        def lambda_handler(event, context):
            import statistics  # noqa: E401
            s3 = boto3.client("s3")  # a fresh client on purpose
            return statistics.fmean(len(b["Name"]) for b in s3.list_buckets()["Buckets"])
        ''',
        '''
        import boto3


        def lambda_handler(event, context):
            import statistics  # noqa: E401, LAM203
            s3 = boto3.client("s3")  # a fresh client on purpose  # noqa: LAM201
            return statistics.fmean(len(b["Name"]) for b in s3.list_buckets()["Buckets"])
        ''',
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_add_noqa_never_changes_what_a_line_means(tmp_path, case):
    before, expected = (dedent(t) for t in CASES[case])
    (tmp_path / "app.py").write_text(before)
    assert run_cli("check", "--no-cache", "app.py", cwd=tmp_path).returncode == 1
    result = run_cli("check", "--no-cache", "--add-noqa", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    after = (tmp_path / "app.py").read_text()
    assert after == expected
    assert ast.dump(ast.parse(after)) == ast.dump(ast.parse(before))  # the same program
    assert run_cli("check", "--no-cache", "app.py", cwd=tmp_path).returncode == 0
    flake8 = subprocess.run([str(FLAKE8), "--select", "LAM", "app.py"], cwd=tmp_path, capture_output=True, text=True)
    assert flake8.stdout == ""


def test_merging_codes_into_an_existing_directive():
    text = "x = 1  # noqa: LAM201\ny = 2  # noqa:LAM2 and a reason\nz = 3  # noqa\n"
    new, changed = add_to_python(text, {1: {"LAM202"}, 2: {"LAM203", "LAM301"}, 3: {"LAM101"}})
    assert new == "x = 1  # noqa: LAM201, LAM202\ny = 2  # noqa: LAM2, LAM301 and a reason\nz = 3  # noqa\n"
    assert changed == 2


def test_add_noqa_keeps_encoding_bom_and_line_endings(tmp_path):
    data = b"\xef\xbb\xbf" + BAD.replace("list_buckets()", "list_buckets()  # \xe9t\xe9").encode().replace(
        b"\n", b"\r\n"
    )
    (tmp_path / "app.py").write_bytes(data)
    run_cli("check", "--no-cache", "--add-noqa", "app.py", cwd=tmp_path)
    after = (tmp_path / "app.py").read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and after.count(b"\r\n") == data.count(b"\r\n")
    assert b's3 = boto3.client("s3")  # noqa: LAM201\r\n' in after


def test_add_noqa_in_a_template(tmp_path):
    (tmp_path / "template.yaml").write_text(
        dedent("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: src/
              Handler: app.missing  # renamed, not yet written
    """)
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(GOOD)
    before = run_cli("check", "--no-cache", "--format", "concise", ".", cwd=tmp_path)
    assert "template.yaml:8:" in before.stdout and "LAM304" in before.stdout
    run_cli("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert (
        "Handler: app.missing  # renamed, not yet written  # noqa: LAM304" in (tmp_path / "template.yaml").read_text()
    )
    assert run_cli("check", "--no-cache", ".", cwd=tmp_path).returncode == 0


def test_add_noqa_refuses_fix(tmp_path):
    (tmp_path / "app.py").write_text(BAD)
    result = run_cli("check", "--add-noqa", "--fix", "app.py", cwd=tmp_path)
    assert result.returncode == 2 and (tmp_path / "app.py").read_text() == BAD


# -- LAM001 unused-noqa -------------------------------------------------------------------------

STALE = dedent('''
    import boto3
    import json


    def lambda_handler(event, context):
        s3 = boto3.client("s3")  # noqa: LAM201, LAM203
        x = json.dumps(event)  # type: ignore  # noqa: LAM201
        y = json.dumps(event)  # noqa: E501, LAM202
        z = json.dumps(event)  # noqa: LAM999
        doc = boto3.client("sqs").send_message(QueueUrl="q", MessageBody="""
        text""")  # noqa: LAM201
        w = json.dumps(event)  # noqa
        return s3, x, y, z, doc, w
''')

FIXED = dedent('''
    import boto3
    import json


    def lambda_handler(event, context):
        s3 = boto3.client("s3")  # noqa: LAM201
        x = json.dumps(event)  # type: ignore
        y = json.dumps(event)  # noqa: E501
        z = json.dumps(event)
        doc = boto3.client("sqs").send_message(QueueUrl="q", MessageBody="""
        text""")  # noqa: LAM201
        w = json.dumps(event)  # noqa
        return s3, x, y, z, doc, w
''')


def test_unused_noqa_is_off_unless_selected(tmp_path):
    (tmp_path / "app.py").write_text(STALE)
    assert run_cli("check", "--no-cache", "app.py", cwd=tmp_path).returncode == 0


def test_unused_noqa_findings(tmp_path):
    (tmp_path / "app.py").write_text(STALE)
    result = run_cli("check", "--no-cache", "--extend-select", "LAM001", "--format", "concise", "app.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "app.py:6:30: LAM001 `LAM203` in `# noqa: LAM201, LAM203` suppresses nothing: "
        "no such finding is reported on this line",
        "app.py:7:44: LAM001 `# noqa: LAM201` suppresses nothing: no LAM201 finding is reported on this line",
        "app.py:8:28: LAM001 `LAM202` in `# noqa: E501, LAM202` suppresses nothing: "
        "no such finding is reported on this line",
        "app.py:9:28: LAM001 `# noqa: LAM999` names `LAM999`, which is not a lambdalint rule",
    ]


def test_unused_noqa_fix(tmp_path):
    (tmp_path / "app.py").write_text(STALE)
    result = run_cli("check", "--no-cache", "--extend-select", "LAM001", "--fix", "app.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Fixed 4 findings (0 remaining)." in result.stdout
    assert (tmp_path / "app.py").read_text() == FIXED
    again = run_cli("check", "--no-cache", "--extend-select", "LAM001", "--fix", "app.py", cwd=tmp_path)
    assert "Fixed 0 findings" in again.stdout and (tmp_path / "app.py").read_text() == FIXED


def test_unused_noqa_leaves_codes_of_rules_that_did_not_run(tmp_path):
    (tmp_path / "app.py").write_text(STALE)
    (tmp_path / "pyproject.toml").write_text('[tool.lambdalint]\nextend-select = ["LAM001"]\nignore = ["LAM203"]\n')
    result = run_cli("check", "--no-cache", "--format", "concise", "app.py", cwd=tmp_path)
    assert "app.py:6:" not in result.stdout  # LAM203 did not run: its code may still be needed
    assert "app.py:7:44: LAM001" in result.stdout
