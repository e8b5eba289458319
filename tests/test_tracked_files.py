"""Nothing generated is committed: caches, local data and keys stay out of git."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATED = (
    ".schemathesis",
    ".hypothesis",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "__pycache__",
    ".venv",
    ".data",
)


def test_no_cache_or_local_state_is_tracked() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = [
        name
        for name in tracked
        if set(Path(name).parts) & set(GENERATED)
        or name.endswith(".pyc")
        or name.startswith("deploy/keys/")
    ]
    assert not offenders, offenders


def test_gitignore_keeps_them_out() -> None:
    ignored = (ROOT / ".gitignore").read_text().split()
    for name in GENERATED:
        assert f"{name}/" in ignored, name
