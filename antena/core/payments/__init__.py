"""Online payments: providers behind one port (``port``: Conekta, Mercado Pago), each client's
permanent references (``references``), webhooks stored then processed once (``webhooks``,
``apply``), the cashiers' decisions (``reviews``), the portal's checkout links (``checkout``)."""
