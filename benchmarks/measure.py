"""Shared by the benchmarks: memory and percentiles, measured one way."""

from __future__ import annotations

import resource
import statistics


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary_ms(values_ms: list[float]) -> str:
    ordered = sorted(values_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"n={len(ordered)} p50={statistics.median(ordered):.2f} ms p99={p99:.2f} ms max={ordered[-1]:.2f} ms"
    )
