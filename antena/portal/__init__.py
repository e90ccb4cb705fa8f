"""The customer portal (FastAPI, server-rendered): auto-login, invoices, payment reports, Wi-Fi."""
