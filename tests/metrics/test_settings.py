"""Settings a real deployment must not leave at their development values."""

import pytest

from metrics.settings import DEVELOPMENT_CUSTOMER_KEY, MetricsSettings


def production(**overrides: object) -> MetricsSettings:
    return MetricsSettings(environment="production", jwt_public_key="x", **overrides)  # type: ignore[arg-type]


def test_production_refuses_the_published_customer_key() -> None:
    with pytest.raises(ValueError, match="METRICS_CUSTOMER_KEY_SECRET"):
        production()


def test_production_runs_with_its_own_customer_key() -> None:
    assert production(customer_key_secret="k" * 32).customer_key_secret == "k" * 32


def test_development_may_use_the_default() -> None:
    assert MetricsSettings(environment="development").customer_key_secret == (
        DEVELOPMENT_CUSTOMER_KEY
    )
