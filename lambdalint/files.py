"""Reading and writing the files lambdalint lints, never losing a byte.

Reads never block on FIFOs and name what is wrong; writes are atomic (a temporary file
renamed over the original), keep mode, owner, encoding, BOM and line endings, and refuse
to replace a file that changed since it was read.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
from typing import Dict, Optional, Tuple

from lambdalint.model import FileError
from lambdalint.source import Source, SourceError, decode


class RealPaths:
    """`os.path.realpath` for many files of few directories: each directory is resolved
    once, then a file costs one `lstat` (is it a symbolic link?) instead of one per path
    component.  Short-lived (one set-up): a directory replaced by a link meanwhile is not
    seen."""

    def __init__(self) -> None:
        self._directories: Dict[str, str] = {}
        self._cwd = os.getcwd()

    def __call__(self, path: str) -> str:
        if not os.path.isabs(path):
            path = os.path.join(self._cwd, path)  # as realpath would (paths given on the command line)
        directory, name = os.path.split(path)
        if not name or name in (".", "..") or ".." in directory.split(os.sep):
            return os.path.realpath(path)  # the general case: resolved as the system does
        real = self._directories.get(directory)
        if real is None:
            real = self._directories[directory] = os.path.realpath(directory)
        candidate = os.path.join(real, name)
        return os.path.realpath(candidate) if os.path.islink(candidate) else candidate


def read_source(path: str) -> Tuple[Optional[bytes], Optional[Source], Optional[FileError], str]:
    problem = _unreadable_kind(path)
    if problem is not None:
        return None, None, FileError(path, problem), path
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        return None, None, FileError(path, "is a directory, not a Python file"), path
    except PermissionError:
        return None, None, FileError(path, "cannot read: permission denied"), path
    except OSError as exc:
        return None, None, FileError(path, f"cannot read: {exc.strerror or exc}"), path
    return (*decoded(data, path), path)


def decoded(data: bytes, path: str) -> Tuple[bytes, Optional[Source], Optional[FileError]]:
    try:
        return data, decode(data), None
    except SourceError as exc:
        return data, None, FileError(path, str(exc))


def _unreadable_kind(path: str) -> Optional[str]:
    """Why `path` is not a file we can read, found without opening it (opening a FIFO
    would block the run forever)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if os.path.islink(path):
            if exc.errno == errno.ELOOP:
                return "cannot read: symbolic link loop"
            return f"cannot read: dangling symbolic link to {os.readlink(path)!r}"
        return None  # let open() report it
    if stat.S_ISDIR(mode):
        return "is a directory, not a Python file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device); skipped"
    return None


def write_fixed(path: str, source: Source, new_text: str, original: bytes) -> Optional[str]:
    try:
        data = source.encode(new_text)
    except UnicodeEncodeError as exc:
        return (
            f"cannot write fix: the fixed code has {exc.object[exc.start : exc.end]!r}, "
            f"which {source.encoding} cannot encode; not fixed"
        )
    return write_atomic(path, data, original)


def write_atomic(path: str, data: bytes, expected_old: Optional[bytes]) -> Optional[str]:
    """Replace `path` with `data` atomically, keeping its mode (and owner when allowed);
    refuse if it changed since it was read.  A symbolic link stays a link: its target is
    replaced."""
    target = os.path.realpath(path)
    try:
        with open(target, "rb") as f:
            if expected_old is not None and f.read() != expected_old:
                return "changed on disk while lambdalint was running; not fixed"
        replace_atomically(target, data, like=os.stat(target))
    except OSError as exc:
        return f"cannot write fix: {exc.strerror or exc}; not fixed"
    return None


def replace_atomically(
    path: str, data: bytes, like: Optional[os.stat_result] = None, durable: bool = True, prefix: str = ".lambdalint-"
) -> None:
    """Write a temporary file beside `path` (never a `.py`, so never linted), then rename
    it over `path`: readers see the old or the new content, never a part.  `like` gives
    the mode and owner to keep.  Ctrl-C is held back until the file is either untouched or
    replaced, and the temporary file is removed on any failure.  Raises OSError."""
    with interrupts_deferred():
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=prefix, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            if like is not None:
                os.chmod(tmp, stat.S_IMODE(like.st_mode))
                _keep_owner(tmp, like)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def _keep_owner(tmp: str, info: os.stat_result) -> None:
    if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(tmp):
        try:
            os.chown(tmp, info.st_uid, info.st_gid)
        except OSError:  # only root may give files away; the mode is what matters
            pass


def _owner(path: str) -> Tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


@contextlib.contextmanager
def interrupts_deferred():
    """Hold SIGINT back for the duration (main thread only) and raise KeyboardInterrupt
    after it, so an interrupted --fix never leaves a half-done file operation."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
