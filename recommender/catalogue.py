"""The course catalogue as a graph: courses, the skills they teach and their prerequisites (networkx).

Built from course front matter. Cycles and prerequisites that name no known course are reported, not fatal:
the catalogue drops the offending edges and keeps serving.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

log = logging.getLogger(__name__)


@dataclass
class Course:
    course_id: str
    title: str
    summary: str = ""
    skills: list[str] = field(default_factory=list)
    level: str = "beginner"
    prerequisites: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=lambda: ["all"])
    duration_minutes: int = 0
    url: str = ""
    required_for: list[str] = field(default_factory=list)
    due_days: int = 0
    language: str = ""  # as the front matter declares it ("zh", "en"); "" when it does not

    def description(self) -> str:
        return f"{self.title}. {self.summary} Skills: {', '.join(s.replace('-', ' ') for s in self.skills)}. Level: {self.level}."


@dataclass
class CatalogueReport:
    missing_prerequisites: list[tuple[str, str]] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f"{c} lists prerequisite '{p}', which is not a known course" for c, p in self.missing_prerequisites]
        out += [f"prerequisite cycle: {' -> '.join(cycle + cycle[:1])}" for cycle in self.cycles]
        return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


class Catalogue:
    """Courses and a prerequisite DAG (edge prerequisite -> course)."""

    def __init__(self, courses: Iterable[Course]) -> None:
        self.courses = {c.course_id: c for c in courses}
        import networkx as nx

        self.graph = nx.DiGraph()
        self.graph.add_nodes_from(self.courses)
        self.report = CatalogueReport()
        for course in self.courses.values():
            for prereq in course.prerequisites:
                if prereq not in self.courses:
                    self.report.missing_prerequisites.append((course.course_id, prereq))
                else:
                    self.graph.add_edge(prereq, course.course_id)
        for cycle in list(nx.simple_cycles(self.graph)):
            self.report.cycles.append(cycle)
            if self.graph.has_edge(cycle[-1], cycle[0]):
                self.graph.remove_edge(cycle[-1], cycle[0])
        for problem in self.report.problems():
            log.warning("catalogue: %s", problem)

    @classmethod
    def from_metadata(cls, courses: Iterable[dict[str, Any]]) -> "Catalogue":
        """From retrieval's course list (course_id, title, metadata = front matter)."""
        built = []
        for c in courses:
            meta = c.get("metadata") or {}
            built.append(Course(
                course_id=c["course_id"], title=c["title"], summary=str(meta.get("summary") or ""),
                skills=_as_list(meta.get("skills")), level=str(meta.get("level") or "beginner"),
                prerequisites=_as_list(meta.get("prerequisites")), audience=_as_list(meta.get("audience")) or ["all"],
                duration_minutes=int(meta.get("duration_minutes") or 0), url=str(meta.get("url") or ""),
                required_for=_as_list(meta.get("required_for")), due_days=int(meta.get("due_days") or 0),
                language=str(meta.get("language") or "").strip().lower(),
            ))
        return cls(built)

    def unmet_prerequisites(self, course_id: str, completed: set[str]) -> list[str]:
        return [p for p in self.graph.predecessors(course_id) if p not in completed]

    def path_to(self, target: str, completed: set[str]) -> list[str]:
        """The shortest prerequisite-respecting sequence ending at `target`: every not-yet-completed ancestor,
        in an order where each course comes after its prerequisites (shorter courses first among equals)."""
        import networkx as nx

        needed = {a for a in nx.ancestors(self.graph, target) if a not in completed} | {target}
        sub = self.graph.subgraph(needed)
        return list(nx.lexicographical_topological_sort(sub, key=lambda c: (self.courses[c].duration_minutes, c)))

    def courses_teaching(self, skill: str) -> list[str]:
        return [c.course_id for c in self.courses.values() if skill in c.skills]
