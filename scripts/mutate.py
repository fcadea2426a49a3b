"""Mutation testing as a standing measure: `make mutate`.

    .venv-mutmut/bin/python -m scripts.mutate                      # both groups
    .venv-mutmut/bin/python -m scripts.mutate --group function     # one group
    .venv-mutmut/bin/python -m scripts.mutate --only function/errors.py   # one file, to try a test

mutmut (tools/mutmut-requirements.txt) makes small changes to the code ("mutants": ``<`` for
``<=``, another string, a dropped argument) and runs the tests that cover each changed function;
a mutant the tests still pass "survives". Two groups, each with its target (issue 15):

- ``function``: every ``function/*.py`` (new files are picked up), against the app's tests.
- ``constructs_lib``: the IAM, ARN and settings helpers, against their tests.

mutmut names a mutant after its file's path (``function/app.py`` -> ``function.app``) and a
mutant only runs when that name equals the function's ``__module__``. The app imports its
modules as top-level ones (``import app``: function/ is Lambda's import root), so the
``function`` group is staged with function/*.py under ``src/`` (mutmut strips a leading
``src.``), and a ``function`` package whose submodules are those same modules
(``function.models`` *is* ``models``), so the tests that import ``function.models`` exercise the
mutants too. Each group is staged afresh under ``.build/mutation/<group>/`` (the tracked and
untracked-but-not-ignored files of the checkout) and mutmut runs there.

The score is killed / all mutants. A survivor that cannot change behaviour (an "equivalent"
mutant: no test can kill it) goes in mutation/equivalent.txt with its reason; it still counts
against the score, so the list cannot buy the target. The survivors not listed there are
written, with their diffs, to mutation/survivors.txt. Exit status 1 when a group is under its
target or has a survivor not listed: the issue's "every survivor killed or explained" is then
enforced by the tool, not left to memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / ".build" / "mutation"
EQUIVALENT_FILE = ROOT / "mutation" / "equivalent.txt"
SURVIVORS_FILE = ROOT / "mutation" / "survivors.txt"
# The mutmut beside the Python running this script: `make mutate` runs it with .venv-mutmut's.
MUTMUT = Path(sys.executable).parent / "mutmut"
FUNCTION_PACKAGE = "function"
PRELOAD_FILE = "mutmut-preload.txt"  # in the staging folder
STATS_FILE = "mutmut-stats.json"  # mutmut's map of tests to functions, in mutants/
LAYER_FILES = ("layer.zip", "layer.json")  # .build/, read by the synth tests
# Under this folder mutmut drops the folder from a mutant's module name (mutmut's
# utils/format_utils.py, get_mutant_name).
SOURCE_ROOT = "src"

# What a mutant's exit code means, as mutmut 3.8.1 records it (mutmut/stats.py,
# status_by_exit_code): 1 and 3 a failed test, 0 every test passed, 33 and 5 no test covers the
# function, None not run yet; timeouts (SIGXCPU and mutmut's own limit) count as caught, the
# mutant made a test hang. Any other code is "suspicious" (a crash that is not a test failure).
KILLED_CODES = {1, 3, 24, -24, 36, 152, 255, 37}
SURVIVED_CODES = {0}
NO_TESTS_CODES = {5, 33}


@dataclass(frozen=True)
class Group:
    """One set of sources, the tests that cover them, and the score they must reach."""

    name: str
    target: float  # percent of the non-equivalent mutants killed
    sources: tuple[str, ...]  # globs under ROOT
    tests: tuple[str, ...]  # test files or folders under ROOT
    deselect: tuple[str, ...] = ()  # test files under ``tests`` not to run
    under_src: bool = False  # stage the sources as top-level modules (see the module docstring)
    # What mutmut's fork server loads before forking a process per mutant: "collect" imports the
    # tests and the code under test once (a mutant's process then only runs its tests);
    # "import" only the PRELOAD list, for tests that must not share what collection starts.
    warmup: str = "collect"
    # Mutants run at once, per core. The app's slowest tests mostly wait (deadlines, read
    # timeouts, a stand-in's pauses): with two per core the first function run kept the CPU
    # 22 % busy. Synth tests keep a core busy.
    children_per_core: int = 1


GROUPS = (
    # The app's tests, but not the zip's packaging or `make serve` (subprocesses, which run
    # without mutmut's record of which test covers which function).
    Group(
        "function",
        90.0,
        ("function/*.py",),
        ("tests/app", "tests/test_models.py", "tests/test_request_schema.py"),
        deselect=(
            "tests/app/test_app_packaging.py",
            "tests/app/test_serve.py",
            # a real browser: seconds per test, and no line of function/ that only it covers
            "tests/app/test_playground_browser.py",
        ),
        under_src=True,
        children_per_core=4,
    ),
    Group(
        "constructs_lib",
        85.0,
        (
            "constructs_lib/iam.py",
            "constructs_lib/bedrock_arns.py",
            "constructs_lib/settings.py",
            "constructs_lib/layer_arns.py",
        ),
        (
            "tests/test_iam.py",
            "tests/test_settings.py",
            "tests/test_lambda_function.py",
            "tests/test_stack.py",
            "tests/test_max_tokens.py",
            "tests/test_model_facts.py",
            "tests/test_environments.py",
            # every IAM statement's effect, actions and resources; the layers doctor checks
            "tests/test_security.py",
            "tests/test_doctor.py",
        ),
        # cdktf's import starts a jsii Node process whose pipe every mutant's process would share.
        warmup="import",
    ),
)

# Each group's tests run in a fresh process per mutant, forked from a server that has imported
# what its warm-up loads (mutmut's "forkserver" isolation). With warm-up "import", only these:
# not cdktf, whose import starts a jsii Node process whose pipe two mutants' processes would share.
PRELOAD = (
    "boto3",
    "botocore.session",
    "starlette.applications",
    "starlette.testclient",
    "httpx",
    "uvicorn",
    "hypothesis",
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "pytest",
)

# Tests marked slow run real tools (Terraform, cdktf-cli, the emulator): minutes per mutant.
# scripts/mutation_session.py runs a mutant's fastest tests first (see its docstring).
SESSION_PLUGIN = "scripts.mutation_session"
PYTEST_ARGS = ("-m", "not slow", "-p", "no:cacheprovider", "-p", SESSION_PLUGIN)

# The `function` package of a staged `function` group: `function.X` is the top-level module X.
FUNCTION_ALIAS = '''"""function.X is the top-level module X: one copy of each module, mutated once (scripts.mutate)."""

import importlib
import importlib.abc
import importlib.util
import sys


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith(__name__ + ".") and fullname.count(".") == 1:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(spec.name.rpartition(".")[2])

    def exec_module(self, module):
        pass


sys.meta_path.insert(0, _Alias())
'''


# --- staging -----------------------------------------------------------------------------------


def checkout_files(root: Path = ROOT) -> list[str]:
    """The checkout's files as git sees them: tracked ones and new ones not ignored."""
    git = shutil.which("git")
    if git is None:
        raise RuntimeError("git is not on PATH: scripts/mutate.py lists the checkout's files with it")
    listed = subprocess.run(
        [git, "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def group_sources(group: Group, files: Iterable[str]) -> list[str]:
    """The files a group mutates, matched against the checkout's files."""
    return sorted(
        name
        for name in files
        if any(Path(name).match(pattern) and name.count("/") == pattern.count("/") for pattern in group.sources)
    )


def staged_path(group: Group, name: str) -> str:
    """Where a checkout file goes in the staging folder."""
    if group.under_src and name.startswith(f"{FUNCTION_PACKAGE}/") and name.count("/") == 1:
        return f"{SOURCE_ROOT}/{name.split('/', 1)[1]}" if name.endswith(".py") else name
    return name


def stage(
    group: Group, destination: Path, root: Path = ROOT, files: Iterable[str] | None = None, fresh: bool = True
) -> list[str]:
    """Copy the checkout into ``destination`` laid out for ``group``; returns the staged sources.

    ``fresh`` starts from an empty folder; otherwise the checkout is copied over the last run's
    staging, mutmut's results (``mutants/``) kept, for ``--again``."""
    files = checkout_files(root) if files is None else list(files)
    if fresh and destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True, exist_ok=True)
    for name in files:
        targets = [staged_path(group, name)]
        if group.under_src and targets[0].startswith(f"{FUNCTION_PACKAGE}/") and name.count("/") == 1:
            # run.sh and the playground's page stay in function/ (the packaging tests read them
            # there) and also sit beside the staged modules, which serve the page from their folder.
            targets.append(f"{SOURCE_ROOT}/{name.split('/', 1)[1]}")
        for staged in targets:
            target = destination / staged
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, target)
    if group.under_src:
        (destination / FUNCTION_PACKAGE).mkdir(exist_ok=True)
        (destination / FUNCTION_PACKAGE / "__init__.py").write_text(FUNCTION_ALIAS)
    return [staged_path(group, name) for name in group_sources(group, files)]


