"""CFDI 4.0: clients' fiscal data, invoices stamped through a PAC, the monthly global invoice.

``catalogs`` checks what staff type (RFC, régimen, uso CFDI, código postal), ``fiscal`` stores it,
``jobs`` queues and runs stamping and cancellation (the only code that calls the PAC, through
``pac``), ``build`` makes the signed XML with ``satcfdi`` (imported lazily), ``documents`` reads
what was stamped (XML, PDF). Errors a user can cause are ``CfdiError``s.
"""
