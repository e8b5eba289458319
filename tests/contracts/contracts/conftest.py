import pytest

from tests.conftest import TokenFactory


@pytest.fixture
def as_service(token: TokenFactory) -> dict[str, str]:
    """Headers of the scheduler (a service token), e.g. for the daily status refresh."""
    return {"authorization": f"Bearer {token('service', subject='service:scheduler')}"}