def mutmut_config(group: Group, staged_sources: list[str], top_level: Iterable[str]) -> str:
    """pyproject.toml's [tool.mutmut] for a staged group (mutmut/configuration.py reads it)."""
    source_dirs = sorted({source.split("/", 1)[0] for source in staged_sources})
    tests = [*group.tests, *(f"--deselect={path}" for path in group.deselect)]
    settings = {
        "source_paths": source_dirs,
        # Only the chosen files are mutated; the rest of their folder is copied as it is.
        "only_mutate": staged_sources,
        "also_copy": sorted(set(top_level) - set(source_dirs)),
        "pytest_add_cli_args": list(PYTEST_ARGS),
        "pytest_add_cli_args_test_selection": tests,
        "process_isolation": "forkserver",
        "forkserver_warmup": group.warmup,
        "preload_modules_file": PRELOAD_FILE,
    }
    lines = ["[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


# --- results -----------------------------------------------------------------------------------


@dataclass
class FileScore:
    """Mutants of one source file by outcome, read from mutmut's ``.meta`` file."""

    path: str  # the checkout's path (function/app.py), not the staged one
    killed: list[str] = field(default_factory=list)
    survived: list[str] = field(default_factory=list)  # every test passed, or no test ran it
    other: list[str] = field(default_factory=list)  # suspicious: crashed without a failing test
    not_run: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.killed) + len(self.survived) + len(self.other) + len(self.not_run)


