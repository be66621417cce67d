"""Property tests: on arbitrary valid modules the engine never raises, every finding lies
inside the file, and every fix parses, is idempotent, and (for safe fixes) leaves the
module's AST unchanged apart from the statements it moves.

Bounded for CI; for a long session see docs/fuzzing.md (LAMBDALINT_FUZZ_EXAMPLES)."""

import ast
import os
import textwrap

import pytest
from conftest import fixture_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.config import Config
from lambdalint.engine import Options, fix_text, lint_text, unified_diff
from lambdalint.source import source_lines

EXAMPLES = int(os.environ.get("LAMBDALINT_FUZZ_EXAMPLES") or 0)
# Generated code says odd things like `1()`; compiling it warns, which is not a finding.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::SyntaxWarning")]


def fuzz_settings(ci_examples: int):
    return settings(
        max_examples=EXAMPLES or ci_examples,
        deadline=None,  # shared, noisy machines: no timing in tests
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# -- the properties ---------------------------------------------------------------------


def function_names(source: str):
    """Every function in the module, so arbitrary code also runs the invocation-path rules."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    return sorted({n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})


def options_for(source: str, path: str, every_function: bool) -> Options:
    entry_points = {os.path.realpath(path): function_names(source)} if every_function else {}
    return Options(Config(), entry_points=entry_points)


def assert_findings_inside(source: str, findings):
    lines = source_lines(source) or [""]
    for f in findings:
        assert 1 <= f.line <= f.end_line <= len(lines), f
        assert 1 <= f.column <= len(lines[f.line - 1]) + 1, f
        assert 1 <= f.end_column <= len(lines[f.end_line - 1]) + 1, f
        if f.line == f.end_line:
            assert f.column <= f.end_column, f
        assert f.message and "\n" not in f.message and f.suggestion, f


def _strip(tree: ast.AST, removed) -> str:
    """The tree's dump without statements whose dump is in `removed` and without `pass`."""

    class Strip(ast.NodeTransformer):
        def generic_visit(self, node):
            super().generic_visit(node)
            for name in ("body", "orelse", "finalbody"):
                block = getattr(node, name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    setattr(
                        node, name, [s for s in block if not isinstance(s, ast.Pass) and ast.dump(s) not in removed]
                    )
            return node

    return ast.dump(Strip().visit(tree))


def assert_only_moved(before: str, after: str):
    """`after` is `before` with some nested statements moved to module level (plus
    imports): removing those everywhere (and `pass` fillers) gives the same AST."""
    old, new = ast.parse(before), ast.parse(after)
    old_top = {ast.dump(s) for s in old.body}
    nested_before = {ast.dump(n) for n in ast.walk(old) if isinstance(n, ast.stmt)} - old_top
    moved = {
        ast.dump(s)
        for s in new.body
        if ast.dump(s) not in old_top and (ast.dump(s) in nested_before or isinstance(s, ast.Import))
    }
    assert _strip(old, moved) == _strip(new, moved), after


def assert_fixes_sound(source: str, path: str, options: Options):
    compiles = _compiles(source)
    for level in ("safe", "unsafe"):
        fixed, applied, last = fix_text(source, path, options, level)
        if not applied:
            assert fixed == source
            continue
        ast.parse(fixed)  # a fix never leaves code that does not parse
        if compiles:
            assert _compiles(fixed), fixed
        assert not last.errors, last.errors
        # Stable: nothing applicable is left, and fixing again changes nothing.
        assert not [f for f in last.findings if f.fix and (level == "unsafe" or f.fix.applicability == "safe")], fixed
        again, applied_again, _ = fix_text(fixed, path, options, level)
        assert (again, applied_again) == (fixed, 0)
        if level == "safe":
            assert_only_moved(source, fixed)


def _compiles(source: str) -> bool:
    try:
        compile(source, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def assert_engine_sound(source: str, every_function: bool, path: str = "fuzzed.py"):
    options = options_for(source, path, every_function)
    result = lint_text(source, path, options)
    assert not [e for e in result.errors if "internal error" in e.message], result.errors
    assert_findings_inside(source, result.findings)
    if result.findings:
        assert_fixes_sound(source, path, options)
    return result


# -- arbitrary valid modules (hypothesmith) ---------------------------------------------

try:
    import hypothesmith
except ImportError:  # optional: the generated-handler tests below still run
    hypothesmith = None

needs_hypothesmith = pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")


@needs_hypothesmith
@fuzz_settings(ci_examples=20)
@given(source=hypothesmith.from_node() if hypothesmith else st.nothing(), every_function=st.booleans())
def test_arbitrary_modules(source, every_function):
    assert_engine_sound(source, every_function)


@needs_hypothesmith
@fuzz_settings(ci_examples=10)
@given(source=hypothesmith.from_grammar() if hypothesmith else st.nothing())
def test_arbitrary_grammar_inside_a_handler(source):
    body = textwrap.indent(source, "    ") if source.strip() else "    pass\n"
    wrapped = "import boto3\n\n\ndef lambda_handler(event, context):\n" + body + "\n    return boto3.client('s3')\n"
    assert_engine_sound(wrapped, every_function=False)


# -- handler modules built from pieces, so the rules and fixes really run ---------------

IMPORTS = [
    "import boto3",
    "import boto3 as b3",
    "from boto3 import client, resource",
    "import os",
    "import requests",
    "import functools",
    "from botocore.config import Config",
    "import psycopg2",
    "import redis",
]
CONSTRUCTORS = [
    'boto3.client("s3")',
    'boto3.resource("dynamodb")',
    'b3.client("sqs")',
    'boto3.client("ssm", region_name=os.environ["AWS_REGION"])',
    'client("s3")',
    'resource("s3")',
    "requests.Session()",
    'boto3.Session().client("s3")',
    'boto3.session.Session(profile_name="p")',
    'boto3.client("s3", config=Config(retries={"max_attempts": 3}))',
    "boto3.client(SERVICE)",
    "boto3.client(service)",
    'boto3.client("s3", region_name=event["region"])',
    'psycopg2.connect(os.environ["DSN"])',
    'redis.Redis(host=HOST)',
    "boto3.client(*ARGS)",
]
NAMES = ["s3", "client", "db", "table", "http", "SERVICE", "service", "conn", "x"]
GLOBALS = [
    'SERVICE = "s3"',
    'HOST = os.environ.get("HOST", "localhost")',
    "s3 = None",
    "client = None",
    "CACHE = {}",
    'ARGS = ("s3",)',
    "db = boto3.client('rds')",
    "x: int = 1",
    "if os.environ.get('X'):\n    s3 = None",
    "try:\n    import ujson as json\nexcept ImportError:\n    import json",
]
WRAPPERS = [
    "if event:",
    "if event.get('a'):",
    "for item in event['records']:",
    "while event.get('more'):",
    "with open('/tmp/x') as f:",
    "try:",
    "if True:",
]


@st.composite
def statement(draw):
    ctor = draw(st.sampled_from(CONSTRUCTORS))
    name = draw(st.sampled_from(NAMES))
    shapes = [
        *[f"{name} = {ctor}"] * 6,  # the fixable shape, weighted so safe fixes run often
        f"{name}: object = {ctor}",
        f"{name} = {ctor}  # trailing comment",
        f"# a comment above\n{name} = {ctor}",
        f"{name} = {ctor}; {name}.use()",
        f"{ctor}.do_work(event)",
        f"return {ctor}",
        f"with {ctor} as {name}:\n    {name}.use()",
        f"{name} = {ctor}\n{name}.close()",
        f"global {name}\n{name} = {ctor}",
        f"global {name}\nif {name} is None:\n    {name} = {ctor}",
        f"service = event['service']\n{name} = {ctor}",
        f"{name} = {ctor}\n{name} = {ctor}",
        f"a, b = {ctor}, {ctor}",
        f"result = [{ctor} for _ in range(2)]",
        f"lambda: {ctor}",
        "pass",
    ]
    code = draw(st.sampled_from(shapes))
    for wrapper in draw(st.lists(st.sampled_from(WRAPPERS), max_size=2)):
        inner = textwrap.indent(code, "    ")
        code = f"{wrapper}\n{inner}"
        if wrapper == "try:":
            code += "\nexcept Exception:\n    pass"
    return code


def function(name: str, params: str, statements, is_async=False) -> str:
    body = textwrap.indent("\n".join(statements) or "pass", "    ")
    return f"{'async ' if is_async else ''}def {name}({params}):\n{body}\n"


@st.composite
def handler_module(draw):
    # boto3 and os are nearly always imported, or most constructors would not resolve.
    imports = ["import boto3", "import os"] if draw(st.integers(0, 9)) else []
    imports += draw(st.lists(st.sampled_from(IMPORTS), unique=True, max_size=4))
    parts = ["\n".join(dict.fromkeys(imports))]
    parts += draw(st.lists(st.sampled_from(GLOBALS), unique=True, max_size=3))
    helper_calls = []
    for index in range(draw(st.integers(0, 2))):
        helper = f"helper_{index}"
        decorators = draw(st.sampled_from(["", "@functools.cache\n", "@functools.lru_cache(maxsize=8)\n"]))
        parts.append(
            decorators
            + function(
                helper, draw(st.sampled_from(["", "event"])), draw(st.lists(statement(), min_size=1, max_size=3))
            )
        )
        helper_calls.append(f"{helper}({'event' if 'event' in parts[-1].split(':', 1)[0] else ''})")
    body = draw(st.lists(statement(), min_size=1, max_size=4))
    body += draw(st.lists(st.sampled_from(helper_calls), max_size=2)) if helper_calls else []
    if draw(st.booleans()):
        inner = function("inner", "", draw(st.lists(statement(), min_size=1, max_size=2)))
        body += [inner, "inner()"]
    kind = draw(st.sampled_from(["lambda_handler", "handler", "process", "async", "class"]))
    if kind == "class":
        parts.append(
            "class Handler:\n"
            + textwrap.indent(function("__call__", "self, event, context", body), "    ")
            + "\n\nhandler = Handler()\n"
        )
    elif kind == "process":
        parts.append(function("process", "evt, ctx", body))
    else:
        parts.append(function("handler" if kind == "async" else kind, "event, context", body, kind == "async"))
    separator = draw(st.sampled_from(["\n\n\n", "\n"]))
    source = separator.join(p for p in parts if p) + "\n"
    return source.replace("\n", "\r\n") if draw(st.booleans()) and "\r" not in source else source


@fuzz_settings(ci_examples=150)
@given(source=handler_module())
def test_generated_handler_modules(source):
    ast.parse(source)  # the strategy only builds valid Python
    assert_engine_sound(source, every_function=False)


# -- regressions found by the fuzzer ----------------------------------------------------


def test_handler_returning_a_client_is_not_given_a_cache_decorator():
    # The unsafe fix decorated the handler itself with @functools.cache (the event is
    # unhashable) and, the finding staying, again on every pass.
    source = "import boto3\n\n\ndef lambda_handler(event, context):\n    return boto3.client('s3')\n"
    result = assert_engine_sound(source, every_function=False)
    assert [(f.code, f.fix) for f in result.findings] == [("LAM201", None)]


def test_form_feeds_and_other_unicode_line_breaks_do_not_shift_lines(tmp_path):
    # str.splitlines() breaks on \x0c and \x1e, Python does not: noqa, the source line
    # shown and --diff all numbered lines after a form feed wrongly.
    source = (
        "import boto3\n\x0c\n# section\x1e two\n\n\ndef lambda_handler(event, context):\n"
        "    s3 = boto3.client('s3')  # noqa: LAM201\n    sqs = boto3.client('sqs')\n"
        "    return s3, sqs\n"
    )
    result = assert_engine_sound(source, every_function=False)
    assert [(f.line, f.code) for f in result.findings] == [(8, "LAM201")]
    diff = unified_diff(source, source.replace("sqs", "sns"), "app.py")
    assert all(line[:1] in " +-@" for line in diff.split("\n")[:-1]), diff


# -- mutated real handlers, linted as one project ---------------------------------------
#
# Handlers half-typed in an editor or broken by a bad merge: lines and characters of the
# fixture handlers deleted or repeated, three such modules importing one another in a
# cycle and a module that does not exist, linted together through the whole pipeline
# (project model, import graph, units), with and without `--fix --unsafe-fixes`.

HANDLER_TEXTS = [text for text in (p.read_text(encoding="utf-8") for p in fixture_files()) if "def " in text]


@st.composite
def _mutated(draw):
    lines = draw(st.sampled_from(HANDLER_TEXTS)).splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 4))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete line", "repeat line", "delete characters", "cut here"]))
        if action == "delete line":
            del lines[index]
        elif action == "repeat line":
            lines.insert(index, lines[index])
        elif action == "cut here":
            lines = lines[: index + 1]
        else:
            line = lines[index]
            start = draw(st.integers(0, len(line)))
            lines[index] = line[:start] + line[start + draw(st.integers(1, 8)) :]
    return "".join(lines)


def assert_project_sound(modules, fix):
    import tempfile

    from lambdalint import pipeline
    from lambdalint.pipeline import Request

    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "pkg"))
        files = {
            "pyproject.toml": '[project]\nname = "fuzzed"\n',
            "pkg/__init__.py": "from pkg.a import *\n",
            "pkg/a.py": "from pkg import b\nfrom . import handler_helpers\n" + modules[0],
            "pkg/b.py": "import pkg.a as a\nfrom pkg.missing import nothing\n" + modules[1],
            "handler.py": "from pkg import a, b\nimport not_installed_anywhere\n" + modules[2],
        }
        for name, text in files.items():
            with open(os.path.join(root, name), "w", encoding="utf-8", newline="") as f:
                f.write(text)
        request = Request(paths=["."], cwd=root, cache=False, jobs=1, fix="unsafe" if fix else None)
        reports = pipeline.check(pipeline.prepare(request))
        for report in reports:
            for error in report.errors:
                assert "internal error" not in error.message, (report.path, error.message)
            if report.path.endswith(".py") and not fix:
                with open(os.path.join(root, report.path), encoding="utf-8", newline="") as f:
                    count = len(source_lines(f.read()))
                for finding in report.findings:
                    assert 1 <= finding.line <= max(count, 1) + 1, (report.path, finding)
        if fix:  # every fixed module still parses where the original did
            for name, text in files.items():
                if name.endswith(".py"):
                    with open(os.path.join(root, name), encoding="utf-8", newline="") as f:
                        fixed = f.read()
                    if fixed != text and _parses(text):
                        assert _parses(fixed), (name, fixed)


def _parses(text):
    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


@fuzz_settings(ci_examples=25)
@given(modules=st.lists(_mutated(), min_size=3, max_size=3), fix=st.booleans())
def test_mutated_handlers_linted_as_one_project(modules, fix):
    assert_project_sound(modules, fix)
