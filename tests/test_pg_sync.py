"""Incremental PostgreSQL syncs: an unchanged article's rows are copied inside the database, and the
generation they make holds exactly what a build from nothing holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.embed.embedding import HashingEmbedder
from assistant.ingest.corpus import load_corpus

pytestmark = pytest.mark.postgres

pg_store = pytest.importorskip("assistant.store.postgres")
pg_sync = pytest.importorskip("assistant.store.postgres_sync")
pg_generation = pytest.importorskip("assistant.store.postgres_generation")

TABLES = {
    "articles": "SELECT source, ord, sha256, record, owners, meta, scripts, terms FROM {s}.articles ORDER BY ord",
    "chunks": "SELECT pos, source, id, sent_lo, sent_hi, length, record, embedding::text FROM {s}.chunks ORDER BY pos",
    "sentences": "SELECT pos, source, record, embedding::text FROM {s}.sentences ORDER BY pos",
    "terms": "SELECT term, df, articles, meta, rows, weights FROM {s}.terms ORDER BY term",
    "postings": "SELECT term, pos, tf, weight FROM {s}.postings ORDER BY term, pos",
}


def _tables(url: str) -> dict[str, list[Any]]:
    index = pg_store.open_index(url)
    return {name: index.query(sql) for name, sql in TABLES.items()}


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The articles whose rows each sync sent from Python (the rest were copied in the database)."""
    seen: list[set[str]] = []
    real = pg_generation._write_fresh

    def spy(conn: Any, schema: str, rows: Any, *args: Any) -> None:
        seen.append(set(rows.fresh))
        real(conn, schema, rows, *args)

    monkeypatch.setattr(pg_generation, "_write_fresh", spy)
    return seen


def test_an_incremental_sync_equals_a_build_from_nothing(tiny_corpus: Path, pg_url: str, sent: list[set[str]]) -> None:
    embedder = HashingEmbedder()
    pg_sync.sync(load_corpus(tiny_corpus).articles, pg_url, embedder)
    assert sent == [{"solar.txt", "bees.md", "rail.html"}]
    # A new article sorted first (every kept row moves), one changed, one removed, one retitled.
    (tiny_corpus / "alps.txt").write_text("Glaciers of the Alps\nThe glaciers lost ten percent of their ice in 2022.")
    (tiny_corpus / "solar.txt").write_text((tiny_corpus / "solar.txt").read_text() + " A fourth phase began in 2024.")
    (tiny_corpus / "rail.html").unlink()
    bees = (tiny_corpus / "bees.md").read_text()
    (tiny_corpus / "bees.md").write_text(bees.replace("title: Why bees matter", "title: Pollinators at risk"))
    articles = load_corpus(tiny_corpus).articles
    report = pg_sync.sync(articles, pg_url, embedder)
    assert report.added == ["alps.txt"] and report.changed == ["solar.txt"] and report.removed == ["rail.html"]
    assert report.unchanged == ["bees.md"]
    assert sent[-1] == {"alps.txt", "solar.txt"}  # the unchanged article's rows were not sent again
    incremental = _tables(pg_url)
    kept = [row for row in incremental["chunks"] if row[1] == "bees.md"]
    assert kept and {row[6]["title"] for row in kept} == {"Pollinators at risk"}  # a kept chunk: the present title

    rebuilt_url = pg_url.replace("index=", "index=r")
    pg_sync.sync(articles, rebuilt_url, embedder)
    assert sent[-1] == {a.source for a in articles}
    assert incremental == _tables(rebuilt_url)  # every row, vector, term statistic and BM25 weight
    index = pg_store.open_index(pg_url)
    for chunk in index.chunks:
        rows = index.sentence_rows(chunk)
        assert rows and all(index.sentences[r].source == chunk.source for r in rows)


def _as(url: str, user: str, database: str) -> str:
    """The test server's connection string for another role and database (same socket folder)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.hostname or ''}", path=f"/{database}"))


def test_the_roles_the_readme_sets_up_suffice(tiny_corpus: Path, pg_server: str) -> None:
    """README, "Setting up an existing server": a database owner indexes; a reader with the default
    privileges it is given there answers, and cannot write."""
    import psycopg

    from assistant.errors import IndexWriteError

    conninfo, _ = pg_store.parse_location(pg_server)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        for role in ("assistant_reader", "assistant_owner"):
            admin.execute(f"DROP DATABASE IF EXISTS {role}_db")
            admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute("CREATE ROLE assistant_owner LOGIN PASSWORD 'x'")
        admin.execute("CREATE DATABASE assistant_owner_db OWNER assistant_owner")
        admin.execute("CREATE ROLE assistant_reader LOGIN PASSWORD 'y'")
        admin.execute("GRANT CONNECT ON DATABASE assistant_owner_db TO assistant_reader")
    with psycopg.connect(_as(conninfo, "postgres", "assistant_owner_db"), autocommit=True) as admin:
        admin.execute("CREATE EXTENSION IF NOT EXISTS vector")
        for grant in ("USAGE ON SCHEMAS", "SELECT ON TABLES"):
            admin.execute(f"ALTER DEFAULT PRIVILEGES FOR ROLE assistant_owner GRANT {grant} TO assistant_reader")
    owner = _as(pg_server, "assistant_owner", "assistant_owner_db")
    reader = _as(pg_server, "assistant_reader", "assistant_owner_db")
    articles = load_corpus(tiny_corpus).articles
    assert pg_sync.sync(articles, owner, HashingEmbedder()).written
    index = pg_store.open_index(reader)
    assert index.lexical_search("solar megawatts", 3) and index.chunks_at([0])[0].source in {a.source for a in articles}
    (tiny_corpus / "alps.txt").write_text("Glaciers of the Alps lost ten percent of their ice in 2022.")
    with pytest.raises(IndexWriteError, match="permission denied") as denied:
        pg_sync.sync(load_corpus(tiny_corpus).articles, reader, HashingEmbedder())
    assert "\n" not in str(denied.value) and "the role needs CREATE on schema public" in str(denied.value)
    assert pg_sync.sync(load_corpus(tiny_corpus).articles, owner, HashingEmbedder()).added == ["alps.txt"]
    assert pg_store.open_index(reader).lexical_search("glaciers alps", 3)  # a new generation: readable too
    pg_store.close_pools()  # before the databases go
