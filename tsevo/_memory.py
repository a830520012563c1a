"""Peak resident memory of a block of work (standard library only, so that a
benchmark of the bare network loads nothing it does not use)."""

from __future__ import annotations

import re
from pathlib import Path


def resident_mb() -> float:
    """Resident memory of this process now, in MB (NaN where /proc is absent)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    except (OSError, AttributeError):
        return float("nan")


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
        try:
            status = Path("/proc/self/status").read_text()
            self.mb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        except (OSError, AttributeError):
            import resource

            self.mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
