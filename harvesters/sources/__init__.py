"""The source types, one module each: ckan, dcat, datajson and spreadsheet. Importing this
package registers them all (harvesters.registry.source_types)."""

from harvesters.sources import ckan, datajson, dcat, spreadsheet

__all__ = ["ckan", "datajson", "dcat", "spreadsheet"]
