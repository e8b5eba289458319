from shared.errors import Conflict, NotFound


class TaxRateNotFound(NotFound):
    title = "Tax rate not found"


class TaxRateConflict(Conflict):
    title = "Tax rate already exists"


class PricePlanNotFound(NotFound):
    title = "Price plan not found"


class PricePlanConflict(Conflict):
    title = "Price plan conflict"


class InvoiceNotFound(NotFound):
    title = "Invoice not found"


class InvoiceStateConflict(Conflict):
    title = "Invoice is not in a state that allows this"


class CreditNoteNotFound(NotFound):
    title = "Credit note not found"


class InvoiceRunNotFound(NotFound):
    title = "Invoice run not found"
