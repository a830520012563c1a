"""Resident memory of this process (standard library only, so that a benchmark
of the bare network loads nothing it does not use)."""

from __future__ import annotations

import re
from pathlib import Path


def _status_mb(field: str) -> float | None:
    """A memory field of /proc/self/status in MB; None where there is none (not Linux)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return None


def resident_mb() -> float:
    """Resident memory of this process now, in MB (NaN where /proc is absent)."""
    value = _status_mb("VmRSS")
    return float("nan") if value is None else value


class PeakMemory:
    """Peak resident memory of this process over a block, in MB (Linux: the
    kernel's high-water mark, reset at the start; elsewhere the lifetime peak).

    The figure includes everything resident, the imported libraries too."""

    def __enter__(self) -> PeakMemory:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        return self

    def __exit__(self, *exc) -> None:
        peak = _status_mb("VmHWM")
        if peak is None:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.mb = peak
