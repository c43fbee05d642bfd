"""The loop that drives a session: wait for a command or the next due time, then act.

Waiting is on a queue with a deadline computed from the injected clock, so the schedule never
drifts; with a VirtualClock and a ScriptedInbox the same loop runs a whole routine in
milliseconds.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable
from typing import Protocol

from voiceguide.engine.clock import Clock, VirtualClock
from voiceguide.engine.commands import Command, Order
from voiceguide.engine.session import Session
from voiceguide.engine.view import Outcome

INTERRUPTED_SECONDS = 1.0
"""Waking this much later than asked means nothing ran meanwhile (Ctrl-Z, SIGSTOP, a laptop lid
closed, a frozen device call): the session pauses where it was instead of playing catch-up."""


class InboxExhausted(Exception):
    """A scripted inbox has no more commands and nothing else is due."""


class Inbox(Protocol):
    def wait(self, deadline: float | None) -> Order | None:
        """The next command, or None once `deadline` passes (None: wait for a command)."""


class CommandInbox:
    """Commands from other threads (keyboard, listener), waited for against a real clock."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._queue: queue.Queue[Order] = queue.Queue()

    def put(self, command: Command, said: float | None = None) -> None:
        """`said`: when a spoken command was said (the clock's time), if it was."""
        self._queue.put(Order(command, said))

    def wait(self, deadline: float | None) -> Order | None:
        timeout = None if deadline is None else max(0.0, deadline - self.clock.now())
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


class ScriptedInbox:
    """Commands at chosen instants of virtual time; moves the clock as the session waits. A
    spoken command decided late is an Order with the time it was said."""

    def __init__(self, clock: VirtualClock, script: Iterable[tuple[float, Command | Order]]):
        self.clock = clock
        self.script = sorted(script, key=lambda entry: entry[0])

    def wait(self, deadline: float | None) -> Order | None:
        if self.script and (deadline is None or self.script[0][0] <= deadline):
            at, command = self.script.pop(0)
            self.clock.advance_to(at)
            return command if isinstance(command, Order) else Order(command)
        if deadline is None:
            raise InboxExhausted
        self.clock.advance_to(deadline)
        return None


def run(session: Session, clock: Clock, inbox: Inbox, *, refresh: float | None = None,
        on_tick: Callable[[float], None] | None = None,
        on_command: Callable[[Command, Outcome], None] | None = None, start_delay: float = 0.0) -> None:
    """Play until the session finishes (or a scripted inbox runs dry).

    `refresh` wakes the loop at least that often (seconds) for a display and watchdogs;
    `on_tick` is called after every wake-up, `on_command` after every command. The first sound
    comes `start_delay` seconds after the start (a lead-in for outputs that wake slowly).
    """
    session.start(clock.now() + start_delay)
    last = clock.now()  # when the session was last brought up to date
    try:
        while not session.finished:
            deadline = session.next_deadline()
            if refresh is not None:
                deadline = last + refresh if deadline is None else min(deadline, last + refresh)
            order = inbox.wait(deadline)
            now = clock.now()
            if deadline is not None and now - max(deadline, last) > INTERRUPTED_SECONDS:
                outcome = session.interrupted(last, now)
                if outcome is not None and on_command:
                    on_command(Command.PAUSE, outcome)
            if order is not None:
                outcome = session.handle(order.command, now, said=order.said)
                if on_command:
                    on_command(order.command, outcome)
            session.advance(now)
            if on_tick:
                on_tick(now)
            last = now
    except InboxExhausted:
        return
