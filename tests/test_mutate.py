"""`make mutate` (scripts/mutate.py): the staging, mutmut's config and the score, without mutmut.

mutmut itself runs only under `make mutate` (minutes); these tests pin what the script decides:
which files are mutated, how they are laid out so mutmut's names match the modules the tests
import, and how its results become a score and a list of survivors.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts import mutate, mutation_session

ROOT = Path(__file__).resolve().parents[1]
FUNCTION, CONSTRUCTS = mutate.GROUPS


def test_the_function_group_mutates_every_module_of_function_new_ones_included():
    files = [
        "function/app.py",
        "function/openai_route.py",
        "function/run.sh",
        "function/sub/x.py",
        "tests/app/support.py",
    ]
    assert mutate.group_sources(FUNCTION, files) == ["function/app.py", "function/openai_route.py"]


def test_the_constructs_group_mutates_only_the_iam_arn_and_settings_helpers():
    files = [
        "constructs_lib/iam.py",
        "constructs_lib/bedrock_arns.py",
        "constructs_lib/settings.py",
        "constructs_lib/layer_arns.py",
        "constructs_lib/stack.py",
        "constructs_lib/waf.py",
    ]
    assert mutate.group_sources(CONSTRUCTS, files) == [
        "constructs_lib/bedrock_arns.py",
        "constructs_lib/iam.py",
        "constructs_lib/layer_arns.py",
        "constructs_lib/settings.py",
    ]


@pytest.mark.parametrize("group", mutate.GROUPS, ids=lambda group: group.name)
def test_every_source_pattern_and_test_path_of_a_group_exists(group):
    files = mutate.checkout_files()
    assert len(mutate.group_sources(group, files)) >= len([p for p in group.sources if "*" not in p])
    for pattern in group.sources:
        assert mutate.group_sources(mutate.Group("one", 0, (pattern,), ()), files), pattern
    for path in (*group.tests, *group.deselect):
        assert (ROOT / path).exists(), path


@pytest.fixture(scope="module")
def staged_function(tmp_path_factory) -> tuple[Path, list[str]]:
    destination = tmp_path_factory.mktemp("staged") / "function"
    return destination, mutate.stage(FUNCTION, destination)


def test_staging_puts_every_function_module_under_src_and_leaves_function_a_package_of_aliases(staged_function):
    destination, sources = staged_function
    modules = sorted(path.name for path in (ROOT / "function").glob("*.py"))
    assert sources == [f"src/{name}" for name in modules]
    assert sorted(path.name for path in (destination / "src").glob("*.py")) == modules
    others = sorted(path.name for path in (ROOT / "function").iterdir() if path.is_file() and path.suffix != ".py")
    assert "run.sh" in others and "playground.html" in others
    assert sorted(path.name for path in (destination / "function").iterdir()) == ["__init__.py", *others]
    assert sorted(path.name for path in (destination / "src").iterdir() if path.suffix != ".py") == others
    assert (destination / "tests" / "support" / "app.py").is_file()
    assert (destination / "constructs_lib" / "settings.py").is_file()


def test_in_the_staged_layout_function_dot_models_is_the_top_level_models_module(staged_function):
    # GIVEN the staged tree on sys.path as mutmut sets it (src/ first, then the tree itself)
    destination, _ = staged_function
    check = (
        "import sys; sys.path[:0] = [sys.argv[1] + '/src', sys.argv[1]]; import models, function.models, "
        "function.config as c; from function.models import facts_for; import config; "
        "print(function.models is models, c is config, facts_for is models.facts_for, models.__file__)"
    )
    # WHEN both names are imported
    out = subprocess.run(
        [sys.executable, "-c", check, str(destination)], capture_output=True, text=True, check=True, cwd=destination
    ).stdout.split()
    # THEN they are one module, loaded from src/: a mutant of either is a mutant of both
    assert out[:3] == ["True", "True", "True"]
    assert Path(out[3]) == destination / "src" / "models.py"


def test_mutmut_config_mutates_only_the_groups_files_and_runs_its_tests_without_slow_ones():
    config = tomllib.loads(
        mutate.mutmut_config(
            FUNCTION, ["src/app.py", "src/config.py"], ["src", "tests", "local", "function", "constructs_lib"]
        )
    )["tool"]["mutmut"]
    assert config["source_paths"] == ["src"]
    assert config["only_mutate"] == ["src/app.py", "src/config.py"]
    assert config["also_copy"] == ["constructs_lib", "function", "local", "tests"]
    assert config["pytest_add_cli_args"][:2] == ["-m", "not slow"]
    assert "tests/app" in config["pytest_add_cli_args_test_selection"]
    assert "--deselect=tests/app/test_app_packaging.py" in config["pytest_add_cli_args_test_selection"]
    assert config["process_isolation"] == "forkserver"


def test_mutmut_exit_codes_become_killed_survived_other_and_not_run():
    meta = {
        "exit_code_by_key": {
            "app.x_a__mutmut_1": 1,
            "app.x_a__mutmut_2": 0,
            "app.x_a__mutmut_3": 33,
            "app.x_a__mutmut_4": 36,
            "app.x_a__mutmut_5": None,
            "app.x_a__mutmut_6": -11,
            "app.x_a__mutmut_7": 3,
        }
    }
    score = mutate.read_meta(meta, "function/app.py")
    assert score.killed == ["app.x_a__mutmut_1", "app.x_a__mutmut_4", "app.x_a__mutmut_7"]  # 36: a timeout
    assert score.survived == ["app.x_a__mutmut_2", "app.x_a__mutmut_3"]  # 33: no test covers it
    assert score.other == ["app.x_a__mutmut_6"]
    assert score.not_run == ["app.x_a__mutmut_5"]
    assert score.total == 7


def test_the_staged_path_maps_back_to_the_checkouts():
    assert mutate.original_path(FUNCTION, "src/app.py") == "function/app.py"
    assert mutate.original_path(CONSTRUCTS, "constructs_lib/iam.py") == "constructs_lib/iam.py"


DIFF = """--- src/app.py
+++ src/app.py
@@ -1,2 +1,2 @@
 def x_limit():
