"""Harvest error types shared by the framework and the parsers."""

from __future__ import annotations


class HarvestError(Exception):
    """Base class of every harvest failure."""


class ParseError(HarvestError):
    """Remote content is malformed, unsafe (DTD / entities) or unreadable."""


class GatherError(HarvestError):
    """The list of remote records could not be obtained completely."""


class Aborted(Exception):
    """The job was asked to stop (harvest_job_abort); raised between batches."""
