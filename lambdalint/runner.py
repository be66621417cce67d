"""Run the engine over many files."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from lambdalint.engine import Options, check_file
from lambdalint.model import FileReport


def run(files: Sequence[Tuple[str, str]], options: Options, jobs: Optional[int] = None) -> List[FileReport]:
    """Check (real path, display path) pairs; reports come back in the input order."""
    return [check_file(real, shown, options) for real, shown in files]
