"""The `quality` search filter and facet: a dataset's band, read from its stored score.

Register it with the other keyword fields (portal.search.fields.register(quality_field()))
once package_show returns `quality`; then `fq=quality:good` filters and
`facet.field=["quality"]` counts datasets per band.
"""

from __future__ import annotations

from typing import Any

from portal.search.fields import KeywordField


def band_values(dataset: dict[str, Any]) -> list[str]:
    quality = dataset.get("quality")
    band = quality.get("band") if isinstance(quality, dict) else None
    return [band] if isinstance(band, str) and band else []


def quality_field() -> KeywordField:
    return KeywordField("quality", "元数据质量", "Metadata quality", band_values)


def band_labels() -> dict[str, dict[str, str]]:
    """Display names of the facet's values: band -> {zh, en}."""
    from portal.quality.config import load_config

    return {band.name: dict(band.label) for band in load_config().bands}
