"""Dependencies the routers share: the upstream clients the lifespan opened."""

from typing import Annotated

from fastapi import Depends, Request

from billing.upstream import Upstream
from shared.auth import Role


async def get_upstream(request: Request) -> Upstream:
    upstream: Upstream = request.app.state.upstream
    return upstream


UpstreamDep = Annotated[Upstream, Depends(get_upstream)]

READERS = (Role.operator, Role.finance, Role.client, Role.partner, Role.service)
BILLERS = (Role.operator, Role.finance)
