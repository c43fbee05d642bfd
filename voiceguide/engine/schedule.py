"""The plan a session is playing, and how far along it the session is.

Two marks run along the planned items: what has been sent to the outputs (which may run ahead of
time by the lookahead, so clips are ready when due) and what the session has reached (which moves
its place). Keeping them apart is what lets a change of pace re-plan only what has not been heard:
what was sent stands, what comes after is replaced.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from voiceguide.engine.cues import Count
from voiceguide.engine.planner import Place, PlanItem


class Schedule:
    def __init__(self):
        self.items: list[PlanItem] = []
        self.sent = 0
        """Items before this have gone to the outputs."""
        self.reached = 0
        """Items before this have fallen due: the session's place has moved past them."""

    def replace(self, items: list[PlanItem]) -> None:
        self.items, self.sent, self.reached = items, 0, 0

    def clear(self) -> None:
        self.replace([])

    def next_due(self, lookahead: float) -> float | None:
        """When an item is next due to be reached or sent (None: nothing is planned)."""
        times = []
        if self.sent < len(self.items):
            times.append(self.items[self.sent].at - lookahead)
        if self.reached < len(self.items):
            times.append(self.items[self.reached].at)
        return min(times) if times else None

    def reach(self, now: float) -> Iterator[PlanItem]:
        """Each item due by `now` not reached yet, in order (the caller moves its place by them)."""
        while self.reached < len(self.items) and self.items[self.reached].at <= now:
            self.reached += 1
            yield self.items[self.reached - 1]

    def send(self, now: float, lookahead: float) -> Iterator[PlanItem]:
        """Each item due by `now` plus the lookahead not sent yet, in order."""
        while self.sent < len(self.items) and self.items[self.sent].at - lookahead <= now:
            self.sent += 1
            yield self.items[self.sent - 1]

    @property
    def ends(self) -> float | None:
        """When the last planned item is due."""
        return self.items[-1].at if self.items else None

    def last_sent_count(self, place: Place) -> tuple[int, float] | None:
        """The last count of the place's set already sent to the outputs, and its time."""
        for item in reversed(self.items[:self.sent]):
            if isinstance(item.cue, Count) and item.place is not None and \
                    (item.place.part, item.place.segment) == (place.part, place.segment):
                return item.cue.number, item.at
        return None

    def splice(self, items: list[PlanItem]) -> None:
        """Replace what has not been sent yet; what was sent (inside the lookahead) stands."""
        sent = self.items[:self.sent]
        last = sent[-1].at if sent else -math.inf
        self.items = sent + [item for item in items if item.at > last]

    def replan_after(self, place: Place, replan: Callable[[Place, float], list[PlanItem]]) -> bool:
        """Keep the place's segment as planned and re-plan what follows it, `replan(start place,
        at)` giving the new items; False when the next segment has already been sent (try again
        once it is under way)."""
        boundary = next((i for i in range(self.reached, len(self.items))
                         if self.items[i].place is not None and
                         (self.items[i].place.part, self.items[i].place.segment) > (place.part, place.segment)),
                        None)
        if boundary is None:
            return True
        if boundary < self.sent:
            return False
        following = self.items[boundary].place
        self.items = self.items[:boundary] + replan(Place(following.part, following.segment, 0),
                                                    self.items[boundary].at)
        return True
