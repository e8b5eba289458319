"""The documentation holds together: every relative link in a tracked Markdown file leads to a
file of the repository, and the specifications and decisions have their pages."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def markdown_files() -> list[Path]:
    tracked = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in tracked if (ROOT / name).is_file()]


def test_relative_links_resolve() -> None:
    broken = []
    for path in markdown_files():
        for target in LINK.findall(path.read_text()):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL or an anchor in the same page
            file = target.split("#", 1)[0]
            if file and not (path.parent / file).exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert not broken, broken


def test_the_decisions_and_the_specs_are_written_down() -> None:
    docs = ROOT / "docs"
    for page in ("architecture", "contracts", "metrics", "billing", "gateway"):
        assert (docs / f"{page}.md").is_file(), page
    for area in ("platform", "contracts", "metrics", "billing"):
        assert (docs / "decisions" / f"{area}.md").is_file(), area
    assert (ROOT / "CONTRIBUTING.md").is_file()
