"""Lessons of the review area (``src/dlfs/lessons/ch14_review/``).

Review lessons of the PyTorch roadmap: the debugging drill (Day 20), the debug
checklist walked through (Day 21) and the final review (Day 28).
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="debugging-drill",
        title_en="Debugging drill: five planted bugs, found and fixed",
        title_zh="综合排错演练：五个埋好的 bug，逐个定位与修复",
        path="ch14_review/debug_drill.py",
        at=("pytorch:20",),
        checks=("tests/train/test_train_callbacks.py", "tests/test_playground.py"),
    ),
    Lesson(
        id="debug-checklist-review",
        title_en="Review: the debug checklist, item by item",
        title_zh="复盘：完善 debug_checklist.md，逐条演练",
        path="ch14_review/debug_checklist_review.py",
        at=("pytorch:21",),
        checks=("tests/test_debug_checklist_docs.py",),
    ),
    Lesson(
        id="final-review",
        title_en="Final review: the roadmap and the course's key facts",
        title_zh="总复盘：路线图与课程要点",
        path="ch14_review/final_review.py",
        at=("pytorch:28",),
        checks=("tests/test_curriculum.py",),
    ),
)
