"""Dependencies the routers share: the upstream clients the lifespan opened."""

from typing import Annotated

from fastapi import Depends, Request

from billing.upstream import Upstream
from shared.auth import Role


def get_upstream(request: Request) -> Upstream:
    return request.app.state.upstream  # type: ignore[no-any-return]


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
BILLERS = (Role.operator, Role.finance)
