#!/usr/bin/env python3
"""Benchmark lambdalint against its limit (LibCST parse) and its peers.

    python benchmarks/run.py [--jobs N] [--handlers 300] [--repeat 1] [--quick] [--slow] [--output FILE]

Run it with the interpreter of the environment lambdalint is installed in (e.g.
`.venv/bin/python`).  It builds its corpora in a temporary directory:

* monorepo: the installed sources of a large package (moto, else botocore, else the
  standard library) plus the handler fixtures of this repository;
* handler-dense: Lambda handler modules only: the fixtures and generated variants;
* synthetic projects of 100, 1,000 and 10,000 files (`build_project`): services whose
  handlers (the generated variants) import helper modules of their service, plus library
  code copied from the installed moto / botocore sources.

and times, on the same files in the same run: lambdalint cold (1 and N jobs) and with a warm
cache, LibCST parse-only (one core), `ast.parse` only, Fixit 2 with its default rules,
pythaw, flake8 with and without lambdalint's plugin, and ruff (each when installed; `pip
install fixit pythaw ruff` to include them); on the synthetic projects the per-file cost
and peak memory as the project grows, an incremental run (one helper module edited under a
warm cache) and one-file runs as pre-commit makes them.  Peak memory is the largest
resident set of any process of a run (getrusage RUSAGE_CHILDREN in a wrapper process per
measurement).  The report ends with the goals, each with its ratio from this run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
BIN = Path(sys.executable).parent

# One process per measurement: it runs the command and reports the peak RSS of its children.
_WRAPPER = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(f"{wall} {rss} {code}")
"""

_PARSE_ONLY = r"""
import sys, libcst
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    try:
        libcst.parse_module(data)
    except Exception:
        pass
"""


_AST_ONLY = r"""
import ast, sys, warnings
warnings.simplefilter("ignore")
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    try:
        ast.parse(data)
    except Exception:
        pass
"""

# flake8 exactly as installed, but without lambdalint's plugin: the distribution is hidden
# from flake8's plugin finder (forked --jobs workers inherit the patch).
_FLAKE8_WITHOUT_LAM = r"""
import importlib.metadata as metadata, sys
_all = metadata.distributions
metadata.distributions = lambda **kw: [d for d in _all(**kw) if (d.metadata["Name"] or "").lower() != "lambdalint"]
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Run:
    wall: float
    peak_mb: float
    code: int


def tool_env() -> Dict[str, str]:
    """The environment every measured tool runs in: with bytecode caching on (as after a
    normal install), even if the calling shell disables it."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(command: List[str], env: Optional[Dict[str, str]] = None, repeat: int = 1) -> Run:
    """Best wall time of `repeat` runs (the machine may be shared), with its peak RSS."""
    best: Optional[Run] = None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", _WRAPPER, *command],
            env=env or tool_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        run = Run(float(out[0]), int(out[1]) / 1024, int(out[2]))
        if best is None or run.wall < best.wall:
            best = run
    assert best is not None
    return best


def measure_in_turns(commands: List[List[str]], rounds: int) -> List[Run]:
    """`measure` for several commands, one run of each per round: the best of each, taken
    in the same minutes (a ratio of lone runs moved by ±30% on a shared machine)."""
    best: List[Optional[Run]] = [None] * len(commands)
    for _ in range(rounds):
        for index, command in enumerate(commands):
            run = measure(command)
            current = best[index]
            if current is None or run.wall < current.wall:
                best[index] = run
    return [run for run in best if run is not None]


def tool(name: str) -> Optional[str]:
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name)


# -- corpora -------------------------------------------------------------------------------


def copy_fixtures(target: Path) -> int:
    count = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        dest = target / "fixtures" / path.relative_to(FIXTURES)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        count += 1
    return count


