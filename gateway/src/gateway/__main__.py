"""`python -m gateway`: migrate its database (API clients) to head, then serve (what the
container runs)."""

from gateway.main import GATEWAY_DIR
from gateway.settings import get_settings
from shared.serve import migrate_and_serve

migrate_and_serve(GATEWAY_DIR, get_settings(), "gateway.main:create_app", public=True)
