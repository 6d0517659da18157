"""``python -m autograder demo``: the whole instructor workflow in a throw-away course.

1. copy ``solutions/`` into a temporary course folder and write its
   ``nbgrader_config.py`` (plain ``nbgrader`` commands work there too);
2. generate the student notebooks (``nbgrader generate_assignment``);
3. build the bundled sample submissions (:mod:`autograder.course.samples`);
4. grade them in parallel (:func:`autograder.grading.pipeline.grade`);
5. print the gradebook table, where the feedback, plot and CSV are, the class insight
   (the most common named mistakes, cells nobody passes, look-alike pairs; the page
   ``grading-output/insight/report.html``), and the commands that open the formgrader on
   the demo course and regrade it.

Nothing is written to the repository.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from ..course.assignments import Course, generate, write_course_config
from ..course.samples import STUDENTS, build_samples
from .pipeline import grade


def build_demo_course(course: Course, root: Path, assignments=None) -> Course:
    """A copy of ``course``'s solutions in ``root/course``, student notebooks generated."""
    demo = Course(root / "course")
    for aid in course.select(assignments):
        shutil.copytree(course.solutions_dir / aid, demo.solutions_dir / aid)
    write_course_config(demo.root)
    generate(demo)
    return demo


def run_demo(
    course: Course | None = None,
    jobs: int | None = None,
    keep: str | None = None,
    assignments=None,
) -> int:
    """Run the demo; return the exit status (0: every sample graded)."""
    course = course or Course()
    if not course.assignments():
        print(f"demo: no notebooks in {course.solutions_dir} yet")
        return 1
    root = Path(keep).resolve() if keep else Path(tempfile.mkdtemp(prefix="poolcourse-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"demo course: {root / 'course'}")
    demo = build_demo_course(course, root, assignments)
    print(f"generated {len(demo.assignments())} student notebook(s): {demo.notebooks_dir}")
    subs = build_samples(demo, root / "submissions")
    print(f"sample submissions ({len(subs)} notebooks) in {root / 'submissions'}:")
    for student in STUDENTS:
        print(f"  {student.name:<20} {student.description}")
    # default outputs: autograded/ and feedback/ in the demo course, for its formgrader.
    # The demo grades the bundled samples (our own code): in the OS sandbox where it is
    # usable, else without it, with grade's warning (a real class is refused instead)
    summary = grade(root / "submissions", course=demo, jobs=jobs, unsafe_no_sandbox=True)
    print()
    print(summary.text())
    print()
    print(closing_advice(demo, root))
    return 0 if summary.ok else 1


def lab_command(course_root: Path) -> str:
    """The shell command that opens JupyterLab (with nbgrader's formgrader) on a course.

    nbgrader runs this environment's ``alembic`` when it creates a gradebook,
    so its ``bin`` goes first on ``PATH``; Jupyter refuses to run as root
    without ``--allow-root``.
    """
    bindir = Path(sys.executable).parent
    root_flag = " --allow-root" if os.geteuid() == 0 else ""
    return (
        f"cd {shlex.quote(str(course_root))} && "
        f'PATH={shlex.quote(str(bindir))}:"$PATH" '
        f"{shlex.quote(str(bindir / 'jupyter'))} lab --notebook-dir=.{root_flag}"
    )


def closing_advice(demo: Course, root: Path) -> str:
    """What the demo prints last: how to grade the written answers, regrade, clean up."""
    regrade = (
        f"{shlex.quote(sys.executable)} -m autograder grade "
        f"{shlex.quote(str(root / 'submissions'))} --course {shlex.quote(str(demo.root))}"
    )
    return (
        "Written answers are graded by hand in nbgrader's formgrader (the rubric is shown\n"
        "under each answer); until then they count 0. To grade them, open JupyterLab:\n"
        f"  {lab_command(demo.root)}\n"
        "then Nbgrader > Formgrader > Manual Grading. A score entered there counts in the\n"
        "totals and grades.csv of the next grade run:\n"
        f"  {regrade}\n"
        f"The whole demo folder can be deleted: rm -rf {shlex.quote(str(root))}"
    )
