"""The PostgreSQL part of `assistant bench` at a small size (figures are read by people; what is asserted is
what must hold whatever the machine: exact search is exact, and each store measured in a process of its own)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

pg_bench = pytest.importorskip("assistant.measure.pg_bench")


def test_both_stores_measured_side_by_side(pg_server: str) -> None:
    from assistant.measure.scale import prepare_scale_data, prepare_scale_queries

    n, _ = prepare_scale_data(300, progress=lambda m: None)
    prepare_scale_queries(n, 20)
    size = pg_bench.measure_size(pg_server, n, 20, log=lambda m: None)
    assert size["chunks"] == 300 and size["queries"] == 20
    assert size["files_flat"]["recall@10_vs_exact"] == 1.0
    assert size["postgresql_flat"]["recall@10_vs_exact"] == 1.0  # an exact scan finds what exact search finds
    assert size["postgresql_hnsw"]["recall@10_vs_exact"] >= 0.9
    for key in ("files_flat", "postgresql_flat", "postgresql_hnsw"):
        memory = size[key]["memory"]
        assert memory["serving_mb"] > memory["baseline_mb"] > 0  # measured in a fresh process
        assert 0 < size[key]["dense"]["p50_ms"] <= size[key]["dense"]["p95_ms"]
    table = pg_bench.table({"sizes": [size]})
    assert table.count("| 300 |") == 3 and "postgresql hnsw" in table
