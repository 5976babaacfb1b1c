"""The `quality` search filter and facet: a dataset's band, read from its stored score.

The quality package registers it with the other keyword fields when its actions load
(portal.quality.actions imports this module): `fq=quality:good` filters and
`facet.field=["quality"]` counts datasets per band. The search package knows nothing of it.
"""

from __future__ import annotations

from typing import Any

from portal.quality.config import load_config
from portal.search.fields import KeywordField, register


def band_values(dataset: dict[str, Any]) -> list[str]:
    quality = dataset.get("quality")
    band = quality.get("band") if isinstance(quality, dict) else None
    return [band] if isinstance(band, str) and band else []


def band_label(band: str) -> dict[str, str] | None:
    return band_labels().get(band)


def quality_field() -> KeywordField:
    return KeywordField(
        "quality", "元数据质量", "Metadata quality", band_values, value_label=band_label
    )


def band_labels() -> dict[str, dict[str, str]]:
    """Display names of the facet's values: band -> {zh, en}."""
    return {band.name: dict(band.label) for band in load_config().bands}


register(quality_field())
