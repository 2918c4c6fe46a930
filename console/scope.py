"""Team scope: which learners a console user may see. Admins see everyone; a trainer sees the learners of the
groups they look after (an admin's mapping, `tutor groups assign`, plus the groups the identity provider named at
sign-in), and nobody when they look after none. A manager's scope is their groups, always (console.team_scope
does not widen it). Learners are put in groups by an admin (`tutor groups import`),
never by what they say in chat: the group a learner states stays a recommendation hint."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Scope:
    """`groups` None: every learner. Else only learners in one of `groups` (none for an empty tuple)."""

    groups: tuple[str, ...] | None
    store: Any = None  # store.Groups, to resolve membership
    _learners: set[str] | None = field(default=None, repr=False)

    @property
    def everyone(self) -> bool:
        return self.groups is None

    def learners(self) -> set[str] | None:
        """The learners in scope (None: everyone), looked up once per request."""
        if self.groups is None:
            return None
        if self._learners is None:
            self._learners = self.store.learners_in(self.groups) if self.groups else set()
        return self._learners

    def allows(self, learner: str | None) -> bool:
        found = self.learners()
        return found is None or (learner is not None and learner in found)


EVERYONE = Scope(None)


def scope_of(user: dict[str, Any] | None, team_scope: bool, groups_store) -> Scope:
    """The scope of a signed-in user (see the module's docstring); `team_scope` False gives trainers everyone too."""
    if user is None:
        return Scope(())
    if user["role"] == "admin" or (not team_scope and user["role"] != "manager"):
        return EVERYONE
    return Scope(tuple(sorted(user.get("groups") or ())), groups_store)
