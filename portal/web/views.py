"""Citizen-facing pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.actions import call
from portal.web.context import action_context

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def home() -> str:
    context = action_context()
    search = call(
        "package_search",
        context,
        {"rows": 10, "sort": "metadata_modified desc", "facet.field": '["organization"]'},
    )
    return render_template("home.html", search=search)
