"""Personal-information protection: detectors for personal data in cell values and a
column-by-column table scan (see detectors.py for what is recognised and why)."""

from portal.privacy.detectors import (
    BY_NAME,
    DETECTORS,
    Detector,
    Match,
    find_matches,
    header_hints,
    is_bank_card,
    is_resident_id,
    is_social_credit_code,
    mask,
    mask_text,
)
from portal.privacy.scan import ColumnReport, Finding, ScanReport, scan_table

__all__ = [
    "BY_NAME", "DETECTORS", "ColumnReport", "Detector", "Finding", "Match", "ScanReport",
    "find_matches", "header_hints", "is_bank_card", "is_resident_id", "is_social_credit_code",
    "mask", "mask_text", "scan_table",
]