def read_meta(meta: Mapping, path: str) -> FileScore:
    """One file's outcome from the JSON mutmut writes beside each mutated file."""
    score = FileScore(path)
    for name, code in sorted(meta["exit_code_by_key"].items()):
        if code is None:
            score.not_run.append(name)
        elif code in KILLED_CODES:
            score.killed.append(name)
        elif code in SURVIVED_CODES or code in NO_TESTS_CODES:
            score.survived.append(name)
        else:
            score.other.append(name)
    return score


def staged_sources_of(group: Group, staged_dir: Path, only: list[str]) -> list[str]:
    """The sources an earlier run mutated: those its staging holds mutmut results for."""
    mutants = staged_dir / "mutants"
    # mutmut writes <staged source>.meta beside each mutated file; every staged source is one
    # folder deep (src/x.py, constructs_lib/x.py).
    found = sorted(str(meta.relative_to(mutants))[: -len(".meta")] for meta in mutants.glob("*/*.py.meta"))
    return [source for source in found if not only or original_path(group, source) in only]


def original_path(group: Group, staged: str) -> str:
    if group.under_src and staged.startswith(f"{SOURCE_ROOT}/"):
        return f"{FUNCTION_PACKAGE}/{staged.split('/', 1)[1]}"
    return staged


def read_results(group: Group, staged_dir: Path, staged_sources: list[str]) -> list[FileScore]:
    scores = []
    for staged in staged_sources:
        meta_file = staged_dir / "mutants" / f"{staged}.meta"
        if not meta_file.is_file():
            raise RuntimeError(f"mutmut left no results for {staged} ({meta_file} is missing)")
        scores.append(read_meta(json.loads(meta_file.read_text()), original_path(group, staged)))
    return scores


def fingerprint(diff: str) -> str:
    """Eight hex digits naming one mutation of one function, whatever its number or the file's
    line numbers: the diff of the function without its file header."""
    body = "\n".join(line for line in diff.splitlines() if not line.startswith(("---", "+++")))
    return hashlib.sha256(body.encode()).hexdigest()[:8]


