"""`python -m billing`: migrate the database to head, then serve (what the container runs)."""

from billing.main import SERVICE_DIR
from billing.settings import get_settings
from shared.serve import migrate_and_serve

migrate_and_serve(SERVICE_DIR, get_settings(), "billing.main:create_app")
