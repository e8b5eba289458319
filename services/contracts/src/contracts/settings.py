from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ContractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTRACTS_", extra="ignore")

    service_name: str = "contracts"


@lru_cache
def get_settings() -> ContractsSettings:
    return ContractsSettings()
