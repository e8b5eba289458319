"""Every table of the service, imported in one place for Alembic."""

from metrics.activity.models import AgentActivity
from metrics.base import Base, idempotency
from metrics.changes.models import SlaInputChange
from metrics.evaluations.models import QualityEvaluation
from metrics.records.models import ContactKey, ContactRecord
from metrics.rollups.models import ContactRollup, ContactRollupHour
from metrics.sla.models import SlaReport
from metrics.sources.models import Source

__all__ = [
    "AgentActivity",
    "Base",
    "ContactKey",
    "ContactRecord",
    "ContactRollup",
    "ContactRollupHour",
    "QualityEvaluation",
    "SlaInputChange",
    "SlaReport",
    "Source",
    "idempotency",
]
