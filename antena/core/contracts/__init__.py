"""Contracts: written from a template, signed on a link (by the customer, or on a technician's
phone), frozen with a SHA-256 of their text, printed to PDF, activated when the service is installed.

    texts      templates in ``templates/contracts/`` and their tags
    service    new, edit, link, activate, end, list, show
    signing    the signed, expiring, revocable link and the signature itself
    documents  the files customers upload (ID, proof of address) and staff make visible
    pdf        the signed contract as PDF
    sending    ``contract send``: the PDF by e-mail, or the link by the customer's channel
"""
