"""A contract version's document: the source it is rendered from, the live HTML and PDF before
it is sent for signature, the frozen ones after, with their signature page.

Rendering a PDF takes CPU for tens of milliseconds: it runs in a worker thread, never on the
event loop.
"""

from __future__ import annotations

from anyio import to_thread

from contracts.contracts.documents.render import (
    DocumentParty,
    DocumentSource,
    Frozen,
    SignatureLine,
    freeze,
    render_html,
    render_pdf,
    signed_pdf,
)
from contracts.contracts.loaded import Loaded
from contracts.contracts.models import ContractVersion
from contracts.contracts.repository import ContractRepository
from contracts.contracts.rules.snapshot import elements_of
from contracts.organizations.models import Organization
from contracts.organizations.repository import OrganizationRepository


class ContractDocuments:
    def __init__(
        self, repository: ContractRepository, organizations: OrganizationRepository
    ) -> None:
        self.repository = repository
        self.organizations = organizations

    async def source(self, loaded: Loaded, version: ContractVersion) -> DocumentSource:
        contract = loaded.contract
        client = await self.organizations.get(contract.client_id)
        operator = await self.organizations.get(contract.operator_id)
        assert client is not None and operator is not None
        return DocumentSource(
            number=contract.number,
            title=contract.title,
            type=contract.type.value,
            currency=contract.currency,
            time_zone=contract.time_zone,
            version=version.version,
            effective_from=version.effective_from,
            change_summary=version.change_summary,
            client=_party(client),
            operator=_party(operator),
            elements=elements_of(version),
        )

    async def html(self, loaded: Loaded, version: ContractVersion) -> str:
        """The HTML of a version: frozen once sent for signature, rendered live before."""
        if version.document_sha256 is not None:
            html, _ = await self.repository.frozen_document(version)
            if html is not None:
                return html
        return render_html(await self.source(loaded, version))

    async def pdf(self, loaded: Loaded, version: ContractVersion) -> bytes:
        """The PDF of the same text: frozen with the HTML, rendered live before; once it was
        sent for signature, followed by the signature page (who signed, when, what)."""
        if version.document_sha256 is not None:
            _, pdf = await self.repository.frozen_document(version)
            if pdf is not None:
                signers = await self.repository.signers(loaded.contract.id, version.version)
                lines = [
                    SignatureLine(
                        s.name, s.role, s.party.value, s.email, s.signed_at, s.ip,
                        s.document_sha256,
                    )
                    for s in signers
                ]  # fmt: skip
                return await to_thread.run_sync(
                    signed_pdf,
                    pdf,
                    loaded.contract.number,
                    version.version,
                    version.document_sha256,
                    lines,
                )
        return await to_thread.run_sync(render_pdf, await self.source(loaded, version))

    async def freeze(self, loaded: Loaded, version: ContractVersion) -> Frozen:
        """Render the text to be signed once: the HTML, its SHA-256 and the PDF."""
        return await to_thread.run_sync(freeze, await self.source(loaded, version))


def _party(organization: Organization) -> DocumentParty:
    return DocumentParty(organization.legal_name, organization.country, organization.tax_id)
