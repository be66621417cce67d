"""File names, code and template values from strangers cannot break an output format:
every format stays parseable, valid UTF-8, and says exactly what JSON says.

The project is made in tmp_path (file names with newlines, `::`, `%`, control characters
and bytes that are not UTF-8 cannot be checked in).  Each file holds the same finding, a
client built from a string literal full of workflow-command text and a terminal escape.
"""

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import lambdalint_command
from test_output_formats import sarif_schema

CODE = '''import boto3


def lambda_handler(event, context):
    s3 = boto3.client(
        "s3::error file=x.py::pwned %0A %25 ##[error]x \x1b[31m \x07",
    )
    return s3
'''
NAMES = [
    "new\nline.py",
    "cr\rx.py",
    "::error file=x::pwned.py",
    "100%25,a:b.py",
    "ctl\x01\x1b[31m.py",
    "[red]rich.py",
    "##[add-mask]legacy.py",
    "space name.py",
    "ünïcode.py",
    "<tag & 'quote'>.py",
]
TEMPLATE = (
    'Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n'
    '    Properties: {Runtime: python3.12, CodeUri: ., Handler: "app.\\n::error::pwned%0A\\u0007"}\n'
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_names")
    for name in NAMES:
        (root / name).write_text(CODE)
    with open(os.path.join(os.fsencode(root), b"bad\xff.py"), "wb") as f:
        f.write(CODE.encode())
    (root / "nul\x1b.py").write_bytes(b"x = 1\x00\n")
    (root / "template.yaml").write_text(TEMPLATE)
    return root


def run(root, fmt, *extra):
    """Raw bytes of stdout (no decoding by the test: invalid UTF-8 must fail it)."""
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    result = subprocess.run(
        [lambdalint_command(), "check", "--no-cache", "--format", fmt, *extra, "."],
        cwd=root,
        capture_output=True,
        env=env,
        timeout=300,
    )
    stderr = result.stderr.decode("utf-8")
    assert "Traceback" not in stderr, stderr
    assert result.returncode == 1, stderr
    return result.stdout.decode("utf-8"), stderr  # strict: the output is valid UTF-8


@pytest.fixture(scope="module")
def expected(hostile):
    doc = json.loads(run(hostile, "json")[0])
    return doc


def test_json_is_valid_and_names_every_file(hostile, expected):
    paths = {f["path"] for f in expected["findings"] if f["code"] == "LAM201"}
    assert paths == set(NAMES) | {"bad\ufffd.py"}
    assert {e["path"] for e in expected["errors"]} == {"nul\x1b.py"}
    (lam304,) = [f for f in expected["findings"] if f["code"] == "LAM304"]
    assert "\n::error::pwned" in lam304["message"]
    text = json.dumps(expected)
    assert not re.search(r"\\ud[89a-f]", text)  # no lone surrogate: strict JSON parsers take it


def _unescape(value, prop):
    if prop:
        value = value.replace("%3A", ":").replace("%2C", ",")
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


GITHUB = re.compile(r"^::(warning|error) ((?:[A-Za-z]+=[^,:]*)(?:,[A-Za-z]+=[^,:]*)*)::(.*)$")


def test_github_commands_are_one_per_line_and_round_trip(hostile, expected):
    out, _ = run(hostile, "github")
    lines = out.splitlines()
    assert len(lines) == len(expected["findings"]) + len(expected["errors"])
    seen = set()
    for line in lines:
        match = GITHUB.match(line)
        assert match, line
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f]", line), repr(line)
        props = dict(item.split("=", 1) for item in match.group(2).split(","))
        file = _unescape(props["file"], True)
        message = _unescape(match.group(3), False)
        seen.add((file, message))
    wanted = {(f["path"], f["message"]) for f in expected["findings"]} | {
        (e["path"], e["message"]) for e in expected["errors"]
    }

    def visible(pair):  # control characters become U+FFFD in workflow commands
        return tuple(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "\ufffd", s) for s in pair)

    assert seen == {visible(p) for p in wanted}


