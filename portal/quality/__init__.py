"""Metadata quality score after the EU data portal's Metadata Quality Assessment (MQA).

The weights, bands, vocabularies and indicator-to-field mappings are data, in
schemas/quality/mqa.yaml; portal.quality.checks holds the named checks the YAML refers to,
portal.quality.score runs them, and portal.quality.actions serves the `quality_report` action.
"""

from portal.quality.config import Config, load_config
from portal.quality.score import band_for, department_summary, score_dataset

__all__ = ["Config", "band_for", "department_summary", "load_config", "score_dataset"]
