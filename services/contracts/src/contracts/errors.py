from shared.errors import Conflict, NotFound


class OrganizationNotFound(NotFound):
    title = "Organization not found"


class OrganizationConflict(Conflict):
    title = "Organization conflict"
