"""Scoring: one dataset against the MQA indicators, and a department's scores summed up.

`score_dataset` is pure and deterministic: the dataset dict (as package_show returns it) and the
link check results in, the score out. Weights, bands and field mappings come from
schemas/quality/mqa.yaml (portal.quality.config).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from portal.quality.checks import Subject
from portal.quality.config import Config, Indicator, load_config

Links = dict[str, dict[str, Any]]


def score_dataset(
    dataset: dict[str, Any], links: Links | None = None, config: Config | None = None
) -> dict[str, Any]:
    """The dataset's score, band, per-dimension points and what it lacks (with advice).

    `links` maps resource ids to link check results ({"ok": bool, ...}); resources missing
    from it have not been checked yet."""
    config = config or load_config()
    subject = Subject.of(dataset, links, config.vocabularies)
    indicators = config.indicators(subject.profile.name)
    passed = _evaluate(indicators, subject)
    dimensions = {name: {"score": 0, "max": 0} for name in config.dimensions}
    missing = []
    for indicator in indicators:
        totals = dimensions[indicator.dimension]
        totals["max"] += indicator.points
        if passed[indicator.id]:
            totals["score"] += indicator.points
        elif indicator.points:
            missing.append(_missing(indicator))
    score = sum(d["score"] for d in dimensions.values())
    return {
        "score": score,
        "max": sum(d["max"] for d in dimensions.values()),
        "band": band_for(score, config),
        "profile": subject.profile.name,
        "version": config.version,
        "dimensions": dimensions,
        "missing": missing,
    }


def _evaluate(indicators: tuple[Indicator, ...], subject: Subject) -> dict[str, bool]:
    results: dict[str, bool] = {}
    best: dict[str, list[Indicator]] = {}
    for indicator in indicators:
        if indicator.scope == "dataset":
            results[indicator.id] = bool(
                indicator.check.func(subject, subject.dataset, **indicator.params)
            )
        elif indicator.over == "best":
            best.setdefault(indicator.dimension, []).append(indicator)
        else:
            results[indicator.id] = _combine(indicator, subject)
    for group in best.values():
        results.update(_best_resource(group, subject))
    return results


def _combine(indicator: Indicator, subject: Subject) -> bool:
    answers = [indicator.check.func(subject, r, **indicator.params) for r in subject.resources]
    applicable = [a for a in answers if a is not None]
    if indicator.over == "any":
        return any(applicable)
    return bool(applicable) and all(applicable)


def _best_resource(group: list[Indicator], subject: Subject) -> dict[str, bool]:
    """MQA: only the resource with the most points counts (the first of equals)."""
    best = {i.id: False for i in group}
    best_points = -1
    for resource in subject.resources:
        answers = {i.id: bool(i.check.func(subject, resource, **i.params)) for i in group}
        points = sum(i.points for i in group if answers[i.id])
        if points > best_points:
            best, best_points = answers, points
    return best


def _missing(indicator: Indicator) -> dict[str, Any]:
    return {
        "indicator": indicator.id,
        "dimension": indicator.dimension,
        "points": indicator.points,
        "label": dict(indicator.label),
        "advice": dict(indicator.advice),
    }


def band_for(score: float, config: Config | None = None) -> str:
    """The rating band a score falls in (bands are declared by their lowest score)."""
    config = config or load_config()
    for band in config.bands:
        if score >= band.min:
            return band.name
    return config.bands[-1].name


def department_summary(
    scores: list[dict[str, Any]], config: Config | None = None
) -> dict[str, Any]:
    """Average score and its band, datasets per band, per-dimension averages, and the
    indicators most often missing, by points lost across the department."""
    config = config or load_config()
    count = len(scores)
    bands = Counter(s["band"] for s in scores)
    average = round(sum(s["score"] for s in scores) / count, 1) if count else None
    return {
        "count": count,
        "average": average,
        "max": config.max,
        "band": band_for(average, config) if average is not None else None,
        "bands": {name: bands.get(name, 0) for name in config.band_names()},
        "dimensions": _dimension_averages(scores, config),
        "missing": _missing_totals(scores),
    }


def _dimension_averages(scores: list[dict[str, Any]], config: Config) -> dict[str, Any]:
    maxima = config.dimension_max()
    result = {}
    for name in config.dimensions:
        points = [s["dimensions"][name]["score"] for s in scores if name in s["dimensions"]]
        average = round(sum(points) / len(points), 1) if points else None
        result[name] = {"average": average, "max": maxima[name]}
    return result


def _missing_totals(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for score in scores:
        for item in score.get("missing", []):
            entry = found.setdefault(
                item["indicator"],
                {
                    "indicator": item["indicator"],
                    "dimension": item["dimension"],
                    "label": item.get("label"),
                    "count": 0,
                    "points_lost": 0,
                },
            )
            entry["count"] += 1
            entry["points_lost"] += item["points"]
    return sorted(found.values(), key=lambda e: (-e["points_lost"], e["indicator"]))
