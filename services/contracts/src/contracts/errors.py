from shared.errors import Conflict, NotFound


class OrganizationNotFound(NotFound):
    title = "Organization not found"


class OrganizationConflict(Conflict):
    title = "Organization conflict"


class ContractNotFound(NotFound):
    title = "Contract not found"


class ContractConflict(Conflict):
    title = "Contract conflict"


class IllegalTransition(Conflict):
    """An action not allowed from the current stage; names the allowed ones."""

    slug, title = "illegal-transition", "Action not allowed in this stage"


class NotEditable(Conflict):
    slug, title = "not-editable", "Only a draft is editable"
