"""Domain events: a unit of work records what happened; the modules that care subscribe handlers.

`record` queues one job per subscribed handler in the caller's transaction, so a rollback queues nothing and a
crash after commit loses nothing; the worker runs the jobs (`market.services.event_jobs`). A module that
reacts to another's change subscribes here instead of being imported by it, which keeps the services free of
import circles. Handlers take the event's payload (plain JSON values) and must be safe to run twice.
"""

from collections import defaultdict
from typing import Callable

from market.extensions import db
from market.models import EventJob

Handler = Callable[[dict], None]
_subscribers: dict[str, list[str]] = defaultdict(list)
_handlers: dict[str, Handler] = {}


def subscribe(*events: str):
    """Decorator: run this function (by the worker) for every recorded event of these names."""

    def register(fn: Handler) -> Handler:
        name = f"{fn.__module__}:{fn.__qualname__}"
        _handlers[name] = fn
        for event in events:
            if name not in _subscribers[event]:
                _subscribers[event].append(name)
        return fn

    return register


def record(event: str, **payload) -> int:
    """Queue the event's handlers in the current transaction; returns how many."""
    names = _subscribers.get(event, ())
    for name in names:
        db.session.add(EventJob(event=event, handler=name, payload=payload))
    if names:
        db.session.info["events_recorded"] = True
    return len(names)


def handler(name: str) -> Handler | None:
    """The function a job names, if this process knows it."""
    return _handlers.get(name)


def subscriptions() -> dict[str, list[str]]:
    """Every event name with the handlers subscribed to it."""
    return {event: list(names) for event, names in _subscribers.items()}
