"""Nothing in the repository points at files outside it: a fresh clone has only itself."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The team's reference folder beside the checkout, spelled so this file does not name it.
REFERENCE = "sha" + "red"
OUTSIDE = (f"../{REFERENCE}/", f"/work/{REFERENCE}", f"{REFERENCE}/docs/", f"{REFERENCE}/samples/")


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
