"""`lambdalint server`: a Language Server (LSP) over standard input and output, on pygls.

For each open Python document it publishes the findings `lambdalint check` reports for
that file, computed by the same pipeline (`lambdalint.pipeline`) with the open buffers
standing in for the files (`Request.sources`): settings and templates are found from the
file's path as for `check`.  Documents are linted when opened and again shortly after
each change (debounced), and every open document when one is saved.

Each finding is a diagnostic with its code, the rule's page as `codeDescription`, and the
suggestion; its fix (when it has one) is a quick fix built from the fix's diff, next to
"Disable CODE for this line" (adds the `# noqa` comment `--add-noqa` would add) and a
"fix all safe fixes" source action.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from lsprotocol import types as lsp
from pygls import uris
from pygls.lsp.server import LanguageServer

from lambdalint import __version__
from lambdalint.model import SAFE, Finding
from lambdalint.source import source_lines

SOURCE = "lambdalint"
DEBOUNCE_SECONDS = 0.3
FIX_ALL_KIND = "source.fixAll.lambdalint"


@dataclass
class Linted:
    """The last result published for a document version."""

    version: Optional[int]
    text: str
    findings: List[Finding] = field(default_factory=list)


class LambdalintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("lambdalint", __version__)
        self.linted: Dict[str, Linted] = {}
        self.pending: Dict[str, asyncio.Task] = {}
        self.lock = threading.Lock()  # one pipeline run at a time (libcst work is CPU-bound)

    # -- linting -----------------------------------------------------------------------------
    def enter_workspace(self) -> None:
        """Work from the workspace's root, as `lambdalint check` run there would: display
        paths (and the settings that match them) are relative to the working directory."""
        folders = [uris.to_fs_path(f.uri) for f in (self.workspace.folders or {}).values()]
        root = self.workspace.root_path or (folders[0] if folders else None)
        if root and os.path.isdir(root):
            os.chdir(root)

    def open_python_sources(self) -> Dict[str, str]:
        out = {}
        for uri, document in self.workspace.text_documents.items():
            path = uris.to_fs_path(uri)
            if path and _is_python(uri, document.language_id):
                out[path] = document.source
        return out

    def lint(self, uri: str) -> Optional[Linted]:
        """Findings of the document at its current version (None: closed, or not Python)."""
        from lambdalint import pipeline

        document = self.workspace.text_documents.get(uri)
        path = uris.to_fs_path(uri)
        if document is None or not path or not _is_python(uri, document.language_id):
            return None
        version, text = document.version, document.source
        sources = self.open_python_sources()
        sources[path] = text
        request = pipeline.Request(paths=[path], sources=sources, jobs=1, fix_diffs=True)
        with self.lock:
            try:
                project, reports = pipeline.run(request)
            except (pipeline.ConfigError, pipeline.PathsNotFound) as exc:
                self.window_show_message(
                    lsp.ShowMessageParams(type=lsp.MessageType.Error, message=f"lambdalint: {exc}")
                )
                return None
        shown = project.display(path)
        mine = [r for r in reports if r.path == shown]
        findings = sorted((f for r in mine for f in r.findings), key=Finding.sort_key)
        if not findings and any(r.errors for r in mine):
            return self.linted.get(uri)  # unparsable while being typed: keep what was shown
        return Linted(version, text, findings)

    async def relint(self, uri: str, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, self.lint, uri)
        except Exception as exc:  # a lambdalint bug: say so, keep serving
            import traceback

            self.window_log_message(
                lsp.LogMessageParams(type=lsp.MessageType.Error, message="lambdalint: " + traceback.format_exc())
            )
            self.window_show_message(
                lsp.ShowMessageParams(
                    type=lsp.MessageType.Error, message=f"lambdalint failed on {uri}: {type(exc).__name__}: {exc}"
                )
            )
            return
        document = self.workspace.text_documents.get(uri)
        if result is None or document is None or document.version != result.version:
            return  # closed, or changed again meanwhile: a newer run is on its way
        self.linted[uri] = result
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(
                uri=uri, version=result.version, diagnostics=[self.diagnostic(uri, f) for f in result.findings]
            )
        )

    def schedule(self, uri: str, delay: float) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self.relint(uri, delay))

    # -- protocol objects --------------------------------------------------------------------
    def to_client(self, uri: str, line: int, column: int) -> lsp.Position:
        """A 0-based (line, code point) position in the client's units (UTF-16 by default)."""
        document = self.workspace.get_text_document(uri)
        position = lsp.Position(line=line, character=column)
        return document.position_to_client_units(position)  # type: ignore[arg-type]  # pygls' alias of lsp.Position

    def range_of(self, uri: str, finding: Finding) -> lsp.Range:
        return lsp.Range(
            start=self.to_client(uri, finding.line - 1, finding.column - 1),
            end=self.to_client(uri, finding.end_line - 1, finding.end_column - 1),
        )

    def diagnostic(self, uri: str, finding: Finding) -> lsp.Diagnostic:
        from lambdalint.registry import all_rules

        rule = all_rules().get(finding.code)
        return lsp.Diagnostic(
            range=self.range_of(uri, finding),
            severity=lsp.DiagnosticSeverity.Warning,
            code=finding.code,
            code_description=lsp.CodeDescription(href=rule.docs_url()) if rule is not None else None,
            source=SOURCE,
            message=f"{finding.message}\nhelp: {finding.suggestion}",
            data={"name": finding.name, "fixable": finding.fix is not None},
        )

    def edits_from_diff(self, uri: str, text: str, diff: str) -> Optional[List[lsp.TextEdit]]:
        """TextEdits equivalent to a unified diff of `text` (None when it does not fit)."""
        from lambdalint.output import diff_replacements

        replacements = diff_replacements(diff, text)
        if not replacements:
            return None
        starts = [0]
        for line in source_lines(text, keepends=True):
            starts.append(starts[-1] + len(line))

        def position(offset: int) -> lsp.Position:
            line = max(i for i, start in enumerate(starts) if start <= offset)
            line = min(line, len(starts) - 1)
            return self.to_client(uri, line, offset - starts[line])

        edits = []
        for item in replacements:
            region = item["deletedRegion"]
            start, end = region["charOffset"], region["charOffset"] + region["charLength"]
            edits.append(
                lsp.TextEdit(
                    range=lsp.Range(start=position(start), end=position(end)),
                    new_text=item.get("insertedContent", {}).get("text", ""),
                )
            )
        return edits

    def code_actions(self, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        uri = params.text_document.uri
        linted = self.linted.get(uri)
        document = self.workspace.text_documents.get(uri)
        if linted is None or document is None or document.version != linted.version:
            return []
        wanted = params.context.only
        actions: List[lsp.CodeAction] = []
        by_key: Dict[Tuple[object, int, int], Finding] = {
            (f.code, self.range_of(uri, f).start.line, self.range_of(uri, f).start.character): f
            for f in linted.findings
        }
        if not wanted or any(k.startswith(lsp.CodeActionKind.QuickFix) for k in wanted):
            for diagnostic in params.context.diagnostics:
                if diagnostic.source != SOURCE:
                    continue
                finding = by_key.get((diagnostic.code, diagnostic.range.start.line, diagnostic.range.start.character))
                if finding is None:
                    continue
                if finding.fix is not None and finding.fix.diff:
                    edits = self.edits_from_diff(uri, linted.text, finding.fix.diff)
                    if edits:
                        actions.append(
                            lsp.CodeAction(
                                title=f"{finding.code}: {finding.fix.description}"
                                + ("" if finding.fix.applicability == SAFE else " (unsafe fix)"),
                                kind=lsp.CodeActionKind.QuickFix,
                                diagnostics=[diagnostic],
                                is_preferred=finding.fix.applicability == SAFE,
                                edit=lsp.WorkspaceEdit(changes={uri: edits}),
                            )
                        )
                noqa = self.noqa_edit(uri, linted.text, finding)
                if noqa is not None:
                    actions.append(
                        lsp.CodeAction(
                            title=f"Disable {finding.code} for this line",
                            kind=lsp.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=lsp.WorkspaceEdit(changes={uri: [noqa]}),
                        )
                    )
        if (not wanted or any(FIX_ALL_KIND.startswith(k) or k.startswith(FIX_ALL_KIND) for k in wanted)) and any(
            f.fix is not None and f.fix.applicability == SAFE for f in linted.findings
        ):
            edits = self.fix_all_edits(uri, linted.text)
            if edits:
                actions.append(
                    lsp.CodeAction(
                        title="lambdalint: apply all safe fixes",
                        kind=FIX_ALL_KIND,
                        edit=lsp.WorkspaceEdit(changes={uri: edits}),
                    )
                )
        return actions

    def noqa_edit(self, uri: str, text: str, finding: Finding) -> Optional[lsp.TextEdit]:
        from lambdalint.addnoqa import add_to_python

        new_text, changed = add_to_python(text, {finding.line: {finding.code}})
        if not changed:
            return None
        old_lines, new_lines = source_lines(text, keepends=True), source_lines(new_text, keepends=True)
        for index, (old, new) in enumerate(zip(old_lines, new_lines)):
            if old != new:
                body = old.rstrip("\r\n")
                return lsp.TextEdit(
                    range=lsp.Range(start=self.to_client(uri, index, 0), end=self.to_client(uri, index, len(body))),
                    new_text=new.rstrip("\r\n"),
                )
        return None

    def fix_all_edits(self, uri: str, text: str) -> Optional[List[lsp.TextEdit]]:
        from lambdalint import pipeline

        path = uris.to_fs_path(uri)
        if path is None:  # not a file: URI
            return None
        sources = self.open_python_sources()
        sources[path] = text
        request = pipeline.Request(
            paths=[path], sources=sources, jobs=1, fix="safe", diff=True, fix_diffs=False, cache=False
        )
        with self.lock:
            project, reports = pipeline.run(request)
        shown = project.display(path)
        for report in reports:
            if report.path == shown and report.diff:
                return self.edits_from_diff(uri, text, report.diff)
        return None


def _is_python(uri: str, language_id: Optional[str]) -> bool:
    return language_id == "python" or uri.endswith((".py", ".pyi"))


def build_server() -> LambdalintServer:
    server = LambdalintServer()

    @server.feature(lsp.INITIALIZED)
    def initialized(ls: LambdalintServer, params: lsp.InitializedParams) -> None:
        ls.enter_workspace()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LambdalintServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0.0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LambdalintServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_SECONDS)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LambdalintServer, params: lsp.DidSaveTextDocumentParams) -> None:
        # a saved module or template can change what the other open documents report
        for uri in list(ls.workspace.text_documents):
            ls.schedule(uri, 0.0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LambdalintServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.linted.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    def code_action(ls: LambdalintServer, params: lsp.CodeActionParams) -> List[lsp.CodeAction]:
        return ls.code_actions(params)

    return server


def serve() -> int:
    build_server().start_io()
    return 0
