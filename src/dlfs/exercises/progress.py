"""``dlfs progress``: the roadmaps as check boxes, ticked only by what the learner did.

Per roadmap entry (a day, a chapter, a part): its lessons the learner ran (``dlfs run``,
recorded as ``run:<lesson>``), its exercises the learner solved (graded by ``dlfs exercise
check``) — on their own or after revealing the solution — and, for a gym day, its problems the
judge accepted. ``dlfs check`` (a contributor's tool: our lesson and our tests) ticks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..curriculum import ProgressStore, Track, lessons_at
from ..curriculum.schema import TrackEntry
from ..i18n import t
from .bank import all_exercises


def run_key(lesson_id: str) -> str:
    """The progress key recorded when the learner runs a lesson."""
    return f"run:{lesson_id}"


@dataclass(frozen=True)
class EntryProgress:
    """What the learner did for one roadmap entry."""

    lessons: int
    lessons_run: int
    exercises: int
    solved: int                 # on their own
    solved_after_reveal: int
    problems: int = 0           # gym problems of the day
    accepted: int = 0

    @property
    def done(self) -> bool:
        """Every lesson run, every exercise solved without the solution, every problem
        accepted — and there was something to do."""
        has_work = self.lessons or self.exercises or self.problems
        return bool(has_work) and (self.lessons_run == self.lessons
                                   and self.solved == self.exercises
                                   and self.accepted == self.problems)

    @property
    def started(self) -> bool:
        return bool(self.lessons_run or self.solved or self.solved_after_reveal
                    or self.accepted)

    @property
    def mark(self) -> str:
        return "x" if self.done else "~" if self.started else " "

    def summary(self) -> str:
        """``lessons run 1/1 · exercises 0/2 · problems 1/2``, in the chosen language."""
        parts = []
        if self.lessons:
            parts.append(t("exercises.progress.lessons", run=self.lessons_run,
                           total=self.lessons))
        if self.exercises:
            reveal = (t("exercises.progress.after_reveal", n=self.solved_after_reveal)
                      if self.solved_after_reveal else "")
            parts.append(t("exercises.progress.exercises", solved=self.solved,
                           total=self.exercises, reveal=reveal))
        if self.problems:
            parts.append(t("exercises.progress.problems", accepted=self.accepted,
                           total=self.problems))
        return " · ".join(parts)


def entry_progress(track: Track, entry: TrackEntry, store: ProgressStore) -> EntryProgress:
    """Count what the learner did for ``entry`` of ``track``."""
    state = store.load()
    checks, exercise_state = state["checks"], state["exercises"]
    lessons = lessons_at(track.id, entry.key)
    run = sum((checks.get(run_key(x.id)) or {}).get("status") == "passed" for x in lessons)
    exercises = [e for e in all_exercises() if (track.id, entry.key) in e.places]
    solved = after_reveal = 0
    for exercise in exercises:
        entry_state = exercise_state.get(exercise.id, {})
        if entry_state.get("status") == "solved":
            if entry_state.get("solved_after_reveal"):
                after_reveal += 1
            else:
                solved += 1
    problems = accepted = 0
    if track.id == "gym":
        from ..gym.problems import problems_for_day  # lazy: dlfs.gym imports the curriculum

        day = problems_for_day(int(entry.key))
        problems = len(day)
        accepted = sum((checks.get(f"gym:{p.id}") or {}).get("status") == "passed"
                       for p in day)
    return EntryProgress(len(lessons), run, len(exercises), solved, after_reveal, problems,
                         accepted)
