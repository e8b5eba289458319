from shared.errors import Conflict, NotFound


class SourceNotFound(NotFound):
    title = "Source not found"


class SourceConflict(Conflict):
    title = "Source already exists"
