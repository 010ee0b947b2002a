"""Shared fixtures: the real embedding model once per session, small article folders, a PostgreSQL server."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.embed.embedding import HashingEmbedder, SentenceTransformerEmbedder

# Derived model files (the ONNX export) go to a cache of this test run, not the user's; point
# ASSISTANT_CACHE_DIR at a lasting folder to skip the export on later runs.
os.environ.setdefault("ASSISTANT_CACHE_DIR", tempfile.mkdtemp(prefix="assistant-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHIPPED_INDEX = ROOT / "index"

TINY_ARTICLES = {
    "solar.txt": (
        "Solar farms in the desert\n"
        "The Noor plant near Ouarzazate produces 580 megawatts of electricity. "
        "It was completed in 2018 after three construction phases. "
        "Engineers chose concentrated solar power because it stores heat in molten salt.\n"
        "Critics say the project cost 9 billion dollars and relies on foreign loans."
    ),
    "bees.md": (
        "---\ntitle: Why bees matter\nauthor: A. Keeper\ndate: 2021-05-04\n---\n"
        "# Why bees matter\n\nHoneybees pollinate about a third of the crops people eat. "
        "Colony collapse disorder was first described in 2006 in North America.\n\n"
        "Beekeepers lost 45 percent of their colonies in the winter of 2020."
    ),
    "rail.html": (
        "<html><head><title>Night trains return</title><meta property='og:site_name' content='Rail Weekly'>"
        "</head><body><nav>Home | News | Contact</nav><div class='cookie-banner'>We use cookies to improve "
        "your experience on our website. Accept</div><article><h1>Night trains return</h1>"
        "<p>The Vienna to Paris sleeper train restarted in December 2021 after a pause of seven years.</p>"
        "<script>alert('x')</script><p>Tickets start at 30 euros for a seat and 60 euros for a couchette.</p>"
        "<div class='share-buttons'>Share on Twitter</div></article><footer>© 2022 Rail Weekly</footer>"
        "</body></html>"
    ),
}


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    return write_articles(tmp_path / "corpus", TINY_ARTICLES)


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2, loaded once for the whole session."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the committed index, so tests never write into the repository."""
    target = tmp_path_factory.mktemp("shipped") / "index"
    shutil.copytree(SHIPPED_INDEX, target)
    return target


@pytest.fixture(scope="session")
def bot(shipped_index: Path, embedder: SentenceTransformerEmbedder) -> Assistant:
    """The assistant on the shipped corpus with the real model."""
    return Assistant(corpus_dir=CORPUS, index_dir=shipped_index, embedder=embedder)


@pytest.fixture(autouse=True)
def _the_real_model_only_in_slow_tests(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that loads the real embedding model must say so (`@pytest.mark.slow`), so that
    `-m "not slow"` really is the quick plumbing run."""
    if request.node.get_closest_marker("slow") is not None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{request.node.nodeid} loads the real embedding model: mark it @pytest.mark.slow")

    monkeypatch.setattr(SentenceTransformerEmbedder, "__init__", refuse)


def serve_chat(bot: Assistant, **kwargs: object) -> Generator[str, None, None]:
    """The chat server over `bot` on a free loopback port, its URL, until the generator is closed."""
    from assistant.apps import server
    from assistant.measure.loadtest import free_port

    port = free_port()
    demo = server.launch(bot, port=port, block=False, **kwargs)  # type: ignore[arg-type]
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A real PostgreSQL with pgvector for the session (the pgserver wheel; as root it runs the server
    as a user of its own, 'pgserver'); its connection string. Each test names an index of its own.

    Its data folder is not under pytest's temporary folder: another pytest run resets that folder's
    permissions to its owner's alone, which would lock the server's own user out."""
    pgserver = pytest.importorskip("pgserver", reason="the PostgreSQL tests need: pip install -e '.[postgres]'")
    folder = Path(tempfile.mkdtemp(prefix="assistant-test-postgres-"))
    server = pgserver.get_server(folder / "data", cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        from assistant.store import postgres as pg_store

        pg_store.close_pools()
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server: str, request: pytest.FixtureRequest) -> str:
    """The test server with an index name of this test's own."""
    import hashlib

    name = "t" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    return f"{pg_server}&index={name}" if "?" in pg_server else f"{pg_server}?index={name}"