-    return 1
+    return 2"""


def test_a_fingerprint_ignores_the_file_header_and_tells_mutations_apart():
    assert mutate.fingerprint(DIFF) == mutate.fingerprint(DIFF.replace("src/app.py", "elsewhere.py"))
    assert mutate.fingerprint(DIFF) != mutate.fingerprint(DIFF.replace("return 2", "return 0"))


def test_equivalents_are_read_with_their_reasons_and_a_line_without_one_is_an_error():
    text = "# comment\n\napp.x_limit 0123abcd the cap is applied again downstream  # why\n"
    assert mutate.read_equivalents(text, "eq.txt") == {
        ("app.x_limit", "0123abcd"): "the cap is applied again downstream"
    }
    with pytest.raises(ValueError, match=r"eq.txt:2: expected '<function> <8 hex digits> <reason>'"):
        mutate.read_equivalents("# c\napp.x_limit 0123abcd\n", "eq.txt")


def scores(killed: int, survivors: list[str]) -> list[mutate.FileScore]:
    return [
        mutate.FileScore("function/app.py", killed=[f"app.x_k__mutmut_{n}" for n in range(killed)], survived=survivors)
    ]


def test_equivalent_survivors_are_set_apart_and_the_rest_listed_with_their_diffs():
    diffs = {"app.x_limit__mutmut_1": DIFF, "app.x_limit__mutmut_2": DIFF.replace("return 2", "return 0")}
    equivalents = {("app.x_limit", mutate.fingerprint(DIFF)): "reason"}
    report = mutate.classify(FUNCTION, scores(18, list(diffs)), diffs, equivalents)
    assert [s.mutant for s in report.equivalent] == ["app.x_limit__mutmut_1"]
    assert [s.mutant for s in report.unexplained] == ["app.x_limit__mutmut_2"]
    assert (report.killed, report.total, report.percent) == (18, 20, 90.0)  # the equivalent still counts
    assert not report.passed  # at the target, but a survivor is not explained
    text = mutate.survivors_text([report])
    assert f"app.x_limit {mutate.fingerprint(diffs['app.x_limit__mutmut_2'])}" in text
    assert "+    return 0" in text and "+    return 2" not in text


@pytest.mark.parametrize("killed, passed", [(9, True), (8, False)])
def test_with_every_survivor_explained_a_group_passes_at_its_target_and_fails_below_it(killed, passed):
    # GIVEN one survivor, listed as equivalent, and the function group's 90 % target
    diffs = {"app.x_limit__mutmut_1": DIFF}
    report = mutate.classify(
        FUNCTION, scores(killed, list(diffs)), diffs, {("app.x_limit", mutate.fingerprint(DIFF)): "reason"}
    )
    # THEN 9 of 10 passes, 8 of 9 (88.9 %) does not
    assert report.unexplained == []
    assert report.passed is passed
    assert mutate.summary(report)[0].endswith(": ok" if passed else ": BELOW TARGET")


def test_each_group_warms_its_fork_server_as_its_tests_allow_and_loads_the_session_plugin():
    function = tomllib.loads(mutate.mutmut_config(FUNCTION, ["src/app.py"], ["src"]))["tool"]["mutmut"]
    constructs = tomllib.loads(mutate.mutmut_config(CONSTRUCTS, ["constructs_lib/iam.py"], []))["tool"]["mutmut"]
    # the app's tests and modules imported once; cdktf's Node process never shared by forks
    assert (function["forkserver_warmup"], constructs["forkserver_warmup"]) == ("collect", "import")
    assert function["pytest_add_cli_args"][-2:] == ["-p", "scripts.mutation_session"]


def test_the_session_plugin_runs_a_mutants_tests_fastest_first_unmeasured_ones_in_place(tmp_path):
    stats = tmp_path / "mutmut-stats.json"
    assert mutation_session.durations(stats) == {}  # before mutmut's first pass
    stats.write_text(json.dumps({"duration_by_test": {"t::slow": 3.0, "t::fast": 0.1, "t::mid": 1.0}}))
    items = [SimpleNamespace(nodeid=name) for name in ("t::slow", "t::new", "t::mid", "t::fast", "t::new2")]
    mutation_session.fastest_first(items, mutation_session.durations(stats))
    assert [item.nodeid for item in items] == ["t::new", "t::new2", "t::fast", "t::mid", "t::slow"]


def test_the_session_plugin_points_the_apps_log_handler_at_this_sessions_stdout(monkeypatch):
    # GIVEN the app's handler still on the stream of the warm-up session, now closed
    closed = io.StringIO()
    closed.close()
    handler = logging.StreamHandler(closed)
    monkeypatch.setitem(
        sys.modules, "observability", SimpleNamespace(logger=SimpleNamespace(registered_handler=handler))
    )
    # WHEN a mutant's session starts
    mutation_session.pytest_sessionstart()
    # THEN the handler writes to this session's stdout; an open stream would have been left alone
    assert handler.stream is sys.stdout
    other = io.StringIO()
    handler.stream = other
    mutation_session.pytest_sessionstart()
    assert handler.stream is other


def test_again_keeps_the_last_runs_results_and_finds_the_files_it_mutated(tmp_path):
    # GIVEN a staging with mutmut's results for two files
    destination = tmp_path / "function"
    mutate.stage(FUNCTION, destination, files=["function/app.py", "function/models.py"])
    for name in ("app", "models"):
        (destination / "mutants" / "src").mkdir(parents=True, exist_ok=True)
        (destination / "mutants" / "src" / f"{name}.py.meta").write_text("{}")
    # and a copy of mutmut's folder inside itself, which is not a mutated file
    (destination / "mutants" / "mutants" / "src").mkdir(parents=True)
    (destination / "mutants" / "mutants" / "src" / "app.py.meta").write_text("{}")
    # WHEN it is staged again for --again, then afresh
    mutate.stage(FUNCTION, destination, files=["function/app.py"], fresh=False)
    assert mutate.staged_sources_of(FUNCTION, destination, []) == ["src/app.py", "src/models.py"]
    assert mutate.staged_sources_of(FUNCTION, destination, ["function/models.py"]) == ["src/models.py"]
    mutate.stage(FUNCTION, destination, files=["function/app.py"])
    # THEN only a fresh staging forgets them
    assert not (destination / "mutants").exists()


@pytest.mark.parametrize("option", ["--again", "--report"])
def test_again_or_report_without_an_earlier_run_is_a_clear_error(option, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(mutate, "STAGING", tmp_path)
    monkeypatch.setattr(mutate, "ROOT", tmp_path)
    assert mutate.main(["--group", "function", option]) == 2
    assert capsys.readouterr().err == f"error: {option}: function holds no earlier run of function\n"


def test_an_equivalent_line_of_a_run_module_that_matches_no_survivor_is_reported_stale():
    # GIVEN one listed survivor, a line for a mutant of app.py since killed, one for another module
    diffs = {"app.x_limit__mutmut_1": DIFF}
    listed = ("app.x_limit", mutate.fingerprint(DIFF))
    killed_since = ("app.x_gone", "0123abcd")
    elsewhere = ("models.x_facts_for", "89abcdef")
    equivalents = {listed: "reason", killed_since: "reason", elsewhere: "reason"}
    # WHEN the run of app.py alone is judged
    report = mutate.classify(FUNCTION, scores(9, list(diffs)), diffs, equivalents)
    # THEN only the app.py line that matches nothing is stale (models.py was not run), and printed
    assert report.stale == [killed_since]
    stale_line = "  stale in mutation/equivalent.txt (no such survivor now): app.x_gone 0123abcd"
    assert mutate.summary(report)[-1] == stale_line
    assert report.passed  # a stale line is tidying, not a failed score
