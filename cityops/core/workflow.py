"""State machines of the platform's objects (needs, procurements, contracts, ...).

A ``Workflow`` is a table of named actions, each allowed from a set of states to one target
state. Services call ``workflow.check(obj, action)`` on a row they have locked
(``select_for_update``; SQLite serialises writers with IMMEDIATE transactions), so two users
acting on the same object at once cannot both apply: the second sees the new state and is
refused. Refusals are ``TransitionRefused``: the API answers 409, pages show the message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


class TransitionRefused(Exception):
    """An action that the object's current state does not allow."""

    def __init__(self, action: str, state: str, message: str | None = None):
        self.action = action
        self.state = state
        self.message = message or _(
            "“%(action)s” is not allowed while the status is “%(state)s”."
        ) % {"action": action, "state": state}
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


class Workflow:
    def __init__(self, transitions: Iterable[tuple[str, Iterable[str], str]], *,
                 field: str = "status", labels=None):
        self.field = field
        self.labels = labels  # a TextChoices class, to name states in messages
        self.transitions = {
            action: Transition(action, frozenset(sources), target)
            for action, sources, target in transitions
        }

    @property
    def actions(self) -> list[str]:
        return list(self.transitions)

    def states(self) -> set[str]:
        result = set()
        for t in self.transitions.values():
            result |= t.sources | {t.target}
        return result

    def allowed_actions(self, state: str) -> list[str]:
        return [a for a, t in self.transitions.items() if state in t.sources]

    def _label(self, state: str) -> str:
        if self.labels is not None:
            try:
                return str(self.labels(state).label)
            except ValueError:
                pass
        return state

    def check(self, obj, action: str) -> Transition:
        """The transition ``action`` from ``obj``'s state, or TransitionRefused."""
        state = getattr(obj, self.field)
        transition = self.transitions.get(action)
        if transition is None:
            raise TransitionRefused(action, self._label(state),
                                    _("Unknown action “%(action)s”.") % {"action": action})
        if state not in transition.sources:
            raise TransitionRefused(action, self._label(state))
        return transition

    def apply(self, obj, action: str) -> str:
        """Check, then set the new state on ``obj`` (the caller saves). Returns the old state."""
        transition = self.check(obj, action)
        old = getattr(obj, self.field)
        setattr(obj, self.field, transition.target)
        return old
