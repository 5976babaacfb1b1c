"""The source-type registry: what a kind of remote catalog implements (`SourceType`), what its
gather yields (`RemoteRecord`, `PageMemo`), and the table of registered types.

`harvesters.sources` imports every type's module, so `source_types()` knows them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from harvesters.errors import HarvestError

if TYPE_CHECKING:
    from harvesters.run import HarvestRun


@dataclass
class RemoteRecord:
    """One remote dataset as the gather lists it.

    `content` is the remote record (a dict) when the listing carries it, or None when the
    source only says the record is there (an incremental run's listing): such a record is
    fetched only when the portal does not hold a good copy yet. `errors` are field errors
    found while reading it (a spreadsheet row), reported without importing it.
    """

    remote_id: str | None
    content: Any = None
    remote_url: str | None = None
    label: str | None = None
    errors: dict[str, Any] | None = None


class SourceType:
    """A kind of remote catalog. Subclasses set `name` and implement `gather()` and `map()`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    # Config keys this type reads (besides the common ones), with their expected types.
    config_keys: ClassVar[dict[str, type | tuple[type, ...]]] = {}

    def __init__(self, run: HarvestRun) -> None:
        self.run = run
        self.source = run.source
        self.config = run.config

    def gather(self) -> Iterator[RemoteRecord]:
        raise NotImplementedError

    def fetch(self, record: RemoteRecord) -> Any:
        """The full remote record of one that was only listed."""
        raise HarvestError("This source type cannot fetch a single record.")

    def map(self, record: RemoteRecord, content: Any) -> dict[str, Any]:
        """The dataset dict for a remote record (no name, owner_org optional)."""
        raise NotImplementedError

    def total(self) -> int | None:
        """How many records the source announced, once known (for progress bars)."""
        return None


SOURCE_TYPES: dict[str, type[SourceType]] = {}


def register(cls: type[SourceType]) -> type[SourceType]:
    SOURCE_TYPES[cls.name] = cls
    return cls


def source_types() -> dict[str, type[SourceType]]:
    import harvesters.sources  # noqa: F401  (registers every type)

    return SOURCE_TYPES


@dataclass
class PageMemo:
    """A page read in this job, remembered for the next one (see HarvestPage)."""

    url: str
    digest: str
    remote_ids: list[str]
    next_url: str | None
    total: int | None


__all__ = ["PageMemo", "RemoteRecord", "SourceType", "register", "source_types"]
