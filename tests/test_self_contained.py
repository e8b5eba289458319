"""Nothing in the repository points at files outside it: a fresh clone has only itself."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The team's reference folder beside the checkout, and the ways a file could point at it,
# built from pieces so that this file spells none of them itself.
REFERENCE = "sha" + "red"
BESIDE = os.pardir + os.sep + REFERENCE + os.sep
WORKSPACE = os.sep + "work" + os.sep + REFERENCE
OUTSIDE = (BESIDE, WORKSPACE, *(REFERENCE + os.sep + d + os.sep for d in ("docs", "samples")))


def test_no_tracked_file_points_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = []
    for name in tracked:
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # fonts and other binaries
        offenders += [f"{name}: {needle}" for needle in OUTSIDE if needle in text]
    assert not offenders, offenders
