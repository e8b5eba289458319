"""`python -m metrics`: migrate the database to head, then serve (what the container runs)."""

from metrics.main import SERVICE_DIR
from metrics.settings import get_settings
from shared.serve import migrate_and_serve

migrate_and_serve(SERVICE_DIR, get_settings(), "metrics.main:create_app")
