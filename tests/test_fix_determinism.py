"""Which fix applies must not depend on hash randomisation, and `--diff` shows exactly what
`--fix` writes: the installed CLI run under several PYTHONHASHSEED values."""

import os
import shutil
import subprocess
import textwrap

import pytest
from conftest import run_cli

SEEDS = ("0", "1", "2", "3", "17", "4242")

CASES = {
    # Two functions build `client`: only the first one in the file can take the module name.
    "same_name": """\
        import boto3


        def upload(event, context):
            client = boto3.client("s3")
            return client.put_object(Bucket="uploads", Key=event["key"], Body=event["body"])


        def save(event, context):
            client = boto3.client("dynamodb")
            return client.put_item(TableName="orders", Item={"id": {"S": event["id"]}})
    """,
    # The same with the DynamoDB function first, and the other way round for connections.
    "same_name_reversed": """\
        import os

        import boto3
        import psycopg2


        def save(event, context):
            client = boto3.client("dynamodb")
            conn = psycopg2.connect(os.environ["DATABASE_URL"])
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            return client.put_item(TableName="orders", Item={"id": {"S": event["id"]}})


        def upload(event, context):
            client = boto3.client("s3")
            conn = psycopg2.connect(os.environ["DATABASE_URL"])
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            return client.put_object(Bucket="uploads", Key=event["key"], Body=event["body"])
    """,
}


def run(args, cwd, seed):
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return run_cli("check", "--no-cache", *args, ".", cwd=cwd, env=env)


def make(tmp_path, name, source, seed):
    app = tmp_path / f"{name}-{seed}"
    app.mkdir()
    (app / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (app / "app.py").write_text(textwrap.dedent(source))
    return app


@pytest.mark.parametrize("unsafe", [(), ("--unsafe-fixes",)], ids=["safe", "unsafe"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_diff_and_fix_are_the_same_under_every_hash_seed(tmp_path, name, unsafe):
    diffs, fixed = set(), set()
    for seed in SEEDS:
        app = make(tmp_path, name, CASES[name], seed)
        diff = run(["--diff", *unsafe], app, seed).stdout
        assert diff, "the case must have something to fix"
        diffs.add(diff)
        patched = tmp_path / f"patched-{name}-{seed}"
        shutil.copytree(app, patched)
        subprocess.run(["patch", "-s", "-p1"], input=diff, text=True, cwd=patched, check=True)
        run(["--fix", *unsafe], app, seed)
        written = (app / "app.py").read_text()
        assert written == (patched / "app.py").read_text(), "--diff differs from what --fix wrote"
        fixed.add(written)
    assert len(diffs) == 1 and len(fixed) == 1
    [written] = fixed
    source = textwrap.dedent(CASES[name])
    first_client = source.index("client = boto3.client(")
    # the function that comes first in the file is the one whose client moved
    assert written.count("client = boto3.client(") == 2
    moved = source[first_client:].split("\n", 1)[0].strip()
    assert written.index(moved) < written.index("\ndef ")
