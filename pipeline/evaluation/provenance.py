"""Which labelled clips share a recording: composites and the clips they were assembled from.

A composite holds the very frames of its source clip, so a cross-validation that holds one
out must hold the other out with it; otherwise the source's frames vote for the values the
composite is scored with. The data folder's README lists each composite's sources in its
table (`| videos/<file> | assembled from <file> + <file> | ...`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

ASSEMBLED_ROW = re.compile(r"^\| `videos/([^`]+)` \| assembled from ([^|]*)\|", re.MULTILINE)
NAMED_FILE = re.compile(r"`([^`/]+)`")


def assembled_from(readme_text: str) -> dict[str, list[str]]:
    """Composite clip name -> names of the clips it was assembled from (file stems).

    Args:
        readme_text: the data folder's README.

    Returns:
        Only the rows that name their sources; rows like "assembled from four clips above"
        name none and are left out.
    """
    out: dict[str, list[str]] = {}
    for match in ASSEMBLED_ROW.finditer(readme_text):
        sources = [Path(name).stem for name in NAMED_FILE.findall(match.group(2))]
        if sources:
            out[Path(match.group(1)).stem] = sources
    return out


def recording_groups(names: Sequence[str], sources: Mapping[str, Sequence[str]]) -> list[str]:
    """One group per clip, in `names` order: clips joined by a composite share a group.

    Args:
        names: the labelled clips.
        sources: composite -> the clips it was assembled from (`assembled_from`).

    Returns:
        Each clip's group, named after the first (sorted) labelled clip in it.
    """
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    for composite, parts in sources.items():
        for part in parts:
            if composite in parent and part in parent:
                a, b = sorted((root(composite), root(part)))
                parent[b] = a
    return [root(name) for name in names]


def data_dir_groups(data_dir: str | Path, names: Sequence[str]) -> list[str]:
    """`recording_groups` from the data folder's README (each clip alone without one)."""
    readme = Path(data_dir) / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    return recording_groups(names, assembled_from(text))
