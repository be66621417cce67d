#!/usr/bin/env python3
"""Rebuild the real-world corpus from its manifest (standard library only).

    python benchmarks/realworld/rebuild.py OUT_DIR [--manifest FILE] [--repo OWNER/NAME ...]

For every repository of `manifest.json` this writes the files under its `include` paths, as
they are at its pinned `commit`, to `OUT_DIR/<owner>__<name>/<same relative path>`.  Only
the files lambdalint reads are kept: Python sources and infrastructure files (SAM /
CloudFormation templates, `serverless.yml`, `cdk.json`, `pyproject.toml`); tests, vendored
dependencies and tool folders are left out (see `keep()`), and so is anything the entry's
`exclude` globs name.  Paths matching its `force` globs are kept whatever their folder (a
template can name a handler under `tests/`).

The commit is read from a local bare repository when there is one:
`$LAMBDALINT_MIRRORS/<owner>+<name>/` (default `/work/.mirror`), either the git directory
itself or its `repo/` subdirectory.  Otherwise the repository is cloned (blobs on demand)
from https://github.com/<owner>/<name> into `OUT_DIR/.clones/` and the commit fetched.

Running it again rewrites only files whose content differs and removes files that the
manifest no longer selects, so it is idempotent.  A repository that cannot be had is
reported on stderr, naming it, and the others are still rebuilt; the exit code is 1 then.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
DEFAULT_MIRRORS = "/work/.mirror"
MAX_BYTES = 1024 * 1024  # a larger "source" file is generated or vendored

KEEP_NAMES = frozenset(
    {
        "template.yaml",
        "template.yml",
        "template.json",
        "serverless.yml",
        "serverless.yaml",
        "cdk.json",
        "pyproject.toml",
    }
)
KEEP_SUFFIXES = (
    ".py",
    ".template",
    ".template.json",
    ".template.yaml",
    ".template.yml",
)
SKIP_DIRS = frozenset(
    {
        "tests",
        "test",
        "__tests__",
        "node_modules",
        "site-packages",
        ".venv",
        "venv",
        ".tox",
        "__pycache__",
        "cdk.out",
        ".aws-sam",
        ".serverless",
        "build",
        "dist",
        ".git",
        ".eggs",
    }
)


class RebuildError(Exception):
    """This repository cannot be rebuilt; the message says why."""


def keep(path: str) -> bool:
    """Whether a repository file belongs in the corpus (by its path alone)."""
    parts = PurePosixPath(path).parts
    if any(part in SKIP_DIRS or part.endswith((".dist-info", ".egg-info")) for part in parts[:-1]):
        return False
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return False
    if name in KEEP_NAMES or name.endswith(KEEP_SUFFIXES):
        return True
    # CloudFormation/SAM templates under other names: `api-template.yaml`, `x.template.json`
    return "template" in name.lower() and name.endswith((".yaml", ".yml", ".json"))


def vendored_dirs(paths: Iterable[str]) -> list[str]:
    """Directories that hold a pip-installed tree (a `*.dist-info` child): vendored code."""
    found = set()
    for path in paths:
        parts = PurePosixPath(path).parts
        for i, part in enumerate(parts[:-1]):
            if part.endswith((".dist-info", ".egg-info")):
                found.add("/".join(parts[:i]))
    return sorted(found)


def git(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["git", "--git-dir", str(git_dir), *args],
        input=data,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RebuildError(f"git {args[0]} failed: {message[-1] if message else result.returncode}")
    return result.stdout


def has_commit(git_dir: Path, commit: str) -> bool:
    result = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return result.returncode == 0


def mirror_git_dir(mirrors: Path, repo: str) -> Path | None:
    base = mirrors / repo.replace("/", "+")
    for candidate in (base, base / "repo"):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def clone_git_dir(clones: Path, repo: str, commit: str) -> Path:
    """A bare partial clone of the public repository holding `commit` (needs network)."""
    git_dir = clones / repo.replace("/", "+")
    url = f"https://github.com/{repo}.git"
    if not (git_dir / "HEAD").is_file():
        clones.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                "git",
                "clone",
                "--bare",
                "--filter=blob:none",
                "--quiet",
                url,
                str(git_dir),
            ],
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            tail = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RebuildError(f"cannot clone {url}: {tail[-1] if tail else 'git clone failed'}")
    if not has_commit(git_dir, commit):
        try:
            git(git_dir, "fetch", "--quiet", "--filter=blob:none", "origin", commit)
        except RebuildError as error:
            raise RebuildError(f"commit {commit} not available from {url}: {error}") from None
    return git_dir


def find_git_dir(entry: dict, mirrors: Path, clones: Path) -> Path:
    repo, commit = entry["repo"], entry["commit"]
    local = mirror_git_dir(mirrors, repo)
    if local is not None and has_commit(local, commit):
        return local
    return clone_git_dir(clones, repo, commit)


def list_files(git_dir: Path, entry: dict) -> list[tuple[str, str]]:
    """(path, blob id) of the files the entry selects at its commit."""
    commit, include = entry["commit"], entry.get("include") or ["."]
    raw = git(
        git_dir,
        "ls-tree",
        "-r",
        "-z",
        "--long",
        "--full-tree",
        commit,
        "--",
        *[p.rstrip("/") or "." for p in include],
    )
    rows = []
    for record in raw.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, blob, size = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        # regular files only: no symlinks (120000) and no submodules (160000)
        if kind != b"blob" or mode not in (b"100644", b"100755"):
            continue
        if not size.isdigit() or int(size) > MAX_BYTES:
            continue  # "BAD": the blob is absent (snapshots lack files of 4 MiB and more)
        rows.append((path, blob.decode()))
    if not rows and include:
        raise RebuildError(f"nothing at {commit} under {', '.join(include)}")
    vendored = vendored_dirs(path for path, _ in rows)
    excludes = entry.get("exclude", [])
    selected = []
    forced = entry.get("force", [])
    for path, blob in rows:
        if not safe_relative(path):
            continue
        if any(fnmatch.fnmatch(path, pattern) for pattern in forced):
            selected.append((path, blob))  # named by a template although under tests/
            continue
        if not keep(path):
            continue
        if any(v and path.startswith(v + "/") for v in vendored):
            continue
        if any(fnmatch.fnmatch(path, pattern) for pattern in excludes):
            continue
        selected.append((path, blob))
    return selected


def safe_relative(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not PurePosixPath(path).is_absolute() and ".." not in parts


def read_blobs(git_dir: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """Contents of many blobs with one `git cat-file --batch`."""
    if not blobs:
        return {}
    unique = list(dict.fromkeys(blobs))
    out = git(git_dir, "cat-file", "--batch", data="".join(b + "\n" for b in unique).encode())
    contents, pos = {}, 0
    for blob in unique:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3 or header[1] != b"blob":
            raise RebuildError(f"blob {blob} is missing from the repository")
        size = int(header[2])
        contents[blob] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return contents


def rebuild_repo(entry: dict, out_dir: Path, mirrors: Path) -> dict[str, int]:
    repo = entry["repo"]
    if "/" not in repo or repo.count("/") != 1:
        raise RebuildError(f"bad repository name {repo!r}")
    git_dir = find_git_dir(entry, mirrors, out_dir / ".clones")
    files = list_files(git_dir, entry)
    contents = read_blobs(git_dir, [blob for _, blob in files])
    target = out_dir / repo.replace("/", "__")
    wanted = set()
    written = 0
    for path, blob in files:
        dest = target.joinpath(*PurePosixPath(path).parts)
        wanted.add(dest)
        data = contents[blob]
        if dest.is_file() and not dest.is_symlink() and dest.read_bytes() == data:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink():
            dest.unlink()
        dest.write_bytes(data)
        written += 1
    removed = remove_stale(target, wanted)
    return {
        "files": len(files),
        "written": written,
        "removed": removed,
        "bytes": sum(len(contents[b]) for _, b in files),
    }


def remove_stale(target: Path, wanted: set) -> int:
    removed = 0
    if not target.is_dir():
        return removed
    for root, dirs, names in os.walk(target, topdown=False):
        for name in names:
            path = Path(root) / name
            if path not in wanted:
                path.unlink()
                removed += 1
        for name in dirs:
            path = Path(root) / name
            if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
                path.rmdir()
    return removed


def load_manifest(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["repositories"] if isinstance(data, dict) else data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.json")
    parser.add_argument(
        "--repo",
        action="append",
        default=[],
        help="rebuild only this repository (repeatable)",
    )
    args = parser.parse_args(argv)
    mirrors = Path(os.environ.get("LAMBDALINT_MIRRORS", DEFAULT_MIRRORS))
    entries = load_manifest(args.manifest)
    if args.repo:
        entries = [e for e in entries if e["repo"] in set(args.repo)]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    failed, total_files, total_bytes = [], 0, 0
    start = time.perf_counter()
    for entry in entries:
        try:
            stats = rebuild_repo(entry, args.out_dir, mirrors)
        except (RebuildError, OSError, KeyError, ValueError) as error:
            failed.append(entry.get("repo", "?"))
            print(f"error: {entry.get('repo', '?')}: {error}", file=sys.stderr)
            continue
        total_files += stats["files"]
        total_bytes += stats["bytes"]
        print(
            f"{entry['repo']:<70} {stats['files']:>5} files  ({stats['written']} written, {stats['removed']} removed)"
        )
    elapsed = time.perf_counter() - start
    print(
        f"{len(entries) - len(failed)} of {len(entries)} repositories, {total_files} files,"
        f" {total_bytes / 1e6:.1f} MB in {elapsed:.1f} s"
    )
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