def function_of(mutant: str) -> str:
    """``models.x_facts_for__mutmut_3`` -> ``models.x_facts_for``."""
    return mutant.partition("__mutmut_")[0]


EQUIVALENT_LINE = re.compile(r"^(?P<function>\S+)\s+(?P<fingerprint>[0-9a-f]{8})\s+(?P<reason>\S.*)$")


def read_equivalents(text: str, source: str = str(EQUIVALENT_FILE)) -> dict[tuple[str, str], str]:
    """``(function, fingerprint) -> reason`` from mutation/equivalent.txt.

    One mutant a line: ``<function> <fingerprint> <why it cannot change behaviour>``, as
    mutation/survivors.txt prints them; ``#`` starts a comment. A line without a reason is an
    error: an unexplained entry would only hide a survivor.
    """
    equivalents = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not line:
            continue
        match = EQUIVALENT_LINE.match(line)
        if match is None:
            raise ValueError(f"{source}:{number}: expected '<function> <8 hex digits> <reason>', got {line!r}")
        equivalents[(match["function"], match["fingerprint"])] = match["reason"]
    return equivalents


@dataclass
class Survivor:
    path: str
    mutant: str
    diff: str

    @property
    def key(self) -> tuple[str, str]:
        return function_of(self.mutant), fingerprint(self.diff)


@dataclass
class GroupReport:
    group: Group
    files: list[FileScore]
    equivalent: list[Survivor]
    unexplained: list[Survivor]
    # equivalent.txt lines of this run's modules that match no survivor: killed since, or their
    # function changed (a new diff, a new fingerprint). Printed, to be deleted or updated.
    stale: list[tuple[str, str]] = field(default_factory=list)

    @property
    def killed(self) -> int:
        return sum(len(score.killed) for score in self.files)

    @property
    def total(self) -> int:
        return sum(score.total for score in self.files)

    @property
    def percent(self) -> float:
        """Killed of all mutants, equivalents included: listing one does not raise the score, so
        equivalent.txt cannot buy the target (at most 100 - target % of them may be equivalent)."""
        return 100.0 * self.killed / self.total if self.total else 100.0

    @property
    def passed(self) -> bool:
        return self.percent >= self.group.target and not self.unexplained


def classify(
    group: Group, files: list[FileScore], diffs: Mapping[str, str], equivalents: Mapping[tuple[str, str], str]
) -> GroupReport:
    equivalent, unexplained = [], []
    for score in files:
        for mutant in score.survived + score.other:
            survivor = Survivor(score.path, mutant, diffs[mutant])
            (equivalent if survivor.key in equivalents else unexplained).append(survivor)
    modules = {function_of(name).rpartition(".")[0] for score in files for name in score.killed + score.survived}
    matched = {survivor.key for survivor in equivalent}
    stale = [key for key in equivalents if key[0].rpartition(".")[0] in modules and key not in matched]
    return GroupReport(group, files, equivalent, unexplained, stale)


def summary(report: GroupReport) -> list[str]:
    """The lines `make mutate` prints for one group."""
    group = report.group
    verdict = "ok" if report.passed else "BELOW TARGET" if report.percent < group.target else "UNEXPLAINED SURVIVORS"
    lines = [
        f"{group.name}: {report.killed}/{report.total} killed ({report.percent:.1f} %, target "
        f"{group.target:.0f} %), {len(report.equivalent)} equivalent, {len(report.unexplained)} "
        f"survivors not explained: {verdict}"
    ]
    unexplained = Counter(survivor.path for survivor in report.unexplained)
    for score in report.files:
        percent = 100.0 * len(score.killed) / score.total if score.total else 100.0
        lines.append(
            f"  {score.path:32} {len(score.killed):4}/{score.total:<4} {percent:5.1f} %   "
            f"survivors not explained: {unexplained[score.path]}"
        )
        if score.not_run:
            lines.append(f"    {len(score.not_run)} mutants not run: the run was interrupted")
    for function, print_ in report.stale:
        lines.append(f"  stale in mutation/equivalent.txt (no such survivor now): {function} {print_}")
    return lines


