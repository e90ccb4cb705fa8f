"""From two readings of a queue's byte counters to the bytes of the interval between them.

Counters only grow while the queue lives. They start again at zero when the router reboots,
when a PPPoE/Hotspot session reconnects (its dynamic queue is a new one, with a new ``.id``) or
when someone resets them. So: the same queue and a larger value is the plain difference; a new
queue, a reboot or a smaller value means the counter restarted, and what it holds now is all new
traffic. A client seen for the first time only sets the base (its counter may hold months).
Nothing is ever negative, and a reading is never counted twice because each interval is taken
against the previous reading, whatever time passed between them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: A difference larger than this many bytes per second (10 Gbit/s) cannot be one client's
#: traffic: the reading is taken as a new base instead (e.g. a queue matched for the first time).
MAX_BYTES_PER_SECOND = 1_250_000_000


@dataclass(frozen=True)
class Reading:
    queue_id: str
    down: int  # bytes to the client
    up: int  # bytes from the client


@dataclass(frozen=True)
class Delta:
    down: int
    up: int
    restarted: bool = False  # the counter had started again since the previous reading

    @property
    def total(self) -> int:
        return self.down + self.up


NOTHING = Delta(0, 0)


def _grown(before: int, now: int) -> int:
    return now - before if now >= before else now


def delta(previous: Reading | None, current: Reading, *, rebooted: bool = False, seconds: float) -> Delta:
    """The bytes between ``previous`` and ``current``, ``seconds`` apart."""
    if previous is None:
        return NOTHING
    if rebooted or current.queue_id != previous.queue_id:
        found = Delta(max(0, current.down), max(0, current.up), restarted=True)
    else:
        down, up = _grown(previous.down, current.down), _grown(previous.up, current.up)
        found = Delta(
            down, up, restarted=down != current.down - previous.down or up != current.up - previous.up
        )
    if found.total > MAX_BYTES_PER_SECOND * max(seconds, 1.0):
        return NOTHING
    return found
