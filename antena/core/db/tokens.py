"""Spent single-use tokens: the signature proves who a token is for, this table that it was used once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from antena.core.db.base import Base
from antena.core.db.types import UTCDateTime, utcnow


class UsedToken(Base):
    """One spent token id (``jti``); a second use collides on the primary key."""

    __tablename__ = "used_tokens"

    jti: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(30))
    client_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the record outlives a deleted client
    used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
