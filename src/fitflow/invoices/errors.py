from fitflow.kit.errors import NotFound


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"
    message = "No such invoice in this studio."