def build_monorepo(target: Path) -> str:
    for package in ("moto", "botocore"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            source = Path(list(spec.submodule_search_locations)[0])
            label = package
            break
    else:
        source, label = Path(os.__file__).parent / "asyncio", "asyncio (stdlib)"
    shutil.copytree(source, target / label.split()[0], ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    copy_fixtures(target)
    return label


VARIANTS = [
    # 0: clients and invariant I/O built per request, a helper on the path
    '''
import json
import os

import boto3
import requests

TABLE_NAME = os.environ.get("TABLE_NAME", "orders-{n}")
CONFIG_PATH = os.path.join(os.path.dirname(__file__), "config-{n}.json")


def load_config():
    with open(CONFIG_PATH) as f:
        return json.load(f)


def fetch_rates(currency):
    session = requests.Session()
    return session.get("https://rates.example.com/v{n}/" + currency, timeout=5).json()


def lambda_handler(event, context):
    dynamodb = boto3.resource("dynamodb")
    table = dynamodb.Table(TABLE_NAME)
    config = load_config()
    ssm = boto3.client("ssm")
    secret = ssm.get_parameter(Name="/app/{n}/secret", WithDecryption=True)
    rates = fetch_rates(event.get("currency", "EUR"))
    items = []
    for record in event.get("Records", []):
        body = json.loads(record["body"])
        if body.get("amount", 0) > config.get("limit", {n}):
            items.append(body)
    for item in items:
        table.put_item(Item={{"id": item["id"], "rate": str(rates.get("rate")), "k": secret["Parameter"]["Value"]}})
    return {{"statusCode": 200, "body": json.dumps({{"count": len(items)}})}}
''',
    # 1: module state mutated per request, a class-based handler
    '''
import logging
from collections import defaultdict

import boto3

logger = logging.getLogger(__name__)
SEEN = set()
TOTALS = defaultdict(int)
results = []


class Processor:
    def __init__(self):
        self.s3 = boto3.client("s3")
        self.prefix = "batch-{n}/"

    def __call__(self, event, context):
        for record in event["Records"]:
            key = record["s3"]["object"]["key"]
            if key in SEEN:
                continue
            SEEN.add(key)
            TOTALS[record["eventName"]] += 1
            results.append(self.handle(key))
        return {{"processed": len(results)}}

    def handle(self, key):
        sqs = boto3.client("sqs")
        obj = self.s3.get_object(Bucket="bucket-{n}", Key=self.prefix + key)
        body = obj["Body"].read()
        sqs.send_message(QueueUrl="https://sqs/{n}", MessageBody=body.decode())
        logger.info("handled %s", key)
        return key


handler = Processor()
''',
    # 2: lazily initialised and cached clients (no findings expected), async work
    '''
import asyncio
import functools
import os

import boto3

_client = None


@functools.lru_cache(maxsize=None)
def secrets_client():
    return boto3.client("secretsmanager")


def get_client():
    global _client
    if _client is None:
        _client = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"])
    return _client


async def gather(keys):
    return await asyncio.gather(*(asyncio.sleep(0, result=k) for k in keys))


def tenant_client(event):
    return boto3.client("s3", region_name=event["region"])


def handler(event, context):
    client = get_client()
    keys = [r["key"] for r in event.get("items", [])][: {n} + 1]
    values = asyncio.run(gather(keys))
    s3 = tenant_client(event)
    while True:
        if context.get_remaining_time_in_millis() < 1000:
            break
        page = client.scan(TableName="t-{n}", Limit=10)
        if not page.get("LastEvaluatedKey"):
            break
    secret = secrets_client().get_secret_value(SecretId=event["secret_id"])
    return {{"values": values, "s3": str(s3), "secret": bool(secret)}}
''',
    # 3: a larger module: helpers, imports inside functions, threads, tmp files
    '''
import os
import threading
import uuid


def _render(template, values):
    import jinja2
    return jinja2.Template(template).render(**values)


def _write_tmp(data):
    path = "/tmp/" + str(uuid.uuid4()) + ".json"
    with open(path, "w") as f:
        f.write(data)
    return path


def _notify(message):
    import boto3
    boto3.client("sns").publish(TopicArn=os.environ["TOPIC_{n}"], Message=message)


def process_record(record, index):
    text = _render("Hello {{{{ name }}}} #{n}", {{"name": record.get("name", "world")}})
    path = _write_tmp(text)
    worker = threading.Thread(target=_notify, args=(text,))
    worker.start()
    return {{"index": index, "path": path}}


def transform(items):
    out = []
    for index, item in enumerate(items):
        if index % 2:
            out.append({{k: v for k, v in item.items() if v is not None}})
        else:
            out.append(dict(item, seen=True))
    return out


def lambda_handler(event, context):
    records = transform(event.get("records", []))
    return [process_record(r, i) for i, r in enumerate(records)]
''',
]


def build_handler_dense(target: Path, count: int) -> int:
    made = copy_fixtures(target)
    generated = target / "generated"
    generated.mkdir(parents=True, exist_ok=True)
    for n in range(max(0, count - made)):
        text = VARIANTS[n % len(VARIANTS)].format(n=n).lstrip()
        (generated / f"handler_{n:04d}.py").write_text(text)
    return len(list(target.rglob("*.py")))


HELPER = '''"""Helpers that some handlers of service {s} import."""
import os

import boto3

TABLE_NAME = os.environ.get("TABLE_NAME", "svc-{s}-{j}")


def get_table():
    return boto3.resource("dynamodb").Table(TABLE_NAME)


def normalise(record):
    out = {{}}
    for key, value in record.items():
        out[key.lower()] = value
    return out
'''

HANDLERS_PER_SERVICE, HELPERS_PER_SERVICE = 10, 4


@dataclass
class Project:
    root: Path
    files: int
    handlers: List[Path]
    helpers: List[Path]
    importers: Dict[Path, List[Path]]  # helper -> the handlers that import it


def library_sources() -> List[Tuple[Path, Path]]:
    """(source root, file) of every module of the installed moto and botocore packages."""
    out = []
    for package in ("moto", "botocore"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            base = Path(list(spec.submodule_search_locations)[0])
            out += [(base.parent, f) for f in sorted(base.rglob("*.py")) if "__pycache__" not in f.parts]
    if not out:
        base = Path(os.__file__).parent
        out = [(base, f) for f in sorted((base / "asyncio").rglob("*.py"))]
    return out


def handler_text(n: int, helpers: List[str]) -> str:
    """A generated handler variant that imports and calls helpers of its service."""
    import re

    text = VARIANTS[n % len(VARIANTS)].format(n=n).lstrip()
    imports = "".join(
        f"from {h} import get_table as table_{i}, normalise as normalise_{i}\n" for i, h in enumerate(helpers)
    )

    def calls(match) -> str:
        indent = match.group(1)
        body = "".join(
            f"{indent}rows_{i} = [normalise_{i}(r) for r in event.get('Records', [])]\n"
            f"{indent}table_{i}().put_item(Item={{'n': len(rows_{i})}})\n"
            for i in range(len(helpers))
        )
        return f"(event, context):\n{body}{indent}"

    return imports + re.sub(r"\(event, context\):\n( +)", calls, text, count=1)


def build_project(target: Path, total: int, library: List[Tuple[Path, Path]]) -> Project:
    """A project of `total` Python files: 20% handlers and 8% helper modules in services
    of 10 + 4 files (handler k imports helper k % 4; every fifth handler also the next
    one, which joins two helpers' import groups), the rest library code copied from
    `library` under lib_0/, lib_1/, ..."""
    target.mkdir(parents=True)
    (target / "pyproject.toml").write_text('[project]\nname = "synthetic"\nversion = "0"\n')
    services = max(1, total // 50)
    handlers, helpers, importers = [], [], {}
    for s in range(services):
        service = target / f"svc_{s:04d}"
        service.mkdir()
        names = []
        for j in range(HELPERS_PER_SERVICE):
            path = service / f"helper_{j}.py"
            path.write_text(HELPER.format(s=s, j=j))
            helpers.append(path)
            importers[path] = []
            names.append(path.stem)
        for k in range(HANDLERS_PER_SERVICE):
            chosen = [k % HELPERS_PER_SERVICE] + ([(k + 1) % HELPERS_PER_SERVICE] if k % 5 == 0 else [])
            path = service / f"handler_{k}.py"
            path.write_text(handler_text(s * HANDLERS_PER_SERVICE + k, [names[c] for c in chosen]))
            handlers.append(path)
            for c in chosen:
                importers[service / f"helper_{c}.py"].append(path)
    made = len(handlers) + len(helpers)
    wanted = total - made
    if library and wanted > 0:
        # At least two copies, so that the library's absolute imports (`moto.core`) never
        # resolve by a unique name at one size and not at another: the same import graph
        # at every size, relative imports linking each copy's modules.
        copies = max(2, -(-wanted // len(library)))
        for copy in range(copies):
            share = wanted // copies + (1 if copy < wanted % copies else 0)
            for base, source in library[:share]:
                dest = target / f"lib_{copy}" / source.relative_to(base)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
                made += 1
    return Project(target, made, handlers, helpers, importers)


# -- measurements -------------------------------------------------------------------------


def python_files(root: Path) -> List[str]:
    return sorted(str(p) for p in root.rglob("*.py"))


def bench_corpus(name: str, root: Path, jobs: int, args, rows: list) -> Dict[str, Run]:
    files = python_files(root)
    lambdalint = tool("lambdalint")
    check = [lambdalint, "check", "--exit-zero", "--format", "concise"]
    env = tool_env()
    cache_dir = tempfile.mkdtemp(prefix="lambdalint-bench-cache-")
    env["LAMBDALINT_CACHE_DIR"] = cache_dir
    out: Dict[str, Run] = {}

    def add(label: str, run: Optional[Run], note: str = "") -> None:
        if run is not None:
            out[label] = run
        rows.append((name, label, len(files), run, note))

    # The goal's ratio (one job ÷ LibCST's parse): the two in turns, at least three rounds
    # on the handler-dense corpus.
    rounds = max(3, args.repeat) if name == "handler-dense" else args.repeat
    cold_one_job, parse_only = measure_in_turns(
        [[*check, "--no-cache", "--jobs", "1", str(root)], [sys.executable, "-c", _PARSE_ONLY, *files]], rounds
    )
    add("lambdalint cold, 1 job", cold_one_job, f"best of {rounds}, in turns with LibCST's parse" if rounds > 1 else "")
    add(
        f"lambdalint cold, {jobs} jobs",
        measure([*check, "--no-cache", "--jobs", str(jobs), str(root)], repeat=args.repeat),
    )
    measure([*check, "--jobs", str(jobs), str(root)], env=env)  # fill the cache
    add("lambdalint warm cache", measure([*check, "--jobs", str(jobs), str(root)], env=env, repeat=args.repeat))
    shutil.rmtree(cache_dir, ignore_errors=True)
    add(
        "LibCST parse only, 1 core",
        parse_only,
        f"best of {rounds}, in turns with lambdalint's 1 job" if rounds > 1 else "",
    )
    add("ast.parse only, 1 core", measure([sys.executable, "-c", _AST_ONLY, *files], repeat=args.repeat))

    fixit = tool("fixit")
    if fixit is None:
        add("Fixit 2 (default rules)", None, "not installed: pip install fixit")
    elif args.quick or (name == "monorepo" and not args.slow):
        add(
            "Fixit 2 (default rules)",
            None,
            "skipped (minutes on this corpus; --slow includes it)" if not args.quick else "skipped with --quick",
        )
    else:
        # Fixit lints with a process per core; pin it to one core so that "per file, one
        # core" compares like with like (lambdalint's 1-job run).
        taskset = shutil.which("taskset")
        pin = [taskset, "-c", str(min(os.sched_getaffinity(0)))] if taskset and hasattr(os, "sched_getaffinity") else []
        add(
            "Fixit 2 (default rules)",
            measure([*pin, fixit, "lint", str(root)], repeat=1),
            "pinned to one core" if pin else "all cores (no taskset)",
        )
    pythaw = tool("pythaw")
    add(
        "pythaw",
        measure([pythaw, "check", str(root)], repeat=args.repeat) if pythaw else None,
        "" if pythaw else "not installed: pip install pythaw",
    )
    flake8 = tool("flake8")
    if flake8 is None:
        add("flake8", None, "not installed")
    elif name == "monorepo" and args.quick:
        add("flake8", None, "skipped with --quick (about a minute on this corpus)")
    else:
        # Same flake8, same files, same options; only lambdalint's plugin differs.  The
        # plugin's first run fills lambdalint's result cache (a fresh directory), the second
        # reads it.
        flake8_args = ["--exit-zero", "--select", "LAM", str(root)]
        add(
            "flake8 --select LAM, without lambdalint",
            measure([sys.executable, "-c", _FLAKE8_WITHOUT_LAM, *flake8_args], repeat=args.repeat),
        )
        flake8_env = tool_env()
        flake8_env["LAMBDALINT_CACHE_DIR"] = tempfile.mkdtemp(prefix="lambdalint-bench-flake8-")
        add("flake8 --select LAM, lambdalint plugin (cold)", measure([flake8, *flake8_args], env=flake8_env))
        add(
            "flake8 --select LAM, lambdalint plugin (warm cache)",
            measure([flake8, *flake8_args], env=flake8_env, repeat=args.repeat),
        )
        shutil.rmtree(flake8_env["LAMBDALINT_CACHE_DIR"], ignore_errors=True)
    ruff = tool("ruff")
    add(
        "ruff (default rules)",
        measure([ruff, "check", "--no-cache", "--isolated", "--exit-zero", str(root)], repeat=args.repeat)
        if ruff
        else None,
        "" if ruff else "not installed: pip install ruff",
    )
    return out


def bench_one_file(root: Path, repeat: int) -> Dict[str, Run]:
    lambdalint = tool("lambdalint")
    handler = root / "handler.py"
    handler.write_text(VARIANTS[0].format(n=1).lstrip())
    plain = root / "util.py"
    plain.write_text("import os\n\n\ndef join(a, b):\n    return os.path.join(a, b)\n")
    base = [lambdalint, "check", "--exit-zero", "--no-cache"]
    return {
        "one handler file (lambdalint check handler.py)": measure([*base, str(handler)], repeat=repeat),
        "one non-handler file (lambdalint check util.py)": measure([*base, str(plain)], repeat=repeat),
        "lambdalint --version": measure([lambdalint, "--version"], repeat=repeat),
        "python -c 'import libcst'": measure([sys.executable, "-c", "import libcst"], repeat=repeat),
    }


# Peak resident set of one in-process run (`--jobs 1`), after each phase: where it grows.
_PHASES = r"""
import resource, sys, time
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out = {"start": peak()}
from lambdalint import pipeline
request = pipeline.Request(paths=[sys.argv[1]], cache=False, jobs=1, fix_diffs=False)
started = time.perf_counter()
project = pipeline.prepare(request)
out["prepare"] = peak()
out["prepare_s"] = time.perf_counter() - started
out["units"] = len(project.plan.units)
out["largest_unit"] = max((len(u.members) for u in project.plan.units), default=0)
out["libcst_files"] = sum(len(u.members) for u in project.plan.units)
reports = pipeline.check(project)
out["check"] = peak()
out["total_s"] = time.perf_counter() - started
print(repr(out))
"""

# The project model's allocations (tracemalloc), by file, after set-up.
_MODEL_MEMORY = r"""
import sys, tracemalloc
from lambdalint import pipeline
tracemalloc.start(1)
project = pipeline.prepare(pipeline.Request(paths=[sys.argv[1]], cache=False))
snapshot = tracemalloc.take_snapshot()
top = snapshot.statistics("lineno")[:6]
total = sum(s.size for s in snapshot.statistics("filename"))
print(repr({"total_mb": total / 2**20, "top": [(str(s.traceback[0]).split("site-packages/")[-1].split("wt-bench/")[-1],
            s.size / 2**20) for s in top]}))
"""


def python_in(cmd: List[str]) -> dict:
    import ast

    out = subprocess.run(cmd, env=tool_env(), capture_output=True, text=True, check=True).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])


def bench_scale(tmp: Path, sizes: List[int], jobs: int, library) -> Tuple[list, Dict[int, dict], Optional[dict]]:
    """Cold runs (all cores) of synthetic projects of growing size: per-file cost, peak
    memory, and the in-process phases of a one-job run."""
    lambdalint = tool("lambdalint")
    rows, phases = [], {}
    for size in sizes:
        project = build_project(tmp / f"scale-{size}", size, library)
        check = [lambdalint, "check", "--exit-zero", "--format", "concise", "--jobs", str(jobs)]
        cold = measure([*check, "--no-cache", str(project.root)])
        env = tool_env()
        env["LAMBDALINT_CACHE_DIR"] = cache = tempfile.mkdtemp(prefix="lambdalint-bench-scale-")
        measure([*check, str(project.root)], env=env)  # fill the cache
        time.sleep(2.1)  # files younger than the stat index's racy window are read again
        measure([*check, str(project.root)], env=env)  # ... and the stat index
        warm = measure([*check, str(project.root)], env=env)
        shutil.rmtree(cache, ignore_errors=True)
        phases[size] = python_in([sys.executable, "-c", _PHASES, str(project.root)])
        rows.append((size, project.files, cold, warm))
    largest = tmp / f"scale-{sizes[-1]}"
    model = python_in([sys.executable, "-c", _MODEL_MEMORY, str(largest)])
    for size in sizes:
        shutil.rmtree(tmp / f"scale-{size}", ignore_errors=True)
    return rows, phases, model


def cache_entries(directory: str) -> int:
    return sum(1 for _ in Path(directory).rglob("*.json") if not _.name.startswith("index-"))


def bench_incremental(tmp: Path, jobs: int, library, repeat: int) -> dict:
    """A 1,000-file project: cold, warm, then warm after editing one helper module that
    some handlers import; files analysed again are counted as the new result-cache entries
    (an entry is keyed by the content of every module of its unit).  Then one handler file
    linted alone, as pre-commit does, with the whole project around it."""
    lambdalint = tool("lambdalint")
    project = build_project(tmp / "incremental", 1000, library)
    check = [lambdalint, "check", "--exit-zero", "--format", "concise", "--jobs", str(jobs)]
    env = tool_env()
    cache = tempfile.mkdtemp(prefix="lambdalint-bench-incr-")
    env["LAMBDALINT_CACHE_DIR"] = cache
    out: dict = {"files": project.files}
    out["cold"] = measure([*check, "--no-cache", str(project.root)], repeat=repeat)
    measure([*check, str(project.root)], env=env)  # fill the cache
    time.sleep(2.1)  # the stat index trusts files older than its racy window only
    measure([*check, str(project.root)], env=env)  # ... and the stat index
    out["warm"] = measure([*check, str(project.root)], env=env, repeat=repeat)
    # the helper imported by the most handlers of the first service
    helper = max(project.helpers[:HELPERS_PER_SERVICE], key=lambda h: len(project.importers[h]))
    before = cache_entries(cache)
    with open(helper, "a") as f:
        f.write("\n\ndef describe():\n    return TABLE_NAME\n")
    out["edited"] = measure([*check, str(project.root)], env=env)
    out["reanalysed"] = cache_entries(cache) - before
    out["dependents"] = 1 + len(project.importers[helper])
    # the import-connected group the edit belongs to (what the cache key covers)
    group, todo = {helper}, [helper]
    while todo:
        current = todo.pop()
        linked = project.importers.get(current, []) + [h for h, users in project.importers.items() if current in users]
        for other in linked:
            if other not in group:
                group.add(other)
                todo.append(other)
    out["group"] = len(group)
    out["helper"] = str(helper.relative_to(project.root))
    # one handler file, just edited, as pre-commit passes it (cache as left by the runs above)
    handler = project.handlers[0]
    shown = str(handler.relative_to(project.root))

    counter = [0]  # edits so far: each one changes the file's content

    def edit_handler() -> None:
        counter[0] += 1
        with open(handler, "a") as f:
            f.write(f"\n\nEDIT_{counter[0]} = {counter[0]}\n")

    runs = []
    for _ in range(3 * repeat):
        edit_handler()
        runs.append(measure_in([*check, shown], project.root, env))
    out["one_file_cached"] = min(runs, key=lambda r: r.wall)
    out["one_file_no_cache"] = measure_in(
        [lambdalint, "check", "--exit-zero", "--no-cache", shown], project.root, tool_env(), repeat=3 * repeat
    )
    shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(project.root, ignore_errors=True)
    return out


def measure_in(command: List[str], cwd: Path, env: Dict[str, str], repeat: int = 1) -> Run:
    """`measure`, from inside the project (pre-commit runs from the repository root)."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return measure(command, env=env, repeat=repeat)
    finally:
        os.chdir(here)


# -- report -------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {cores} cores usable, "
        f"Python {platform.python_version()}, load average at start {load}"
    )


def versions() -> str:
    out = []
    for name in ("lambdalint", "libcst", "fixit", "pythaw", "flake8", "ruff", "moto", "botocore"):
        try:
            from importlib.metadata import version

            out.append(f"{name} {version(name)}")
        except Exception:
            pass
    return ", ".join(out)


def table(rows, reference: Dict[str, Dict[str, Run]]) -> str:
    lines = [
        "| corpus | tool | files | wall s | files/s | vs lambdalint cold N jobs | peak MB | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for corpus, label, files, run, note in rows:
        if run is None:
            lines.append(f"| {corpus} | {label} | {files} | – | – | – | – | {note} |")
            continue
        cold = next(r for k, r in reference[corpus].items() if k.startswith("lambdalint cold") and "1 job" not in k)
        ratio = run.wall / cold.wall
        failed = "" if run.code in (0, 1) else f" (exit {run.code})"
        lines.append(
            f"| {corpus} | {label} | {files} | {run.wall:.2f} | {files / run.wall:.0f} | "
            f"{ratio:.2f}× | {run.peak_mb:.0f} | {note}{failed} |"
        )
    return "\n".join(lines)


def scale_table(rows, phases: Dict[int, dict], model: Optional[dict]) -> str:
    lines = [
        "| files | reach LibCST | units (largest) | cold s | ms per file | × per-file cost at the smallest | "
        "warm s | cold ÷ warm | peak MB (any process) | 1 job in-process: MB after set-up / after lint |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    base = rows[0][2].wall / rows[0][1]
    for size, files, cold, warm in rows:
        ph = phases[size]
        lines.append(
            f"| {files} | {ph['libcst_files']} | {ph['units']} ({ph['largest_unit']}) | {cold.wall:.2f} | "
            f"{1000 * cold.wall / files:.2f} | {cold.wall / files / base:.2f}× | {warm.wall:.2f} | "
            f"{cold.wall / warm.wall:.1f}× | {cold.peak_mb:.0f} | {ph['prepare']:.0f} / {ph['check']:.0f} |"
        )
    if model:
        lines += [
            "",
            f"Allocations of the project model after set-up, {rows[-1][1]} files (tracemalloc, "
            f"{model['total_mb']:.1f} MB traced in all), largest sites:",
            "",
        ]
        lines += [f"- `{site}`: {mb:.1f} MB" for site, mb in model["top"]]
    return "\n".join(lines)


def incremental_table(inc: dict) -> str:
    cold, warm, edited = inc["cold"], inc["warm"], inc["edited"]
    return "\n".join(
        [
            "| run | wall s | × warm | cold ÷ this | files analysed again |",
            "|---|---:|---:|---:|---:|",
            f"| cold (`--no-cache`) | {cold.wall:.2f} | {cold.wall / warm.wall:.1f}× | 1.0× | all |",
            f"| warm, nothing changed | {warm.wall:.2f} | 1.0× | {cold.wall / warm.wall:.1f}× | 0 |",
            f"| warm after editing `{inc['helper']}` | {edited.wall:.2f} | {edited.wall / warm.wall:.1f}× | "
            f"{cold.wall / edited.wall:.1f}× | {inc['reanalysed']} |",
            "",
            f"The edited helper and the handlers importing it: {inc['dependents']} files; its import-connected "
            f"group (a unit, linted together): {inc['group']} files; analysed again: {inc['reanalysed']}.",
        ]
    )


def targets(results: Dict[str, Dict[str, Run]], one: Dict[str, Run], jobs: int, scale_rows, inc: Optional[dict]) -> str:
    mono, dense = results["monorepo"], results["handler-dense"]
    lines = ["| target | goal | measured | verdict |", "|---|---|---:|---|"]

    def row(
        text: str, value: Optional[float], limit: float, unit: str, lower_is_better: bool = True, note: str = ""
    ) -> None:
        goal = f"{'≤' if lower_is_better else '≥'} {limit:g}{unit}"
        if value is None:
            lines.append(f"| {text} | {goal} | – | not measured{': ' + note if note else ''} |")
            return
        ok = value <= limit if lower_is_better else value >= limit
        lines.append(
            f"| {text} | {goal} | {value:.2f}{unit} | {'met' if ok else 'missed'}{' (' + note + ')' if note else ''} |"
        )

    parse = dense["LibCST parse only, 1 core"]
    row(
        "handler-dense, cold, one job ÷ LibCST `parse_module` alone",
        dense["lambdalint cold, 1 job"].wall / parse.wall,
        2.0,
        "×",
    )
    cold_n = mono[f"lambdalint cold, {jobs} jobs"]
    row(
        f"monorepo, cold, all cores ({jobs}) ÷ pythaw (project-wide analysis on)",
        cold_n.wall / mono["pythaw"].wall if "pythaw" in mono else None,
        1.0,
        "×",
        note="" if "pythaw" in mono else "pythaw not installed",
    )
    for corpus, res in (("monorepo", mono), ("handler-dense", dense)):
        row(
            f"{corpus}: cold ÷ warm cache ({jobs} jobs)",
            res[f"lambdalint cold, {jobs} jobs"].wall / res["lambdalint warm cache"].wall,
            20.0,
            "×",
            False,
        )
    for _size, files, cold, warm in scale_rows:
        row(f"synthetic project, {files} files: cold ÷ warm cache", cold.wall / warm.wall, 20.0, "×", False)
    if inc is not None:
        row(
            f"one handler file, pre-commit style, in a {inc['files']}-file project (cache as left by earlier runs)",
            inc["one_file_cached"].wall,
            0.25,
            " s",
        )
        row(
            f"one handler file, pre-commit style, in a {inc['files']}-file project, `--no-cache`",
            inc["one_file_no_cache"].wall,
            0.25,
            " s",
        )
    for corpus, res in (("handler-dense", dense), ("monorepo", mono)):
        base = res.get("flake8 --select LAM, without lambdalint")
        for label in ("cold", "warm cache"):
            run = res.get(f"flake8 --select LAM, lambdalint plugin ({label})")
            row(
                f"{corpus}: flake8 --select LAM ({label}) ÷ flake8 without the plugin",
                run.wall / base.wall if run and base else None,
                1.3,
                "×",
                note="" if run and base else "skipped",
            )
    if inc is not None:
        row(
            f"incremental ({inc['files']} files): files analysed again after editing one helper ÷ "
            f"(that file + its dependents, {inc['dependents']})",
            inc["reanalysed"] / inc["dependents"],
            1.0,
            "×",
        )
    if len(scale_rows) > 1:
        first, last = scale_rows[0], scale_rows[-1]
        row(
            f"per-file cost, {last[1]} files ÷ {first[1]} files (flat)",
            (last[2].wall / last[1]) / (first[2].wall / first[1]),
            1.5,
            "×",
        )
        row(f"peak memory, {last[1]} files (largest process)", last[2].peak_mb, 300.0, " MB")
    if "Fixit 2 (default rules)" in dense:
        row(
            "handler-dense: Fixit per file ÷ lambdalint (1 core each)",
            dense["Fixit 2 (default rules)"].wall / dense["lambdalint cold, 1 job"].wall,
            10.0,
            "×",
            False,
        )
    row(
        "one non-handler file, no project (`lambdalint check util.py`)",
        one["one non-handler file (lambdalint check util.py)"].wall,
        0.15,
        " s",
    )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    try:
        default_jobs = len(os.sched_getaffinity(0))
    except AttributeError:
        default_jobs = os.cpu_count() or 1
    parser.add_argument("--jobs", type=int, default=default_jobs, help="N for the parallel runs (default: all cores)")
    parser.add_argument("--handlers", type=int, default=300, help="files in the handler-dense corpus")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for each corpus run (one-file runs: 3 × N)")
    parser.add_argument("--scale", default="100,1000,10000", help="sizes of the synthetic projects (comma-separated)")
    parser.add_argument(
        "--quick", action="store_true", help="no Fixit, no flake8 on the monorepo, synthetic projects up to 3,000 files"
    )
    parser.add_argument("--slow", action="store_true", help="also run Fixit on the monorepo corpus")
    parser.add_argument("--output", help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)
    if tool("lambdalint") is None:
        parser.error("lambdalint is not installed next to this interpreter")
    sizes = sorted(int(x) for x in args.scale.split(","))
    if args.quick:
        sizes = [n for n in sizes if n <= 3000] or [min(sizes)]

    # Byte-compile every tool's modules once, so no run pays for it (an editable install
    # or PYTHONDONTWRITEBYTECODE would otherwise recompile lambdalint on every start).
    import compileall

    import lambdalint

    compileall.compile_dir(os.path.dirname(lambdalint.__file__), quiet=1)
    for name in ("lambdalint", "fixit", "pythaw", "flake8"):
        found = tool(name)
        if found:
            subprocess.run([found, "--version"], env=tool_env(), capture_output=True)
    started = time.time()
    report = [
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        f"Machine: {machine()}",
        "",
        f"Versions: {versions()}",
        "",
    ]
    library = library_sources()
    with tempfile.TemporaryDirectory(prefix="lambdalint-bench-") as tmp:
        mono_root, dense_root = Path(tmp) / "monorepo", Path(tmp) / "handler-dense"
        mono_root.mkdir()
        label = build_monorepo(mono_root)
        dense_count = build_handler_dense(dense_root, args.handlers)
        report += [
            f"Corpora: monorepo = installed `{label}` sources + fixtures "
            f"({len(python_files(mono_root))} files); handler-dense = fixtures + generated "
            f"variants ({dense_count} files); synthetic projects = services of "
            f"{HANDLERS_PER_SERVICE} handlers + {HELPERS_PER_SERVICE} helpers (28% of the files) and "
            f"library code copied from the installed moto/botocore sources.",
            "",
        ]
        rows: list = []
        results = {
            "monorepo": bench_corpus("monorepo", mono_root, args.jobs, args, rows),
            "handler-dense": bench_corpus("handler-dense", dense_root, args.jobs, args, rows),
        }
        shutil.rmtree(mono_root, ignore_errors=True)
        one = bench_one_file(Path(tmp), 3 * args.repeat)
        scale_rows, phases, model = bench_scale(Path(tmp), sizes, args.jobs, library)
        inc = bench_incremental(Path(tmp), args.jobs, library, args.repeat)
    report += [
        "## Corpora",
        "",
        table(rows, results),
        "",
        "## One file, no project around it",
        "",
        "| run | wall s | peak MB |",
        "|---|---:|---:|",
    ]
    report += [f"| {k} | {r.wall:.3f} | {r.peak_mb:.0f} |" for k, r in one.items()]
    report += [
        "",
        f"## Scale: synthetic projects, cold on {args.jobs} jobs",
        "",
        scale_table(scale_rows, phases, model),
    ]
    report += [
        "",
        f"## Incremental: {inc['files']}-file synthetic project, {args.jobs} jobs",
        "",
        incremental_table(inc),
        "",
        f"One handler file linted alone from the project root (pre-commit), best of {3 * args.repeat}: "
        f"{inc['one_file_cached'].wall:.3f} s with the cache, {inc['one_file_no_cache'].wall:.3f} s with "
        f"`--no-cache`.",
    ]
    report += [
        "",
        "## Goals (ratios from this run)",
        "",
        targets(results, one, args.jobs, scale_rows, inc),
        "",
        f"Run took {(time.time() - started) / 60:.1f} minutes.",
    ]
    text = "\n".join(report)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