def survivors_text(reports: Iterable[GroupReport]) -> str:
    """mutation/survivors.txt: each survivor not listed as equivalent, by file, with its diff."""
    out = [
        "# Survivors of the last `make mutate` not listed in mutation/equivalent.txt (scripts/mutate.py).",
        "# Kill each with a test, or copy its first line into equivalent.txt with the reason it",
        "# cannot change behaviour.",
        "",
    ]
    for report in reports:
        by_file: dict[str, list[Survivor]] = {}
        for survivor in report.unexplained:
            by_file.setdefault(survivor.path, []).append(survivor)
        out.append(f"## {report.group.name}: {len(report.unexplained)}")
        for path, survivors in sorted(by_file.items()):
            out += ["", f"### {path}: {len(survivors)}"]
            for survivor in survivors:
                function, print_ = survivor.key
                out += ["", f"{function} {print_}    ({survivor.mutant})"]
                out += ["    " + line for line in survivor.diff.splitlines() if not line.startswith(("---", "+++"))]
        out.append("")
    return "\n".join(out)


# --- running mutmut ----------------------------------------------------------------------------


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def mutant_diffs(staged_dir: Path, staged_of: Mapping[str, str], mutants: Iterable[str]) -> dict[str, str]:
    """Each mutant's diff, as `mutmut show` prints it (read in-process: one import, not one per mutant)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    with working_directory(staged_dir):
        return {mutant: get_diff_for_mutant(mutant, path=staged_of[mutant]) for mutant in mutants}


def run_group(
    group: Group,
    only: list[str],
    max_children: int | None,
    equivalents: Mapping[tuple[str, str], str],
    again: bool = False,
) -> GroupReport:
    staged_dir = STAGING / group.name
    rerun: list[str] = []
    if again:
        if not (staged_dir / "mutants").is_dir():
            raise RuntimeError(f"--again: {staged_dir.relative_to(ROOT)} holds no earlier run of {group.name}")
        earlier = read_results(group, staged_dir, staged_sources_of(group, staged_dir, only))
        rerun = [name for score in earlier for name in score.survived + score.other + score.not_run]
    staged_sources = stage(group, staged_dir, fresh=not again)
    if again:
        # mutmut maps tests to functions once, then only for tests it has not seen: a function
        # added since would have no tests (and its mutants "survive", untested). Map afresh.
        (staged_dir / "mutants" / STATS_FILE).unlink(missing_ok=True)
        # A run with --only leaves the group's other files unmutated in mutants/ (mutmut copies
        # a file it does not mutate as it is). Mutated afresh from their sources, each keeps the
        # verdicts of its functions whose code is unchanged (mutmut compares their hashes).
        for source in group_sources(group, checkout_files()):
            (staged_dir / "mutants" / staged_path(group, source)).unlink(missing_ok=True)
    if only:
        staged_sources = [source for source in staged_sources if original_path(group, source) in only]
    # mutmut's own folder is not the project's: copied into itself, it would nest on every --again.
    top_level = {path.name for path in staged_dir.iterdir()} - {"mutants"}
    (staged_dir / "pyproject.toml").write_text(mutmut_config(group, staged_sources, top_level))
    (staged_dir / PRELOAD_FILE).write_text("\n".join(PRELOAD) + "\n")
    # The tests' conftest puts <project>/node_modules/.bin (Node 22, for jsii) first on PATH; the
    # project is mutants/ there, so it gets a link to the checkout's node_modules.
    # Likewise the package layer `make layer` built (.build/ is ignored by git, so not staged).
    links = {Path("node_modules"): ROOT / "node_modules"}
    links.update({Path(".build") / built: ROOT / ".build" / built for built in LAYER_FILES})
    for link, target in links.items():
        path = staged_dir / "mutants" / link
        if not path.is_symlink():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(target)
    print(f"{group.name}: mutating {len(staged_sources)} files in {staged_dir.relative_to(ROOT)}", flush=True)
    started = time.monotonic()
    # Each surviving mutant reruns every test that covers it: the app's property tests run their
    # "mutation" profile (fewer, still derandomized, examples) unless the caller chose a profile.
    # pytest loads the session plugin (`-p scripts.mutation_session`) before it reads pytest.ini's
    # pythonpath, so the folder the tests run from is put on the path here.
    env = {"HYPOTHESIS_PROFILE": "mutation", **os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(staged_dir / "mutants"), os.environ.get("PYTHONPATH")]))

    children = max_children or group.children_per_core * (os.cpu_count() or 1)

    def mutmut_run(names: list[str]) -> list[FileScore]:
        run = subprocess.run([str(MUTMUT), "run", "--max-children", str(children), *names], cwd=staged_dir, env=env)
        files = read_results(group, staged_dir, staged_sources)
        # mutmut also exits 1 when the files hold nothing it mutates (module-level tables only).
        if run.returncode != 0 and any(score.total for score in files):
            raise RuntimeError(f"mutmut run failed in {staged_dir} (exit {run.returncode}): see its output above")
        return files

    if again:
        print(f"{group.name}: again: {len(rerun)} mutants the last run did not kill; the others' verdicts stand")
    # Unnamed, mutmut runs each mutant it has no verdict for; named, those mutants whatever their
    # verdict. A function whose source changed since has new mutants, which the unnamed run takes.
    files = mutmut_run(rerun)
    if again and any(score.not_run for score in files):
        files = mutmut_run([])
    print(f"{group.name}: mutmut ran {time.monotonic() - started:.0f} s", flush=True)
    return judged(group, staged_dir, staged_sources, files, equivalents)


def judged(
    group: Group,
    staged_dir: Path,
    staged_sources: list[str],
    files: list[FileScore],
    equivalents: Mapping[tuple[str, str], str],
) -> GroupReport:
    """The run's verdicts with each survivor's diff, sorted into equivalent and unexplained."""
    staged_of = {
        mutant: staged
        for staged, score in zip(staged_sources, files, strict=True)
        for mutant in score.survived + score.other
    }
    return classify(group, files, mutant_diffs(staged_dir, staged_of, staged_of), equivalents)


def last_run(group: Group, only: list[str], equivalents: Mapping[tuple[str, str], str]) -> GroupReport:
    """The last run's report, judged against today's equivalent.txt, without running anything."""
    staged_dir = STAGING / group.name
    if not (staged_dir / "mutants").is_dir():
        raise RuntimeError(f"--report: {staged_dir.relative_to(ROOT)} holds no earlier run of {group.name}")
    staged_sources = staged_sources_of(group, staged_dir, only)
    return judged(group, staged_dir, staged_sources, read_results(group, staged_dir, staged_sources), equivalents)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--group",
        choices=[group.name for group in GROUPS],
        action="append",
        help="run only this group (repeatable); default: every group",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PATH",
        help="mutate only this source file, e.g. function/errors.py (repeatable); "
        "the score then covers that file alone",
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="after adding tests: rerun only the mutants the last run of each group did not kill, "
        "keeping its other verdicts (tests that only grow cannot revive a killed mutant); "
        "without it every run starts from nothing",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="run nothing: print the last run's scores and rewrite mutation/survivors.txt, "
        "with mutation/equivalent.txt as it is now",
    )
    parser.add_argument(
        "--max-children", type=int, help="mutants run at once (default: each group's share per core, see Group)"
    )
    args = parser.parse_args(argv)
    try:
        equivalents = read_equivalents(EQUIVALENT_FILE.read_text()) if EQUIVALENT_FILE.is_file() else {}
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    groups = [group for group in GROUPS if not args.group or group.name in args.group]
    if args.only:
        groups = [group for group in groups if any(Path(path).match(p) for path in args.only for p in group.sources)]
    started = time.monotonic()
    try:
        reports = [
            last_run(group, args.only, equivalents)
            if args.report
            else run_group(group, args.only, args.max_children, equivalents, args.again)
            for group in groups
        ]
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print()
    for report in reports:
        print("\n".join(summary(report)))
    SURVIVORS_FILE.parent.mkdir(exist_ok=True)
    SURVIVORS_FILE.write_text(survivors_text(reports))
    print(f"\n{time.monotonic() - started:.0f} s in all; survivors not explained: {SURVIVORS_FILE.relative_to(ROOT)}")
    return 0 if all(report.passed for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
