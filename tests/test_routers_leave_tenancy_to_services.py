"""Routers pass the caller on; services decide what the caller's tenant may see
(CONTRIBUTING.md, "Tenancy"). A router that reads the tenant itself fails this test."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TENANCY = re.compile(r"\b(tenant_client_id|can_see_client|operator_wide)\b")


def routers() -> list[str]:
    found = [*ROOT.glob("services/*/src/**/router.py"), *ROOT.glob("*/src/**/router.py")]
    return sorted({str(path.relative_to(ROOT)) for path in found})


def test_routers_do_not_decide_tenancy() -> None:
    deciding = [name for name in routers() if TENANCY.search((ROOT / name).read_text())]
    assert not deciding, deciding
