from shared.errors import Conflict, NotFound


class TaxRateNotFound(NotFound):
    title = "Tax rate not found"


class TaxRateConflict(Conflict):
    title = "Tax rate already exists"
