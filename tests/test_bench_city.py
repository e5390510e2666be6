"""Smoke run of the issue #10 city-scale benches (``bench/city_bench.py``) on the small demo city
and a few hundred events, so that they cannot rot: the generator (with its bulk rollups held equal
to ``rollups_rebuild``), the situation API beside its GROUP BY (numbers compared), the month's
assessment beside DuckDB (every number compared) and rule evaluation (a second pass raising
nothing). Each runs as its own process on its own SQLite files under ``tmp_path``, as a bench
run does; the figures are not checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def bench(tmp_path, *args) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JIEWANG_VAR_DIR")}
    env["JW_BENCH_VAR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "bench.city_bench", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_city_benches_run_on_the_small_city(tmp_path):
    pytest.importorskip("duckdb")
    common = ["--scale", "small", "--events", "400", "--years", "1"]
    bench(tmp_path, "gen", *common, "--rebuild-check")
    gen = json.loads(next(tmp_path.glob("results-gen-*.json")).read_text())
    assert gen["generated"]["events"] == 400 and all(gen["rollups_equal"].values())
    bench(tmp_path, "situation", *common, "--requests", "6", "--baseline", "3")
    situation = json.loads(next(tmp_path.glob("results-situation-*.json")).read_text())
    assert {lv["checked"] for lv in situation["levels"].values()} == {3}
    bench(tmp_path, "assessment", *common, "--per-area", "1", "--repeat", "1")
    assessment = json.loads(next(tmp_path.glob("results-assessment-*.json")).read_text())
    assert assessment["differences"] == 0 and assessment["compared"] > 0
    bench(tmp_path, "warning", "--scale", "small", "--backlog", "150", "--rules", "1")
    warning = json.loads(next(tmp_path.glob("results-warning-*.json")).read_text())
    assert warning["second_pass_new"] == 0 and warning["evaluate"]["events"] == 150
