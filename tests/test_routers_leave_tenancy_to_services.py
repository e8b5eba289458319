"""Routers pass the caller on; services decide what the caller's tenant may see
(CONTRIBUTING.md, "Tenancy"). A router that reads the tenant itself fails this test."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TENANCY = re.compile(r"\b(tenant_client_id|can_see_client|operator_wide)\b")
# Still deciding it themselves, to move into their services; the list only shrinks.
NOT_YET = {
    "services/metrics/src/metrics/customers/router.py",
    "services/metrics/src/metrics/evaluations/router.py",
    "services/metrics/src/metrics/kpis/router.py",
    "services/metrics/src/metrics/records/router.py",
}


def routers() -> list[str]:
    found = [*ROOT.glob("services/*/src/**/router.py"), *ROOT.glob("*/src/**/router.py")]
    return sorted({str(path.relative_to(ROOT)) for path in found})


def test_routers_do_not_decide_tenancy() -> None:
    deciding = {name for name in routers() if TENANCY.search((ROOT / name).read_text())}
    assert deciding <= NOT_YET, sorted(deciding - NOT_YET)
    gone = sorted(NOT_YET - deciding)
    assert not gone, f"no longer deciding tenancy, drop from NOT_YET: {gone}"