def test_sarif_validates_and_every_uri_is_a_uri(hostile, expected):
    import jsonschema

    out, _ = run(hostile, "sarif")
    document = json.loads(out)
    validator = jsonschema.Draft4Validator(sarif_schema())
    assert not list(validator.iter_errors(document))
    run_ = document["runs"][0]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]]
    for uri in uris:
        assert re.fullmatch(r"[A-Za-z0-9\-._~%!$&'()*+,;=:@/]+", uri), uri
    from urllib.parse import unquote_to_bytes

    named = {os.fsdecode(unquote_to_bytes(u)) for u in uris}
    assert "bad\udcff.py" in named and "new\nline.py" in named  # the exact file, byte for byte
    messages = {r["message"]["text"] for r in run_["results"]}
    assert messages == {f["message"] for f in expected["findings"]}


def test_junit_is_well_formed_xml(hostile, expected):
    out, _ = run(hostile, "junit")
    root = ET.fromstring(out.encode("utf-8"))
    failures = root.findall(".//failure")
    assert len(failures) == len(expected["findings"])
    names = {case.get("file") for case in root.iter("testcase")}
    assert "<tag & 'quote'>.py" in names and "new\nline.py" in names


@pytest.mark.parametrize("fmt", ["concise", "text"])
def test_text_formats_send_no_control_characters_and_no_workflow_commands(hostile, expected, fmt):
    out, err = run(hostile, fmt)
    for stream in (out, err):
        assert "\x1b" not in stream and "\x07" not in stream and "\r" not in stream
        for line in stream.splitlines():
            assert not line.lstrip().startswith("::"), line
    if fmt == "concise":
        assert len(out.splitlines()) == len(expected["findings"])
        assert "new\\nline.py:5:10: LAM201" in out
        assert "./::error file=x::pwned.py:5:10: LAM201" in out


def test_fix_show_fixes_lists_odd_names(tmp_path):
    name = "[red]x.py"
    (tmp_path / name).write_text(CODE)
    result = subprocess.run(
        [lambdalint_command(), "check", "--no-cache", "--fix", "--show-fixes", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert f"- {name}:" in result.stdout


def runner_lines(stream):
    """Lines as the GitHub runner reads a step's output (a bare CR ends one too)."""
    return re.split(r"\r\n|\r|\n", stream)


@pytest.mark.parametrize("fmt", ["concise", "text", "json", "sarif", "junit", "github", "show-handlers"])
def test_no_format_carries_a_legacy_workflow_command(hostile, expected, fmt):
    """actions/runner still runs `##[command]` found anywhere in a line of the log
    (`ActionCommand.TryParse`), so `##[add-mask]` in a file name or a string literal must
    not reach a CI log as is, in any format; the structured formats still read it back."""
    if fmt == "show-handlers":
        result = subprocess.run(
            [lambdalint_command(), "check", "--no-cache", "--show-handlers", "."],
            cwd=hostile,
            capture_output=True,
            timeout=300,
        )
        out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
        assert "legacy.py" in out
    else:
        out, err = run(hostile, fmt)
    for stream in (out, err):
        for line in runner_lines(stream):
            if fmt == "github" and stream is out:
                # each line is a `::` command, which the runner takes before it looks for `##[`
                assert re.match(r"::(warning|error) ", line) or not line, line
                continue
            assert "##[" not in line, line
            assert not line.lstrip().startswith("::"), line
    if fmt in ("json", "sarif"):
        assert "##[add-mask]legacy.py" in json.dumps(json.loads(out), ensure_ascii=False)
    if fmt == "junit":
        names = {case.get("file") for case in ET.fromstring(out.encode("utf-8")).iter("testcase")}
        assert "##[add-mask]legacy.py" in names
    assert "##[add-mask]legacy.py" in {f["path"] for f in expected["findings"]}


def test_xml_text_keeps_exactly_the_characters_xml_1_0_allows():
    """Every code point against the XML 1.0 `Char` production (section 2.2)."""
    import sys

    from lambdalint.escaping import REPLACEMENT, xml_text

    def allowed(c: int) -> bool:
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF

    everything = "".join(map(chr, range(sys.maxunicode + 1)))
    expected = "".join(ch if allowed(ord(ch)) else REPLACEMENT for ch in everything)
    assert xml_text(everything) == expected
