"""`python -m contracts`: migrate the database to head, then serve (what the container runs)."""

from contracts.main import SERVICE_DIR
from contracts.settings import get_settings
from shared.serve import migrate_and_serve

migrate_and_serve(SERVICE_DIR, get_settings(), "contracts.main:create_app")
