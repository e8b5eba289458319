"""A contract version as a document: pure rendering (``render``), the live or frozen text
(``service``, PDFs in a worker thread) and its route."""
