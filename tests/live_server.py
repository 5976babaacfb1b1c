"""A real portal for the `server` tests: `portal serve` (gunicorn) on a free local port.

    with running_portal(tmp_path, workers=2) as portal:
        ckanapi.RemoteCKAN(portal.url, apikey=portal.token)

The launcher itself lives in `benchmarks/portal_launcher.py` (benchmarks start the portal the
same way); this module loads it by path so neither folder needs to be a package.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_LAUNCHER = Path(__file__).resolve().parent.parent / "benchmarks" / "portal_launcher.py"


def _load_launcher():  # noqa: ANN202
    module = sys.modules.get("portal_launcher")
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location("portal_launcher", _LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_launcher"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_launcher = _load_launcher()

LivePortal = _launcher.LivePortal
PortalStartError = _launcher.PortalStartError
PortalStartupWarning = _launcher.PortalStartupWarning
free_port = _launcher.free_port
running_portal = _launcher.running_portal
portal_env = _launcher.portal_env
wait_for_health = _launcher.wait_for_health
stop = _launcher.stop

__all__ = [
    "LivePortal",
    "PortalStartError",
    "PortalStartupWarning",
    "free_port",
    "portal_env",
    "running_portal",
    "stop",
    "wait_for_health",
]
