"""PDFs take CPU for tens of milliseconds: they are rendered in a worker thread, never on the
event loop's thread — live, frozen at send-for-signature, and with the signature page."""

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from contracts.contracts.documents import render, service
from tests.contracts.contracts.helpers import msa, parties, sign_through

Seen = list[tuple[str, threading.Thread]]


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Seen]:
    """The thread each PDF function ran on."""
    seen: Seen = []

    def watched(name: str, function: Callable[..., bytes]) -> Callable[..., bytes]:
        def wrapper(*args: Any, **kwargs: Any) -> bytes:
            seen.append((name, threading.current_thread()))
            return function(*args, **kwargs)

        return wrapper

    for name in ("render_pdf", "render_signature_page", "with_pages"):
        monkeypatch.setattr(render, name, watched(name, getattr(render, name)))
    monkeypatch.setattr(service, "render_pdf", render.render_pdf)
    yield seen


async def test_no_pdf_is_rendered_on_the_event_loop(
    contracts: httpx.AsyncClient, threads: Seen
) -> None:
    loop_thread = threading.current_thread()
    _, acme = await parties(contracts)
    contract = await msa(contracts, acme["id"])
    url = f"/v1/contracts/{contract['id']}/document"
    assert (await contracts.get(url, params={"format": "pdf"})).status_code == 200  # live
    await sign_through(contracts, contract["id"])  # frozen when sent for signature
    assert (await contracts.get(url, params={"format": "pdf"})).status_code == 200  # signed
    names = {name for name, _ in threads}
    assert names == {"render_pdf", "render_signature_page", "with_pages"}
    assert all(thread is not loop_thread for _, thread in threads)
