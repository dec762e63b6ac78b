"""Shared by the benchmarks: memory and percentiles, measured one way."""

from __future__ import annotations

import resource
import statistics
from pathlib import Path


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now(pid: int) -> float:
    """Resident memory of a process now (VmRSS), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]) / 1024


def summary_ms(values_ms: list[float]) -> str:
    ordered = sorted(values_ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"n={len(ordered)} p50={statistics.median(ordered):.2f} ms p99={p99:.2f} ms max={ordered[-1]:.2f} ms"
    )
