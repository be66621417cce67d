"""Text from the code (file names, messages quoting it, snippets) made safe for the format
it is written into.

lambdalint lints strangers' pull requests, so a file may be named `new\nline.py` or
`::error::x.py`, a string literal may hold an escape sequence for the terminal, and a file
name may hold bytes that are not UTF-8 (Python gives them as lone surrogates, which no
UTF-8 stream can carry).  Each output format escapes what its syntax requires, here:

- GitHub workflow commands (`::warning file=...::message`): `%`, CR and LF in the message,
  also `:` and `,` in properties, as the runner unescapes them;
- XML (JUnit): characters XML 1.0 cannot carry even escaped;
- JSON and SARIF: lone surrogates (the json module escapes the rest);
- terminals (text and concise): control characters, shown as `\\xNN`, and no line that a
  GitHub Actions log would take for a workflow command.

A GitHub Actions log is read for commands whatever the format: besides `::command::` at the
start of a line, the runner still honours the legacy `##[command]` anywhere in a line
(`ActionCommand.TryParse` in actions/runner: `message.IndexOf("##[")`), so `##[add-mask]x`
inside a quoted string literal would mask text in the log.  Every format writes `##[` in a
form that reads back the same and that the runner does not match: `#\\x23[` on a terminal,
`#\\u0023[` in JSON and SARIF, `#&#35;[` in XML (where text keeps its line breaks, so a `::`
starting a line is written `&#58;:` too).

What cannot be carried is replaced by U+FFFD (or shown escaped on a terminal), never dropped
silently and never allowed to end a line or a command early.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote

REPLACEMENT = "\ufffd"

# Lone surrogates: the undecodable bytes of a file name (`os.fsdecode`'s surrogateescape).
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls other than tab, CR and LF, DEL, C1 controls, and lone surrogates: nothing a
# line of workflow-command text should carry (the runner would pass them to the log).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters XML 1.0 cannot carry, even escaped: all but TAB, LF, CR, U+0020-U+D7FF,
# U+E000-U+FFFD and U+10000 up.  Spelled as what is left out: the complement of those
# ranges took 7 ms to compile, at the start of every run.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a terminal should not be sent raw from a file name or a line of code.
_TERMINAL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_TERMINAL_KEEP_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def unicode_text(value: str) -> str:
    """`value` without lone surrogates: valid Unicode that any UTF-8 stream can carry."""
    return _SURROGATE.sub(REPLACEMENT, value)


def json_safe(value: Any) -> Any:
    """A JSON-able value with every string (keys included) free of lone surrogates."""
    if isinstance(value, str):
        return unicode_text(value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {json_safe(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def github_data(value: str) -> str:
    """A workflow command's message: `%`, CR and LF escaped as the runner unescapes them."""
    value = _CONTROL.sub(REPLACEMENT, value)
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: str) -> str:
    """A workflow command's property value: as the message, and `:` and `,` too."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry (ElementTree escapes `<`, `&` and quotes)."""
    return _NOT_XML.sub(REPLACEMENT, str(value))


LEGACY_COMMAND = "##["  # the GitHub runner's legacy workflow-command prefix


def terminal_text(value: str, keep_lines: bool = False) -> str:
    """Control characters (and with `keep_lines` false, line breaks) and undecodable bytes
    shown as `\\xNN` / `\\udcNN` instead of being sent to the terminal; no workflow command
    (`##[` anywhere, `::` starting a kept line)."""
    pattern = _TERMINAL_KEEP_LINES if keep_lines else _TERMINAL
    if pattern.search(value):
        value = pattern.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)
    if LEGACY_COMMAND in value:
        value = value.replace(LEGACY_COMMAND, "#\\x23[")
    if keep_lines and "\n" in value and "::" in value:
        value = _COMMAND_LINE.sub(lambda m: m.group(1) + "\\x3a", value)
    return value


_COMMAND_LINE = re.compile(r"(\n[ \t]*):(?=:)")


def json_text(document: str) -> str:
    """Serialised JSON with `##[` written `#\\u0023[` (it only occurs inside strings)."""
    return document.replace(LEGACY_COMMAND, "#\\u0023[")


def xml_document(document: str) -> str:
    """Serialised XML with `##[` written `#&#35;[`, and a `::` that starts a line (text
    content keeps its line breaks) written `&#58;:`: both occur only in text and attribute
    values, where a character reference reads back the same."""
    document = document.replace(LEGACY_COMMAND, "#&#35;[")
    if "::" in document:
        document = _XML_COMMAND_LINE.sub(lambda m: m.group(1) + "&#58;", document)
    return document


_XML_COMMAND_LINE = re.compile(r"((?:^|[\r\n])[ \t]*):(?=:)")


def terminal_path(path: str) -> str:
    """A file name for a line of text output: as `terminal_text`, and never the start of a
    GitHub workflow command (a line that starts with `::`, after blanks, is one when the
    text output is read in a GitHub Actions log): `./` is put in front."""
    path = terminal_text(path)
    return "./" + path if path.lstrip().startswith("::") else path


def file_uri_path(path: str) -> str:
    """A relative path as a URI reference: each byte of the file name percent-encoded, so
    an undecodable name still names that file."""
    return quote(os.fsencode(path))
