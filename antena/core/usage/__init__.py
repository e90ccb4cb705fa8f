"""Usage history: what each client downloaded and uploaded, sampled from the routers' queue
counters (``sampler``), kept per client and day for 13 months, read back for charts and exports
(``history``)."""
