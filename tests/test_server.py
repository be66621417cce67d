"""`lambdalint server` driven over stdio by a real LSP client (pygls's LanguageClient):
initialize, didOpen, didChange, codeAction, shutdown, exit."""

import asyncio
import json
import textwrap
from pathlib import Path

import pytest
from conftest import lambdalint_command, run_cli
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from lambdalint import docs
from lambdalint.registry import all_rules

pytestmark = pytest.mark.slow  # real processes, runners or many CLI runs

TEMPLATE = textwrap.dedent("""
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Reports:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          CodeUri: src/
          Handler: reports.build
""").lstrip()

# `build` is an entry point only because the template names it
REPORTS = textwrap.dedent('''
    import boto3


    def build(payload, ctx):
        # émoji and accents before the call: ranges are in UTF-16 units 🙂
        s3 = boto3.client("s3")
        return s3.list_buckets()
''').lstrip()


class Session:
    """A client session with the installed `lambdalint server`."""

    def __init__(self, root: Path):
        self.root = root
        self.client = LanguageClient("lambdalint-tests", "1")
        self.diagnostics = {}
        self.arrived = asyncio.Event()

        self.messages = []

        @self.client.feature(lsp.WINDOW_LOG_MESSAGE)
        def logged(params):
            self.messages.append(params.message)

        @self.client.feature(lsp.WINDOW_SHOW_MESSAGE)
        def shown(params):
            self.messages.append(params.message)

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: lsp.PublishDiagnosticsParams):
            self.diagnostics[params.uri] = (params.version, params.diagnostics)
            self.arrived.set()

    async def start(self):
        await self.client.start_io(lambdalint_command(), "server")
        result = await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(),
                root_uri=self.root.as_uri(),
                workspace_folders=[lsp.WorkspaceFolder(uri=self.root.as_uri(), name="project")],
            )
        )
        self.client.initialized(lsp.InitializedParams())
        return result

    async def wait_for(self, uri, version, timeout=60):
        deadline = asyncio.get_running_loop().time() + timeout
        while self.diagnostics.get(uri, (None,))[0] != version:
            left = deadline - asyncio.get_running_loop().time()
            assert left > 0, f"no diagnostics for {uri} version {version}: {self.diagnostics}"
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout=left)
            except asyncio.TimeoutError:
                pass
        return self.diagnostics[uri][1]

    async def stop(self):
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await asyncio.sleep(0.2)
        await self.client.stop()


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, timeout=240))


def test_diagnostics_code_actions_and_changes(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.lambdalint]\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "src").mkdir()
    path = tmp_path / "src" / "reports.py"
    path.write_text("# the saved file differs from the buffer\n")
    uri = path.as_uri()

    async def scenario():
        session = Session(tmp_path)
        init = await session.start()
        assert init.server_info.name == "lambdalint"
        assert list(init.capabilities.code_action_provider.code_action_kinds) == [
            lsp.CodeActionKind.QuickFix,
            "source.fixAll.lambdalint",
        ]
        session.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=1, text=REPORTS)
            )
        )
        first = await session.wait_for(uri, 1)
        assert session.messages == []
        assert [(d.code, d.range) for d in first] == [
            ("LAM201", lsp.Range(start=lsp.Position(line=5, character=9), end=lsp.Position(line=5, character=27)))
        ]
        diagnostic = first[0]
        assert diagnostic.source == "lambdalint"
        assert diagnostic.severity == lsp.DiagnosticSeverity.Warning
        assert diagnostic.code_description.href == all_rules()["LAM201"].docs_url()
        assert diagnostic.message.startswith("AWS SDK client `boto3.client(\"s3\")` is created on every")
        assert "\nhelp: Move `s3 = boto3.client(\"s3\")` out of `build`" in diagnostic.message

        actions = await session.client.text_document_code_action_async(
            lsp.CodeActionParams(
                text_document=lsp.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=lsp.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        titles = [a.title for a in actions]
        assert titles == [
            "LAM201: move `s3 = ...` to module level",
            "Disable LAM201 for this line",
            "lambdalint: apply all safe fixes",
        ]
        fix = actions[0]
        assert fix.kind == lsp.CodeActionKind.QuickFix and fix.is_preferred
        fixed = apply_edits(REPORTS, fix.edit.changes[uri])
        assert 's3 = boto3.client("s3")\n\n\ndef build(payload, ctx):' in fixed
        noqa = apply_edits(REPORTS, actions[1].edit.changes[uri])
        assert '    s3 = boto3.client("s3")  # noqa: LAM201\n' in noqa

        # an edit (incremental, as editors send them) that makes the finding go away
        session.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(
                            start=lsp.Position(line=5, character=27), end=lsp.Position(line=5, character=27)
                        ),
                        text="  # noqa: LAM201",
                    )
                ],
            )
        )
        assert list(await session.wait_for(uri, 2)) == []
        # ...and several quick edits, linted once they stop (debounced), with the last text
        for version in (3, 4, 5):
            session.client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[
                        lsp.TextDocumentContentChangeWholeDocument(text=fixed if version < 5 else REPORTS)
                    ],
                )
            )
        last = await session.wait_for(uri, 5)
        assert [(d.code, d.range.start.line) for d in last] == [("LAM201", 5)]
        assert 3 not in [session.diagnostics[uri][0]]

        session.client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )
        await asyncio.sleep(0.5)
        assert list(session.diagnostics[uri][1]) == []
        await session.stop()
        return session

    session = run(scenario())
    assert session.client._server.returncode == 0  # exited after `exit`, cleanly
    assert path.read_text() == "# the saved file differs from the buffer\n"  # nothing written


def apply_edits(text, edits):
    """Apply LSP TextEdits (UTF-16 positions) to `text`."""
    lines = text.splitlines(keepends=True)

    def offset(position):
        before = "".join(lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le")
        return len(before) + len(units)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
        lines = text.splitlines(keepends=True)
    return text


def test_the_same_findings_as_check(tmp_path):
    """Every example the docs show: the server's diagnostics are check's findings."""
    cases = []
    for code, rule in all_rules().items():
        folder = tmp_path / code
        folder.mkdir()
        (folder / "handler.py").write_text(rule.invalid[0].source)
        settings = dict(rule.example_config)  # settings found from the file, as for check
        if rule.opt_in:
            settings["extend_select"] = [code]
        if settings:
            (folder / "pyproject.toml").write_text(docs.example_config_toml(settings))
        cases.append((folder, code, rule))

    async def scenario():
        session = Session(tmp_path)
        await session.start()
        out = {}
        for folder, code, rule in cases:
            uri = (folder / "handler.py").as_uri()
            session.client.text_document_did_open(
                lsp.DidOpenTextDocumentParams(
                    text_document=lsp.TextDocumentItem(
                        uri=uri, language_id="python", version=1, text=rule.invalid[0].source
                    )
                )
            )
            out[code] = await session.wait_for(uri, 1)
        await session.stop()
        return out

    published = run(scenario())
    for folder, code, _rule in cases:
        check = json.loads(run_cli("check", "--no-cache", "--format", "json", "handler.py", cwd=folder).stdout)
        assert code in {f["code"] for f in check["findings"]}
        expected = sorted(
            (f["code"], f["line"] - 1, f["column"] - 1, f["end_line"] - 1, f["end_column"] - 1)
            for f in check["findings"]
        )
        got = sorted(
            (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
            for d in published[code]
        )
        assert got == expected, code
