from shared.errors import Conflict, NotFound


class OrganizationNotFound(NotFound):
    title = "Organization not found"


class ContractNotFound(NotFound):
    title = "Contract not found"


class QueueNotClaimed(NotFound):
    """No contract in force claims a queue at a time. ``reason`` says why, for the caller to
    tell the platform: ``unclaimed`` (no contract the caller may see lists the queue) or
    ``not_in_force`` (one does, but is unsigned, not started, ended or no longer lists it;
    ``explanation`` names it)."""

    title = "No contract claims the queue"


class ContractConflict(Conflict):
    title = "Contract conflict"


class IllegalTransition(Conflict):
    """An action not allowed from the current stage; names the allowed ones."""

    slug, title = "illegal-transition", "Action not allowed in this stage"


class NotEditable(Conflict):
    slug, title = "not-editable", "Only a draft is editable"
