#!/usr/bin/env bash
# A clean install from install_requires alone (no extras, as docker/Dockerfile does) must start
# the app: a throwaway venv, `pip install .`, then the app answers on a throwaway instance.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --upgrade pip
# A copy of the tree, so the build leaves nothing (build/, *.egg-info) in the checkout.
git ls-files -z --cached --others --exclude-standard \
    | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$work" --one-top-level=src
"$work/venv/bin/pip" install --quiet "$work/src"
cd "$work"  # not the checkout: the installed package must be the one imported
PORTAL_INSTANCE="$work/instance" "$work/venv/bin/portal" db upgrade
PORTAL_INSTANCE="$work/instance" "$work/venv/bin/python" - <<'PY'
from portal import create_app

app = create_app()
client = app.test_client()
for path in ("/healthz", "/api/3/action/package_list", "/", "/api/3/openapi.json", "/catalog.ttl"):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code, response.data[:500])
home = client.get("/").get_data(as_text=True)
assert "数据集" in home, "the Chinese interface translations were not installed"
print("clean install from install_requires: the app starts and answers")
PY
