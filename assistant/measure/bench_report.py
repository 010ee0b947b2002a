"""What `assistant bench` shows of its figures: the side-by-side table it prints and the chart it draws
(latency and memory against corpus size)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def table(report: dict[str, Any]) -> str:
    """The headline figures as Markdown."""
    peer, ours, b, r = report["peer"], report["assistant"], report["build"], report["ratios"]
    first = report["assistant_first_run"]
    lines = [
        f"| measure | LangChain tutorial | assistant (questions via {ours['query_backend']}) | ratio |",
        "|---|---|---|---|",
        f"| cold start to first answer (s) | {peer['cold_start_s']:.2f} | {ours['cold_start_s']:.2f} | "
        f"{r['cold_start_assistant_vs_peer']:.2f} |",
        f"| retrieval p50 / p95 (ms) | {peer['retrieval']['p50_ms']:.1f} / {peer['retrieval']['p95_ms']:.1f} | "
        f"{ours['retrieval']['p50_ms']:.1f} / {ours['retrieval']['p95_ms']:.1f} | "
        f"{r['retrieval_p50_vs_peer_retrieval_p50']:.2f} |",
        f"| full answer p50 / p95 (ms) | – | {ours['ask']['p50_ms']:.1f} / {ours['ask']['p95_ms']:.1f} | "
        f"{r['ask_p50_vs_peer_retrieval_p50']:.2f} vs peer retrieval; {r['ask_p50_vs_own_retrieval_p50']:.2f} vs own |",
        f"| peak RSS (MB) | {peer['peak_rss_mb']:.0f} | {ours['peak_rss_mb']:.0f} | {r['peak_rss_vs_peer']:.2f} |",
        f"| first run, before the ONNX export: cold start (s) / full answer p50 (ms) | – | "
        f"{first['cold_start_s']:.2f} / {first['ask']['p50_ms']:.1f} | {r['first_run_cold_start_vs_peer']:.2f} / "
        f"{r['first_run_ask_p50_vs_peer_retrieval_p50']:.2f} |",
        f"| index build (s) | {peer['build_s']:.2f} ({peer['chunks']} chunks) | "
        f"{b['build_s']:.2f} ({b['chunks']} chunks + {b['sentences']} sentences) | – |",
        "",
        f"Indexing: {b['tokens_per_s']:,.0f} tokens/s embedded; the arithmetic limit on this CPU "
        f"({report['machine']['cpu_gflops']:.0f} GFLOP/s measured; 2 × {b['matmul_parameters'] / 1e6:.1f}M "
        "non-embedding parameters = FLOPs per token) "
        f"is {b['tokens_per_s_limit']:,.0f} tokens/s: {100 * b['share_of_limit']:.0f}% of it.",
        "",
        "| chunks | index | build (s) | dense p50 (ms) | hybrid p50 / p95 (ms) | recall@10 vs exact | "
        "RSS serving / indexing peak (MB) | serving memory / (vectors + text) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in report["scale"]["sizes"]:
        for kind, t in row["types"].items():
            lines.append(
                f"| {row['chunks']:,} | {kind} | {t['build_s']:.2f} | {t['dense']['p50_ms']:.2f} | "
                f"{t['hybrid']['p50_ms']:.2f} / {t['hybrid']['p95_ms']:.2f} | {t['recall@10_vs_exact']:.3f} | "
                f"{t['serving_rss_mb']:.0f} / {t['indexing_peak_rss_mb']:.0f} | {t['memory_ratio']:.2f} |"
            )
    lines.append(f"\nScale text: {report['scale']['source']}; vectors {report['scale']['vectors']}.")
    if "postgresql" in report:
        from .pg_bench import table as pg_table

        lines += ["", "PostgreSQL + pgvector beside the index folder:", "", pg_table(report["postgresql"])]
    if "collection" in report:
        from .collection_bench import table as collection_table

        lines += ["", "Whole-article answers (each collection in a fresh process):", "",
                  collection_table(report["collection"])]  # fmt: skip
    if "indexing" in report:
        from .index_bench import table as indexing_table

        lines.append("\n" + indexing_table(report["indexing"]))
    return "\n".join(lines)


def plot(report: dict[str, Any], path: Path) -> None:
    """Latency and memory against corpus size, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["scale"]["sizes"]
    n = [r["chunks"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax1.plot(n, [r["types"]["flat"]["hybrid"]["p50_ms"] for r in rows], "o-", label="hybrid p50")
    ax1.plot(n, [r["types"]["flat"]["hybrid"]["p95_ms"] for r in rows], "o--", label="hybrid p95")
    ax1.plot(n, [r["types"]["flat"]["dense"]["p50_ms"] for r in rows], "s-", label="dense (flat) p50")
    ax1.set(xscale="log", yscale="log", xlabel="chunks", ylabel="ms per query", title="Retrieval latency")
    ax1.legend()
    ax2.plot(n, [r["serving_rss_mb"] for r in rows], "o-", label="RSS serving (flat)")
    ax2.plot(n, [r["indexing_peak_rss_mb"] for r in rows], "^:", label="peak RSS while indexing")
    ax2.plot(n, [r["raw_vectors_plus_text_mb"] for r in rows], "s--", label="raw float32 vectors + text")
    ax2.set(xscale="log", yscale="log", xlabel="chunks", ylabel="MB", title="Memory")
    ax2.legend()
    for ax in (ax1, ax2):
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
