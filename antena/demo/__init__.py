"""``antena demo``: a whole ISP to try in one command (see :mod:`antena.demo.live`)."""
