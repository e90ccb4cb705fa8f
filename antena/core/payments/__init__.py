"""Online payments: providers behind one port (``port``: Conekta, Mercado Pago), each client's
permanent references (``references``), webhooks stored then processed once, each event one unit
of work (``webhooks``, ``apply``), the cashiers' notices through the message outbox (``notices``),
their decisions (``reviews``), the portal's checkout links (``checkout``)."""
