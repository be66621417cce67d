#!/usr/bin/env python3
"""Benchmark lambdalint against its limit (LibCST parse) and its peers.

    python benchmarks/run.py [--jobs N] [--handlers 300] [--repeat 1] [--slow] [--output FILE]

Run it with the interpreter of the environment lambdalint is installed in (e.g.
`.venv/bin/python`).  It builds two corpora in a temporary directory:

* monorepo: the installed sources of a large package (moto, else botocore, else the
  standard library) plus the handler fixtures of this repository;
* handler-dense: Lambda handler modules only: the fixtures and generated variants.

and times, on the same files in the same run: lambdalint cold (1 and N jobs) and with a warm
cache, LibCST parse-only (one core), Fixit 2 with its default rules, pythaw, flake8 and ruff
(each when installed; `pip install fixit pythaw ruff` to include them), plus one-file runs
of `lambdalint check`.  Peak memory is the largest resident set of any process of a run
(getrusage RUSAGE_CHILDREN in a wrapper process per measurement).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

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
        out = subprocess.run([sys.executable, "-c", _WRAPPER, *command], env=env or tool_env(),
                             capture_output=True, text=True, check=True).stdout.split()
        run = Run(float(out[0]), int(out[1]) / 1024, int(out[2]))
        if best is None or run.wall < best.wall:
            best = run
    assert best is not None
    return best


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

    add("lambdalint cold, 1 job", measure([*check, "--no-cache", "--jobs", "1", str(root)], repeat=args.repeat))
    add(f"lambdalint cold, {jobs} jobs", measure([*check, "--no-cache", "--jobs", str(jobs), str(root)], repeat=args.repeat))
    measure([*check, "--jobs", str(jobs), str(root)], env=env)  # fill the cache
    add("lambdalint warm cache", measure([*check, "--jobs", str(jobs), str(root)], env=env, repeat=args.repeat))
    shutil.rmtree(cache_dir, ignore_errors=True)
    add("LibCST parse only, 1 core", measure([sys.executable, "-c", _PARSE_ONLY, *files], repeat=args.repeat))

    fixit = tool("fixit")
    if fixit is None:
        add("Fixit 2 (default rules)", None, "not installed: pip install fixit")
    elif name == "monorepo" and not args.slow:
        add("Fixit 2 (default rules)", None, "skipped on this corpus (minutes); --slow to include")
    else:
        # Fixit lints with a process per core; pin it to one core so that "per file, one
        # core" compares like with like (lambdalint's 1-job run).
        taskset = shutil.which("taskset")
        pin = [taskset, "-c", str(min(os.sched_getaffinity(0)))] if taskset and hasattr(os, "sched_getaffinity") else []
        add("Fixit 2 (default rules)", measure([*pin, fixit, "lint", str(root)], repeat=1),
            "pinned to one core" if pin else "all cores (no taskset)")
    pythaw = tool("pythaw")
    add("pythaw", measure([pythaw, "check", str(root)], repeat=args.repeat) if pythaw else None,
        "" if pythaw else "not installed: pip install pythaw")
    flake8 = tool("flake8")
    add("flake8 (default plugins)", measure([flake8, "--exit-zero", str(root)], repeat=1) if flake8 else None,
        "" if flake8 else "not installed")
    ruff = tool("ruff")
    add("ruff (default rules)", measure([ruff, "check", "--no-cache", "--isolated", "--exit-zero", str(root)],
                                       repeat=args.repeat) if ruff else None,
        "" if ruff else "not installed: pip install ruff")
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
    return (f"{platform.system()} {platform.release()}, {cpu}, {cores} cores usable, "
            f"Python {platform.python_version()}, load average at start {load}")


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
    lines = ["| corpus | tool | files | wall s | files/s | vs lambdalint cold N jobs | peak MB | note |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for corpus, label, files, run, note in rows:
        if run is None:
            lines.append(f"| {corpus} | {label} | {files} | – | – | – | – | {note} |")
            continue
        cold = next(r for k, r in reference[corpus].items() if k.startswith("lambdalint cold") and "1 job" not in k)
        ratio = run.wall / cold.wall
        failed = "" if run.code in (0, 1) else f" (exit {run.code})"
        lines.append(f"| {corpus} | {label} | {files} | {run.wall:.2f} | {files / run.wall:.0f} | "
                     f"{ratio:.2f}× | {run.peak_mb:.0f} | {note}{failed} |")
    return "\n".join(lines)


def targets(results: Dict[str, Dict[str, Run]], one: Dict[str, Run], jobs: int) -> str:
    mono, dense = results["monorepo"], results["handler-dense"]
    lines = ["| target | measured | verdict |", "|---|---|---|"]

    def row(text: str, value: float, limit: float, unit: str, lower_is_better: bool = True) -> None:
        ok = value <= limit if lower_is_better else value >= limit
        if ok:
            verdict = "met"
        elif lower_is_better:
            verdict = f"missed by {value / limit:.2f}× ({value - limit:+.2f}{unit})"
        else:
            verdict = f"missed: {value:.1f}{unit} of {limit:.0f}{unit}"
        lines.append(f"| {text} | {value:.2f}{unit} | {verdict} |")

    cold_n = mono[f"lambdalint cold, {jobs} jobs"]
    if "pythaw" in mono:
        row("monorepo cold, all cores ≤ pythaw (ratio)", cold_n.wall / mono["pythaw"].wall, 1.0, "×")
    parse = dense["LibCST parse only, 1 core"]
    row("handler-dense cold, 1 core ≤ 2 × LibCST parse-only", dense["lambdalint cold, 1 job"].wall / parse.wall, 2.0, "×")
    if "Fixit 2 (default rules)" in dense:
        row("handler-dense: ≥ 10 × faster than Fixit per file (1 core)",
            dense["Fixit 2 (default rules)"].wall / dense["lambdalint cold, 1 job"].wall, 10.0, "×", False)
    for corpus, res in (("monorepo", mono), ("handler-dense", dense)):
        cold = res[f"lambdalint cold, {jobs} jobs"]
        row(f"{corpus}: warm cache ≥ 20 × faster than cold ({jobs} jobs)",
            cold.wall / res["lambdalint warm cache"].wall, 20.0, "×", False)
    peak = max(r.peak_mb for res in results.values() for k, r in res.items() if k.startswith("lambdalint"))
    row("peak memory ≤ 250 MB (largest lambdalint process)", peak, 250.0, " MB")
    row("one handler file ≤ 0.45 s", one["one handler file (lambdalint check handler.py)"].wall, 0.45, " s")
    row("one non-handler file ≤ 0.15 s", one["one non-handler file (lambdalint check util.py)"].wall, 0.15, " s")
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
    parser.add_argument("--slow", action="store_true", help="also run Fixit on the monorepo corpus")
    parser.add_argument("--output", help="also write the report (markdown) to this file")
    args = parser.parse_args(argv)
    if tool("lambdalint") is None:
        parser.error("lambdalint is not installed next to this interpreter")

    # Byte-compile every tool's modules once, so no run pays for it (an editable install
    # or PYTHONDONTWRITEBYTECODE would otherwise recompile lambdalint on every start).
    import compileall

    import lambdalint

    compileall.compile_dir(os.path.dirname(lambdalint.__file__), quiet=1)
    for name in ("lambdalint", "fixit", "pythaw", "flake8"):
        found = tool(name)
        if found:
            subprocess.run([found, "--version"], env=tool_env(), capture_output=True)
    report = [f"Machine: {machine()}", "", f"Versions: {versions()}", ""]
    with tempfile.TemporaryDirectory(prefix="lambdalint-bench-") as tmp:
        mono_root, dense_root = Path(tmp) / "monorepo", Path(tmp) / "handler-dense"
        mono_root.mkdir()
        label = build_monorepo(mono_root)
        dense_count = build_handler_dense(dense_root, args.handlers)
        report += [f"Corpora: monorepo = installed `{label}` sources + fixtures "
                   f"({len(python_files(mono_root))} files); handler-dense = fixtures + generated "
                   f"variants ({dense_count} files).", ""]
        rows: list = []
        results = {
            "monorepo": bench_corpus("monorepo", mono_root, args.jobs, args, rows),
            "handler-dense": bench_corpus("handler-dense", dense_root, args.jobs, args, rows),
        }
        one = bench_one_file(Path(tmp), 3 * args.repeat)
    report += ["## Corpora", "", table(rows, results), "", "## One file", "",
               "| run | wall s | peak MB |", "|---|---:|---:|"]
    report += [f"| {k} | {r.wall:.3f} | {r.peak_mb:.0f} |" for k, r in one.items()]
    report += ["", "## Targets", "", targets(results, one, args.jobs), ""]
    text = "\n".join(report)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
