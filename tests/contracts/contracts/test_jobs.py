from datetime import date

from contracts.contracts.jobs import refresh_statuses
from contracts.settings import ContractsSettings


async def test_daily_refresh_runs_on_its_own(database_urls: dict[str, str]) -> None:
    settings = ContractsSettings(database_url=database_urls["contracts"])
    checked, changed, events = await refresh_statuses(settings, on=date(2027, 1, 1))
    assert checked >= changed >= 0 and events >= 0
