"""The MQA weights, bands, vocabularies and indicator-to-field mappings, read from YAML.

`load_config()` reads schemas/quality/mqa.yaml (or another path, for tests and for sites with
their own weights), checks it against the named checks of portal.quality.checks, and resolves
each indicator for each profile once, so scoring does no lookups.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from portal.quality.checks import CHECKS, Check

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "schemas" / "quality" / "mqa.yaml"
COMBINE = ("all", "any", "best")
LANGS = ("zh", "en")


@dataclass(frozen=True)
class Indicator:
    """One indicator as it applies to one profile: its check is bound to that profile's
    params."""

    id: str
    dimension: str
    points: int
    label: dict[str, str]
    advice: dict[str, str]
    check: Check
    params: dict[str, Any]
    over: str | None = None
    term: str = ""  # the DCAT property the indicator looks at

    @property
    def scope(self) -> str:
        return self.check.scope


@dataclass(frozen=True)
class Band:
    name: str
    min: int
    label: dict[str, str]


@dataclass(frozen=True)
class Config:
    version: str
    bands: tuple[Band, ...]
    dimensions: dict[str, dict[str, str]]
    vocabularies: dict[str, Any]
    raw_indicators: tuple[dict[str, Any], ...]
    _resolved: dict[str, tuple[Indicator, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def max(self) -> int:
        return sum(int(item["points"]) for item in self.raw_indicators)

    def dimension_max(self) -> dict[str, int]:
        totals = dict.fromkeys(self.dimensions, 0)
        for item in self.raw_indicators:
            totals[item["dimension"]] += int(item["points"])
        return totals

    def indicators(self, profile: str) -> tuple[Indicator, ...]:
        """The indicators with `profile`'s overrides applied (cached per profile)."""
        found = self._resolved.get(profile)
        if found is None:
            found = tuple(_resolve(item, profile) for item in self.raw_indicators)
            self._resolved[profile] = found
        return found

    def band_names(self) -> list[str]:
        return [b.name for b in self.bands]


def _resolve(item: dict[str, Any], profile: str) -> Indicator:
    override = (item.get("profiles") or {}).get(profile) or {}
    return Indicator(
        id=item["id"],
        dimension=item["dimension"],
        points=int(item["points"]),
        label=item["label"],
        advice=override.get("advice") or item["advice"],
        check=CHECKS[item["check"]],
        params=dict(override.get("params", item.get("params") or {})),
        over=item.get("over"),
        term=item.get("property", ""),
    )


def _require_bilingual(where: str, value: Any) -> None:
    if not isinstance(value, dict) or any(not value.get(lang) for lang in LANGS):
        raise ValueError(f"{where}: needs text in {' and '.join(LANGS)}")


def _check_params(where: str, check: Check, params: dict[str, Any], vocab: dict) -> None:
    try:
        inspect.signature(check.func).bind(None, None, **params)
    except TypeError as exc:
        raise ValueError(f"{where}: params do not fit check {check.name!r}: {exc}") from None
    for key in ("vocabulary", "file_types", "media_types", "service_formats", "files_only"):
        if key in params and params[key] not in vocab:
            raise ValueError(f"{where}: unknown vocabulary {params[key]!r}")


def _validate_indicator(item: dict[str, Any], dimensions: dict, vocab: dict) -> None:
    where = f"indicator {item.get('id')!r}"
    for key in ("id", "dimension", "points", "check", "label", "advice"):
        if key not in item:
            raise ValueError(f"{where}: missing {key!r}")
    if item["dimension"] not in dimensions:
        raise ValueError(f"{where}: unknown dimension {item['dimension']!r}")
    if not isinstance(item["points"], int) or item["points"] < 0:
        raise ValueError(f"{where}: points must be a whole number >= 0")
    check = CHECKS.get(item["check"])
    if check is None:
        raise ValueError(f"{where}: unknown check {item['check']!r}")
    if check.scope == "resource" and item.get("over") not in COMBINE:
        raise ValueError(f"{where}: a resource check needs `over` ({', '.join(COMBINE)})")
    _require_bilingual(f"{where} label", item["label"])
    _require_bilingual(f"{where} advice", item["advice"])
    _check_params(where, check, item.get("params") or {}, vocab)
    for profile, override in (item.get("profiles") or {}).items():
        if "advice" in override:
            _require_bilingual(f"{where} advice for {profile}", override["advice"])
        if "params" in override:
            _check_params(f"{where} for {profile}", check, override["params"], vocab)


def _parse(raw: dict[str, Any]) -> Config:
    dimensions = {d["name"]: d["label"] for d in raw["dimensions"]}
    vocab = raw.get("vocabularies") or {}
    items = tuple(raw["indicators"])
    ids = [item.get("id") for item in items]
    if len(ids) != len(set(ids)):
        raise ValueError("Indicator ids must be unique")
    for item in items:
        _validate_indicator(item, dimensions, vocab)
    bands = tuple(
        sorted((Band(b["name"], int(b["min"]), b["label"]) for b in raw["bands"]), key=_by_min)
    )
    if not bands or bands[-1].min != 0:
        raise ValueError("The lowest band must start at 0")
    return Config(
        version=str(raw["version"]),
        bands=bands,
        dimensions=dimensions,
        vocabularies=_vocabularies(vocab),
        raw_indicators=items,
    )


def _by_min(band: Band) -> int:
    return -band.min


def _vocabularies(raw: dict[str, Any]) -> dict[str, Any]:
    """Lists become frozensets; mappings stay mappings (their keys are the vocabulary)."""
    return {
        name: dict(values) if isinstance(values, dict) else frozenset(map(str, values))
        for name, values in raw.items()
    }


@cache
def _load(path: Path) -> Config:
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def _default() -> Config:
    return _load(DEFAULT_PATH)


def load_config(path: str | Path | None = None) -> Config:
    """The MQA configuration at `path` (default schemas/quality/mqa.yaml), read once per
    path: a changed file is read again by a new process (or after _load.cache_clear())."""
    if path is None:
        return _default()
    return _load(Path(path).resolve())
