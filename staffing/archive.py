"""Zip archives of generated export files (relative path -> bytes)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

__all__ = [
    "files_under",
    "zip_files",
]


def files_under(files: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    """The entries of ``files`` whose path starts with ``prefix``, keyed by the rest of the path."""
    return {
        path[len(prefix) :]: content
        for path, content in sorted(files.items())
        if path.startswith(prefix)
    }


def zip_files(files: Mapping[str, bytes], *, under: str = "") -> bytes:
    """Zip archive bytes of ``files`` (relative path -> content) whose path starts with ``under``.

    Paths are stored relative to ``under`` (``calendars/agents/A001.ics`` with
    ``under="calendars/"`` becomes ``agents/A001.ics``).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files_under(files, under).items():
            archive.writestr(name, content)
    return buffer.getvalue()
