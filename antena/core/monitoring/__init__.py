"""The network seen live from the chat and the CLI: who is online, a client's rate, flows and ping,
and each router's health. Reads only: nothing here changes a router or the database.

Every result names its router and the moment it was read (``at``, UTC), because a rate or a
session list is true only for that router at that moment. Database reads use a read-only unit of
work closed before any router is contacted; routers are asked concurrently with their timeout.
"""
