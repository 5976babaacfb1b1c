"""Scan a table column by column for personal information.

The input is a header list and an iterable of rows (as a CSV reader gives them); the scan
reads at most ``max_rows`` rows and stops early when ``time_budget`` seconds have passed, and
says so (``complete``), so a very large file gets a bounded first look, not a hung worker.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.privacy.detectors import BY_NAME, find_matches, header_hints, mask

SAMPLES = 3


@dataclass
class Finding:
    """One detector's hits in one column."""

    detector: str
    severity: str
    count: int = 0
    samples: list[str] = field(default_factory=list)
    share: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"detector": self.detector, "label": BY_NAME[self.detector].label,
                "severity": self.severity, "count": self.count,
                "share": round(self.share, 4), "samples": list(self.samples)}


@dataclass
class ColumnReport:
    index: int
    header: str
    findings: list[Finding]

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "header": self.header,
                "findings": [f.as_dict() for f in self.findings]}


@dataclass
class ScanReport:
    columns: list[ColumnReport]
    rows_scanned: int
    complete: bool
    seconds: float

    @property
    def blocked(self) -> bool:
        return any(f.severity == "block" for c in self.columns for f in c.findings)

    def as_dict(self) -> dict[str, Any]:
        return {"blocked": self.blocked, "rows_scanned": self.rows_scanned,
                "complete": self.complete, "seconds": round(self.seconds, 3),
                "columns": [c.as_dict() for c in self.columns if c.findings]}


def cell_text(value: Any) -> str | None:
    """A cell as text; numbers read from a spreadsheet become their digits (an ID stored as
    a float keeps what digits survived), anything else None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return None


def scan_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               max_rows: int = 100_000, time_budget: float = 10.0) -> ScanReport:
    """Per column: which detectors hit, in how many rows, with masked samples."""
    started = time.perf_counter()
    hints = [header_hints(h or "") for h in headers]
    found: list[dict[str, Finding]] = [{} for _ in headers]
    scanned, complete = 0, True
    for row in rows:
        if scanned >= max_rows or (scanned % 1024 == 0 and scanned
                                   and time.perf_counter() - started > time_budget):
            complete = False
            break
        scanned += 1
        for index, value in enumerate(row[: len(headers)]):
            text = value if type(value) is str else cell_text(value)
            if not text:
                continue
            matches = find_matches(text, hints[index])
            if matches:
                _record(found[index], matches)
    columns = []
    for index, header in enumerate(headers):
        findings = sorted(found[index].values(), key=lambda f: (f.severity != "block", -f.count))
        for finding in findings:
            finding.share = finding.count / scanned if scanned else 0.0
        columns.append(ColumnReport(index, header, findings))
    return ScanReport(columns, scanned, complete, time.perf_counter() - started)


def _record(column: dict[str, Finding], matches: list) -> None:
    """Count a cell once per detector that hit it; keep its first match as a masked sample."""
    seen = set()
    for match in matches:
        if match.detector in seen:
            continue
        seen.add(match.detector)
        finding = column.get(match.detector)
        if finding is None:
            finding = column[match.detector] = Finding(match.detector,
                                                       BY_NAME[match.detector].severity)
        finding.count += 1
        if len(finding.samples) < SAMPLES:
            finding.samples.append(mask(match.text))
