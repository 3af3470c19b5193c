"""Loading tasks and predictions in every shape, the spec table, and the test-output parsers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_helpers import make_repo, make_scenario, task_row

from patchsmith.errors import UserError
from patchsmith.harness.parsers import (
    FAILED,
    PASSED,
    lookup,
    parse_django,
    parse_pytest,
    parse_pytest_options,
    parse_sympy,
    parse_tap,
)
from patchsmith.harness.preds import Prediction, read_preds, write_preds
from patchsmith.harness.specs import directives_for, network_tests, spec_for
from patchsmith.harness.tasks import load_tasks, patch_files, select, task_from_row


def test_jsonl_and_json_list_with_string_or_list_test_ids(tmp_path: Path) -> None:
    row = task_row("a" * 40)
    (tmp_path / "t.jsonl").write_text(json.dumps(row) + "\n\n")
    listed = dict(row, FAIL_TO_PASS=json.loads(row["FAIL_TO_PASS"]), PASS_TO_PASS=[])
    (tmp_path / "t.json").write_text(json.dumps([listed]))
    a, = load_tasks(tmp_path / "t.jsonl")
    b, = load_tasks(tmp_path / "t.json")
    assert a.fail_to_pass == b.fail_to_pass == ["tests/test_calc.py::test_add"]
    assert a.pass_to_pass[1] == "tests/test_calc.py::test_words[a" and b.pass_to_pass == []
    assert "patch" not in a.public() and "test_patch" not in a.public()


def test_bad_rows_are_one_line_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="missing required field"):
        task_from_row({"instance_id": "x"})
    with pytest.raises(UserError, match="FAIL_TO_PASS"):
        task_from_row(task_row("a" * 40, FAIL_TO_PASS="not json"))
    (tmp_path / "bad.jsonl").write_text('{"instance_id": 1\n')
    with pytest.raises(UserError, match="line 1"):
        load_tasks(tmp_path / "bad.jsonl")
    with pytest.raises(UserError, match="no such file"):
        load_tasks(tmp_path / "missing.jsonl")
    with pytest.raises(UserError, match="unknown instance"):
        select(load_tasks_from_rows(tmp_path), ["nope"])


def load_tasks_from_rows(tmp_path: Path):
    (tmp_path / "ok.jsonl").write_text(json.dumps(task_row("a" * 40)) + "\n")
    return load_tasks(tmp_path / "ok.jsonl")


def test_parquet_needs_pyarrow_or_reads(tmp_path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        (tmp_path / "t.parquet").write_bytes(b"PAR1")
        with pytest.raises(UserError, match="pyarrow"):
            load_tasks(tmp_path / "t.parquet")
        return
    pq.write_table(pa.Table.from_pylist([task_row("a" * 40)]), tmp_path / "t.parquet")
    assert load_tasks(tmp_path / "t.parquet")[0].fail_to_pass == ["tests/test_calc.py::test_add"]


def test_scenarios_folder_with_bundle_replies_and_specs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    base = make_repo(repo)
    scen = tmp_path / "scenarios"
    one = make_scenario(scen, repo, base, "calc-1")
    make_scenario(scen, repo, base, "calc-2", language="python")
    (scen / "specs.json").write_text(json.dumps({"local/calc": {"test_cmd": "python -m pytest -rA -q"}}))
    (one / "spec.json").write_text(json.dumps({"install": "true"}))
    tasks = load_tasks(scen)
    assert [t.instance_id for t in tasks] == ["calc-1", "calc-2"]
    assert tasks[0].bundle == one / "repo.bundle" and tasks[0].replies == one / "replies.jsonl"
    assert tasks[0].spec == {"test_cmd": "python -m pytest -rA -q", "install": "true"}
    spec = spec_for(tasks[0])
    assert spec.install == "true" and spec.test_cmd == "python -m pytest -rA -q" and spec.python == "system"
    assert load_tasks(one)[0].instance_id == "calc-1"  # one task folder works too
    with pytest.raises(UserError, match="no task folders"):
        load_tasks(tmp_path / "repo")


def test_preds_every_shape(tmp_path: Path) -> None:
    rows = [{"instance_id": "a", "model_name_or_path": "m", "model_patch": "diff a"},
            {"instance_id": "b", "model_name_or_path": "m", "model_patch": None}]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (tmp_path / "list.json").write_text(json.dumps(rows))
    (tmp_path / "dict.json").write_text(json.dumps({"a": {"model_patch": "diff a", "model_name_or_path": "m"},
                                                    "b": {"model_patch": ""}}))
    (tmp_path / "bare.json").write_text(json.dumps({"a": "diff a", "b": ""}))
    for name in ("p.jsonl", "list.json", "dict.json", "bare.json"):
        preds = {p.instance_id: p for p in read_preds(tmp_path / name)}
        assert preds["a"].model_patch == "diff a" and preds["b"].model_patch == "", name
    out = write_preds(tmp_path / "out" / "preds.jsonl", [Prediction("a", "x", "m")])
    assert json.loads(out.read_text()) == {"instance_id": "a", "model_name_or_path": "m", "model_patch": "x"}
    (tmp_path / "junk.jsonl").write_text("{oops\n")
    with pytest.raises(UserError, match="line 1"):
        read_preds(tmp_path / "junk.jsonl")


def test_spec_table_versions_and_overrides() -> None:
    base = task_row("a" * 40, repo="pytest-dev/pytest", version="5.4")
    spec = spec_for(task_from_row(base))
    assert spec.python == "3.9" and "pluggy==0.13.1" in spec.pip_packages and spec.parser == "pytest"
    flask20 = spec_for(task_from_row(dict(base, repo="pallets/flask", version="2.0")))
    assert flask20.python == "3.9" and "Werkzeug==2.3.7" in flask20.pip_packages
    sympy = spec_for(task_from_row(dict(base, repo="sympy/sympy", version="1.7")))
    assert sympy.parser == "sympy" and "bin/test -C" in sympy.test_cmd
    django = spec_for(task_from_row(dict(base, repo="django/django", version="3.0")))
    assert django.python == "3.6" and directives_for(django, ["tests/admin_views/tests.py"]) == ["admin_views.tests"]
    config = {"pytest-dev/pytest": {"test_cmd": "pytest -x", "versions": {"5.4": {"python": "3.8"}}}}
    assert spec_for(task_from_row(base), config).test_cmd == "pytest -x"
    assert spec_for(task_from_row(base), config).python == "3.8"
    assert spec_for(task_from_row(dict(base, install="make"))).install == "make"  # the task wins
    node = spec_for(task_from_row(dict(base, repo="local/js", language="javascript", test_cmd="node --test")))
    assert node.python is None and node.parser == "tap"
    requests = spec_for(task_from_row(dict(base, repo="psf/requests", version="2.10")))
    # Each release's own layout: tests/ from 2.10, test_requests.py before (no entry names the other one).
    assert "tests/test_requests.py::TestTimeout::test_connect_timeout" in requests.deselect
    old = spec_for(task_from_row(dict(base, repo="psf/requests", version="2.7"))).deselect
    assert "test_requests.py::TestTimeout::test_connect_timeout" in old
    assert not any(d.startswith("tests/") for d in old) and not any(d.startswith("test_") for d in requests.deselect)
    assert requests.services == ("httpbin",)


def test_network_tests_found_by_source() -> None:
    source = ("import requests\n\nclass TestX:\n    def test_net(self):\n        requests.get('http://example.com/')\n"
              "    def test_local(self):\n        requests.Request('GET', 'http://example.com/')\n\n"
              "def test_bin():\n    r = requests.post(httpbin('post'))\n")
    pattern = spec_for(task_from_row(task_row("a" * 40, repo="psf/requests"))).network_source
    # httpbin calls are not in it: a local httpbin service answers them.
    assert network_tests(source, pattern, "t.py") == ["t.py::TestX::test_net"]
    assert network_tests(source, r"httpbin\(", "t.py") == ["t.py::test_bin"]


def test_parse_pytest_cuts_ids_at_first_space() -> None:
    log = ("tests/test_calc.py ..F\n=== short test summary info ===\nPASSED tests/test_calc.py::test_mul\n"
           "PASSED tests/test_calc.py::test_words[a b]\nFAILED tests/test_calc.py::test_add - assert -1 == 5\n"
           "\x1b[32mPASSED\x1b[0m tests/test_calc.py::test_words[c]\nSKIPPED [1] tests/x.py:3: no\n")
    status = parse_pytest(log)
    assert status["tests/test_calc.py::test_words[a"] == PASSED  # as the official parser cuts it
    assert status["tests/test_calc.py::test_add"] == FAILED and status["tests/test_calc.py::test_words[c]"] == PASSED
    assert lookup("tests/test_calc.py::test_words[a b]", status) == PASSED  # an uncut id still matches
    assert lookup("tests/test_calc.py::missing", status) is None
    assert "[1]" not in status  # a skip summary names no test
    verbose = parse_pytest("tests/test_a.py::test_x PASSED                [ 50%]\ntests/test_a.py::test_y FAILED\n")
    assert verbose == {"tests/test_a.py::test_x": PASSED, "tests/test_a.py::test_y": FAILED}
    # requests and pylint ids keep only the last part of a path-valued parameter, as the datasets do.
    options = parse_pytest_options("PASSED tests/test_self.py::T::test_stdin[/testbed/tests/m.py-m-/testbed/tests/m.py]\n"
                                   "PASSED tests/t.py::test_url[//host/x]\n")
    assert set(options) == {"tests/test_self.py::T::test_stdin[/m.py]", "tests/t.py::test_url[//host/x]"}


def test_parse_django_and_sympy_and_tap() -> None:
    django = ("test_ok (admin.tests.A) ... ok\ntest_doc (admin.tests.A)\nA docstring line. ... ok\n"
              "test_bad (admin.tests.A) ... FAIL\ntest_err (admin.tests.A) ... ERROR\n"
              "test_skip (admin.tests.A) ... skipped 'no db'\ntest_noisy (admin.tests.A) ... printed stuff\nok\n")
    status = parse_django(django)
    assert status["test_ok (admin.tests.A)"] == PASSED and status["A docstring line."] == PASSED
    assert status["test_bad (admin.tests.A)"] == FAILED and status["test_err (admin.tests.A)"] == "ERROR"
    assert status["test_skip (admin.tests.A)"] == "SKIPPED" and status["test_noisy (admin.tests.A)"] == PASSED
    sympy = ("sympy/core/tests/test_basic.py[3] \ntest_a ok\ntest_b F\ntest_c E\n"
             "________________ sympy/core/tests/test_basic.py:test_b ________________\n")
    status = parse_sympy(sympy)
    assert status == {"test_a": PASSED, "test_b": FAILED, "test_c": "ERROR",
                      "sympy/core/tests/test_basic.py:test_b": FAILED}
    tap = "TAP version 13\n# Subtest: adds\nok 1 - adds\nnot ok 2 - subtracts\n  ok 3 - nested # SKIP later\n"
    assert parse_tap(tap) == {"adds": PASSED, "subtracts": FAILED, "nested": "SKIPPED"}
    assert parse_tap("\u2714 adds (0.5ms)\n\u2716 subtracts (1.1ms)\n") == {"adds": PASSED, "subtracts": FAILED}


def test_patch_files() -> None:
    patch = ("diff --git a/x/y.py b/x/y.py\n--- a/x/y.py\n+++ b/x/y.py\n"
             "diff --git a/new.txt b/new.txt\nnew file mode 100644\n")
    assert patch_files(patch) == ["x/y.py", "new.txt"]
