"""Behaviour at scale (not timings): parallel runs, the result cache, lazy libcst import."""

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FIXTURES, default_cache_env, fixture_files, run_cli

from lambdalint import analysis, engine, files, pipeline, runner
from lambdalint.config import Config
from lambdalint.engine import Options
from lambdalint.registry import all_rules

pytestmark = pytest.mark.slow  # real processes, runners or many CLI runs

HANDLER = textwrap.dedent('''
    import boto3
    import requests

    TABLE = "orders-{n}"


    def helper_{n}(key):
        s3 = boto3.client("s3")  # per request
        return s3.get_object(Bucket="b", Key=key)


    def lambda_handler(event, context):
        dynamodb = boto3.resource("dynamodb")
        session = requests.Session()
        helper_{n}(event["key"])
        return dynamodb.Table(TABLE).get_item(Key={{"id": event["id"]}})
''').lstrip()

NOT_A_HANDLER = "import os\n\n\ndef helper(a, b):\n    return os.path.join(a, b)\n"


def make_project(root: Path, handlers: int = 20, plain: int = 5) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.lambdalint]\n")
    src = root / "src"
    src.mkdir()
    for n in range(handlers):
        (src / f"handler_{n:02d}.py").write_text(HANDLER.format(n=n))
    for n in range(plain):
        (src / f"util_{n}.py").write_text(NOT_A_HANDLER)
    for path in fixture_files():
        target = src / "fixtures" / path.relative_to(FIXTURES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    return root


def prepared(root, cache_dir=None, monkeypatch=None):
    """The pipeline's set-up for `root/src` (the result cache in `cache_dir`, if given)."""
    if cache_dir is not None:
        monkeypatch.setenv("LAMBDALINT_CACHE_DIR", str(cache_dir))
    return pipeline.prepare(pipeline.Request(paths=[str(root / "src")], cache=cache_dir is not None))


def run_prepared(project, jobs=1):
    return runner.run(project.plan, project.files, project.options, jobs=jobs, cache=project.cache)


def check_json(root, *args, env=None):
    """`check --format json src` with the cache where a user's would be, unless `env` says."""
    result = run_cli("check", "--format", "json", *args, "src", cwd=root, env=env or default_cache_env())
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def env_with(**values):
    return default_cache_env(**values)


# -- parallel -----------------------------------------------------------------------------


def test_parallel_output_is_identical_to_serial(tmp_path):
    root = make_project(tmp_path)
    serial = check_json(root, "--no-cache", "--jobs", "1")
    parallel = check_json(root, "--no-cache", "--jobs", "2")
    assert serial["summary"]["findings"] >= 40
    assert parallel == serial


def test_pool_keeps_input_order_and_fix_diffs(tmp_path, monkeypatch):
    root = make_project(tmp_path, handlers=12, plain=0)
    project = prepared(root)
    monkeypatch.setattr(runner, "MIN_FILES_PER_PROCESS", 1)
    pooled = run_prepared(project, jobs=2)
    monkeypatch.setattr(runner, "MIN_FILES_PER_PROCESS", 10**6)
    local = run_prepared(project, jobs=2)
    assert [r.path for r in pooled] == [shown for _, shown in project.files]
    assert [[f.to_json() for f in r.findings] for r in pooled] == [[f.to_json() for f in r.findings] for r in local]
    assert any(f.fix is not None and f.fix.diff for r in pooled for f in r.findings)


def test_parallel_fix_matches_serial_fix(tmp_path):
    one, two = make_project(tmp_path / "one"), make_project(tmp_path / "two")
    for root, jobs in ((one, "1"), (two, "2")):
        result = run_cli("check", "--fix", "--unsafe-fixes", "--jobs", jobs, "src", cwd=root)
        assert result.returncode in (0, 1), result.stderr
    for path in (one / "src").rglob("*.py"):
        assert path.read_text() == (two / path.relative_to(one)).read_text()


def test_jobs_must_be_positive(tmp_path):
    result = run_cli("check", "--jobs", "0", ".", cwd=tmp_path)
    assert result.returncode == 2 and "--jobs" in result.stderr


def test_options_and_rules_are_picklable():
    options = Options(Config(select=("LAM2",), handler_names=("run",)), entry_points={"/a.py": ["f"]})
    copy = pickle.loads(pickle.dumps(options))
    assert copy.selected_rules() == options.selected_rules() and copy.config == options.config
    assert pickle.loads(pickle.dumps(list(all_rules().values()))) == list(all_rules().values())


# -- the result cache ------------------------------------------------------------------------

NO_LIBCST_RUN = """
import sys
from lambdalint.cli import main
code = main(sys.argv[1:])
assert "libcst" not in sys.modules, "libcst was imported"
sys.exit(code)
"""


def run_without_libcst(root, *args, env=None):
    return subprocess.run(
        [sys.executable, "-c", NO_LIBCST_RUN, *args],
        cwd=root,
        env=env or default_cache_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_second_run_reads_the_cache_and_parses_nothing(tmp_path):
    root = make_project(tmp_path)
    first = check_json(root)
    assert (root / ".lambdalint_cache").is_dir()  # the project root, where pyproject.toml is
    second = run_without_libcst(root, "check", "--format", "json", "src")
    assert second.returncode == 1, second.stderr
    assert json.loads(second.stdout) == first
    # every format renders cached findings the same way (message, suggestion, fix text)
    for fmt in ("text", "concise", "github", "sarif"):
        cold = run_cli("check", "--no-cache", "--format", fmt, "src", cwd=root)
        warm = run_without_libcst(root, "check", "--format", fmt, "src")
        assert warm.stdout == cold.stdout, fmt


def test_cache_is_keyed_by_content_and_configuration(tmp_path):
    root = make_project(tmp_path, handlers=2, plain=0)
    env = env_with(LAMBDALINT_CACHE_DIR=tmp_path / "cache")
    first = check_json(root, env=env)
    assert not (root / ".lambdalint_cache").exists()
    assert list((tmp_path / "cache").rglob("*.json"))
    # a changed file is analysed again
    handler = root / "src" / "handler_00.py"
    handler.write_text(handler.read_text().replace('boto3.resource("dynamodb")', '"x"'))
    changed = check_json(root, env=env)
    assert changed["summary"]["findings"] == first["summary"]["findings"] - 1
    assert changed == check_json(root, "--no-cache")
    # so is every file when the configuration changes
    (root / "pyproject.toml").write_text('[tool.lambdalint]\nignore = ["LAM201"]\n')
    assert check_json(root, env=env) == check_json(root, "--no-cache")
    assert check_json(root, "--select", "LAM2", env=env) == check_json(root, "--select", "LAM2", "--no-cache")
    # and a --handler entry point given on the command line
    fixture = "src/fixtures/LAM201/no_entry_point.py"
    with_handler = check_json(root, "--handler", f"{fixture}:make_client", env=env)
    assert with_handler == check_json(root, "--handler", f"{fixture}:make_client", "--no-cache")


def test_no_cache_reads_and_writes_nothing(tmp_path):
    root = make_project(tmp_path, handlers=2, plain=0)
    check_json(root, "--no-cache")
    assert not (root / ".lambdalint_cache").exists()


def test_corrupt_entries_are_recomputed(tmp_path):
    root = make_project(tmp_path, handlers=3, plain=0)
    first = check_json(root)
    entries = list((root / ".lambdalint_cache").rglob("*.json"))
    assert entries
    for n, entry in enumerate(entries):
        entry.write_text(["", "{not json", '{"findings": 3}', "[]"][n % 4])
    assert check_json(root) == first
    assert json.loads(entries[0].read_text())["findings"] is not None  # rewritten


def test_fix_and_diff_never_use_the_cache(tmp_path):
    root = make_project(tmp_path, handlers=1, plain=0)
    check_json(root)
    diff = run_cli("check", "--diff", "src", cwd=root)
    assert diff.returncode == 1 and "+++" in diff.stdout
    fixed = run_cli("check", "--fix", "src", cwd=root)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert check_json(root) == check_json(root, "--no-cache")


def test_concurrent_runs_share_the_cache(tmp_path):
    root = make_project(tmp_path)
    expected = check_json(root, "--no-cache")
    command = [str(Path(sys.executable).with_name("lambdalint")), "check", "--format", "json", "src"]
    runs = [
        subprocess.Popen(
            command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=default_cache_env()
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(json.loads(out) == expected for out, _ in outputs), [err for _, err in outputs]
    assert not [p for p in (root / ".lambdalint_cache").rglob("*") if p.name.startswith(".tmp-")]
    assert check_json(root) == expected


def test_cache_entries_round_trip_exactly(tmp_path, monkeypatch):
    root = make_project(tmp_path, handlers=1, plain=0)
    cold = run_prepared(prepared(root, tmp_path / "cache", monkeypatch))

    def no_analysis(*args, **kwargs):
        raise AssertionError("a cached file was analysed again")

    # Files without an entry point may still get their cheap syntax check (their mtime is
    # too fresh for the stat index to vouch for them); nothing may be parsed or analysed.
    project = prepared(root, tmp_path / "cache", monkeypatch)
    monkeypatch.setattr(engine, "parse", no_analysis)
    monkeypatch.setattr(analysis, "ModuleAnalysis", no_analysis)
    warm = run_prepared(project)

    def seen(reports):
        return [
            (r.path, r.errors, [(f.to_json(), f.fix and (f.fix.description, f.fix.imports)) for f in r.findings])
            for r in reports
        ]

    assert any(r.findings for r in cold)
    assert seen(warm) == seen(cold)


# -- lazy imports -----------------------------------------------------------------------------


# `rules --format json|markdown` lint each rule's examples to report which fixes it has
# (docs.fix_applicabilities), so they do need libcst.
@pytest.mark.parametrize("args", [["--version"], ["rules"], ["check", "--no-cache", "src"]])
def test_libcst_is_not_imported_without_handlers(tmp_path, args):
    (tmp_path / "src").mkdir()
    for n in range(3):
        (tmp_path / "src" / f"util_{n}.py").write_text(NOT_A_HANDLER)
    result = run_without_libcst(tmp_path, *args)
    assert result.returncode == 0, result.stderr


# Library code written like handlers but never loaded by Lambda (moto's shapes): a method
# taking `event`, a nested callback, a WSGI app's `__call__` with no module-level instance.
LIBRARY_LOOKALIKES = {
    "backend.py": "class Backend:\n    def _invoke_lambda(self, event, context):\n        return event\n",
    "filters.py": "def make_filter(pattern):\n    def filter_func(event, ctx):\n        return pattern in event\n"
    "    return filter_func\n",
    "server.py": "class DomainDispatcherApplication:\n    def __call__(self, environ, start_response):\n"
    "        return []\n",
}


def test_library_code_that_looks_like_handlers_never_reaches_libcst(tmp_path):
    (tmp_path / "src").mkdir()
    for name, text in LIBRARY_LOOKALIKES.items():
        (tmp_path / "src" / name).write_text(text + "import src.backend\n")
    result = run_without_libcst(tmp_path, "check", "--no-cache", "src")
    assert result.returncode == 0, result.stderr
    # the same shapes as real entry points still are analysed
    (tmp_path / "src" / "app.py").write_text(
        "class App:\n    def __call__(self, event, context):\n        return []\n\nhandler = App()\n"
    )
    assert run_without_libcst(tmp_path, "check", "--no-cache", "src").returncode == 1  # libcst imported


def test_json_after_a_text_run_still_has_fix_diffs(tmp_path):
    """Only the JSON output shows each fix's diff, so other formats skip computing it;
    their cache entries must not serve a JSON run."""
    root = make_project(tmp_path, handlers=2, plain=0)
    assert run_cli("check", "--format", "concise", "src", cwd=root).returncode == 1
    warm = check_json(root)
    assert warm == check_json(root, "--no-cache")
    assert any(f["fix"] and f["fix"]["diff"] for f in warm["findings"])


def test_unchanged_files_are_not_even_read(tmp_path, monkeypatch):
    """The stat index: a file whose mtime, size and inode are unchanged is not read again."""
    root = make_project(tmp_path, handlers=3, plain=3)
    past = 1_600_000_000
    for path in (root / "src").rglob("*.py"):
        os.utime(path, (past, past))  # older than the "racy" window
    cold = run_prepared(prepared(root, tmp_path / "cache", monkeypatch))

    read = []
    real_read = files.read_source

    def counting_read(path):
        read.append(os.path.realpath(path))
        return real_read(path)

    monkeypatch.setattr(runner, "read_source", counting_read)
    monkeypatch.setattr(files, "read_source", counting_read)
    warm = run_prepared(prepared(root, tmp_path / "cache", monkeypatch))
    assert read == []
    assert [[f.to_json() for f in r.findings] for r in warm] == [[f.to_json() for f in r.findings] for r in cold]

    changed = root / "src" / "handler_01.py"
    changed.write_text(changed.read_text() + "\n")  # a new mtime and size: read again
    recent = root / "src" / "handler_02.py"
    os.utime(recent, None)  # modified just now: not trusted, read again
    run_prepared(prepared(root, tmp_path / "cache", monkeypatch))
    assert sorted(set(read)) == sorted([str(changed), str(recent)])


def test_one_file_reuses_a_whole_project_run_without_lambdalint_settings(tmp_path):
    """Without [tool.lambdalint] the settings' directory is where the linted paths are, so
    `check svc/handler.py` (pre-commit) and `check .` differ in it; nothing it changes
    applies then, so the file's result comes from the whole-project run's cache."""
    root = tmp_path / "app"
    (root / "svc").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0"\n')
    (root / "svc" / "handler.py").write_text(
        "import boto3\n\n\ndef lambda_handler(event, context):\n    return boto3.client('s3').list_buckets()\n"
    )
    for path in (root / "svc" / "handler.py", root / "pyproject.toml"):  # older than the racy window
        os.utime(path, (path.stat().st_mtime - 60,) * 2)
    env = env_with(LAMBDALINT_CACHE_DIR=tmp_path / "cache")
    whole = run_cli("check", "--format", "concise", ".", cwd=root, env=env)
    assert whole.returncode == 1 and "svc/handler.py:" in whole.stdout, whole.stderr
    alone = run_without_libcst(root, "check", "--exit-zero", "--format", "concise", "svc/handler.py", env=env)
    assert alone.returncode == 0, alone.stderr  # 1 if libcst was imported
    assert alone.stdout == whole.stdout


def test_files_the_plan_found_no_entry_point_in_get_only_the_syntax_check(tmp_path, monkeypatch):
    """The plan's pre-pass has already looked at every linted file: a light file is not
    scanned again before its syntax check, and keeps its syntax error."""
    root = make_project(tmp_path, handlers=2, plain=4)
    (root / "src" / "broken.py").write_text("def f(:\n")
    project = prepared(root)
    assert len(project.plan.light) >= 5
    scanned = []
    needs_analysis = engine.needs_analysis

    def counting(text, path, options):
        scanned.append(path)
        return needs_analysis(text, path, options)

    monkeypatch.setattr(engine, "needs_analysis", counting)
    reports = run_prepared(project)
    assert scanned == []
    errors = {Path(r.path).name: [e.message for e in r.errors] for r in reports if r.errors}
    assert list(errors) == ["broken.py"] and "syntax error at line 1" in errors["broken.py"][0]


def test_imports_are_read_only_from_files_an_entry_file_reaches(tmp_path, monkeypatch):
    """The plan follows imports out of entry files; a module nothing reaches (most of a
    large tree) has its imports left unread."""
    from lambdalint.project import imports

    root = make_project(tmp_path, handlers=2, plain=0)
    library = root / "src" / "library"
    library.mkdir()
    for n in range(30):  # mod_0 ... mod_9 reached from the handler, the others from nothing
        (library / f"mod_{n}.py").write_text(f"import os\nfrom library import mod_{min(n + 1, 9) if n < 9 else n}\n")
    (root / "src" / "handler_00.py").write_text("from library import mod_0\n" + HANDLER.format(n=0))
    read = []
    imported_modules = imports.imported_modules

    def counting(text):
        read.append(text)
        return imported_modules(text)

    monkeypatch.setattr(imports, "imported_modules", counting)
    project = prepared(root)
    reached = {real for unit in project.plan.units for real, _ in unit.members}
    names = {os.path.basename(real) for real in reached}
    assert {"handler_00.py", "mod_0.py", "mod_9.py"} <= names and "mod_10.py" not in names
    unreached = {(library / f"mod_{n}.py").read_text() for n in range(10, 30)}
    assert read and not unreached & set(read)


def test_pool_chunks_are_balanced_by_cost_not_by_count():
    """Units (LibCST) cost far more than light files (a syntax check) and come last in a
    plan: each chunk gets about the same cost, every task exactly once."""
    light = [("light", f"l{n}.py", f"l{n}.py", b"x" * 1000, None) for n in range(200)]
    units = [("unit", None, [b"y" * 1000] * 3, None, None) for _ in range(16)]
    tasks = light + units
    chunks = runner._balanced_chunks(tasks, 8)
    assert sorted(index for chunk in chunks for index in chunk) == list(range(len(tasks)))
    costs = [sum(runner._cost(tasks[index]) for index in chunk) for chunk in chunks]
    assert max(costs) - min(costs) <= max(runner._cost(task) for task in tasks)
    assert all(any(tasks[index][0] == "unit" for index in chunk) for chunk in chunks)


def test_a_file_without_handlers_imports_neither_libcst_nor_the_analysis(tmp_path):
    """`lambdalint check util.py` (pre-commit on a helper): a syntax check, nothing more."""
    (tmp_path / "util.py").write_text("import os\n\n\ndef join(a, b):\n    return os.path.join(a, b)\n")
    script = (
        "import sys\n"
        "from lambdalint.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "loaded = [m for m in ('libcst', 'lambdalint.analysis', 'lambdalint.rules') if m in sys.modules]\n"
        "print(code, loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, "check", "--no-cache", "util.py"],
        cwd=tmp_path,
        env=default_cache_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.stdout.splitlines()[-1] == "0 []", result.stdout + result.stderr
