"""`ckanapi dump users` from one portal and `ckanapi load users` into another, with the real
ckanapi command line over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ckanapi
import pytest
from live_server import running_portal

pytestmark = pytest.mark.server


def _ckanapi(*args: str) -> str:
    bin_dir = str(Path(sys.executable).parent)
    # dump and load start their workers as `ckanapi` found on the PATH.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [str(Path(bin_dir) / "ckanapi"), *args, "-p", "1"]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result.stdout


def test_dumped_users_load_into_another_portal(tmp_path):
    dump = tmp_path / "users.jsonl"
    with running_portal(tmp_path / "source", workers=1) as source:
        with ckanapi.RemoteCKAN(source.url, apikey=source.token) as ckan:
            ckan.action.user_create(
                name="wang-fang",
                email="wangfang@example.gov.cn",
                password="王芳的密码2024",
                fullname="王芳",
                about="交通运输厅数据管理员",
            )
            original = ckan.action.user_show(id="wang-fang", include_password_hash=True)
        _ckanapi("dump", "users", "--all", "-O", str(dump), "-r", source.url, "-a", source.token)

    with running_portal(tmp_path / "target", workers=1) as target:
        _ckanapi("load", "users", "-I", str(dump), "-r", target.url, "-a", target.token)
        with ckanapi.RemoteCKAN(target.url, apikey=target.token) as ckan:
            loaded = ckan.action.user_show(id="wang-fang", include_password_hash=True)
            # Loading again finds the users and updates them in place.
            _ckanapi("load", "users", "-I", str(dump), "-r", target.url, "-a", target.token)
            names = ckan.action.user_list(all_fields=False)

    lines = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
    assert "wang-fang" in [u["name"] for u in lines]
    assert loaded["id"] == original["id"]
    assert loaded["fullname"] == "王芳" and loaded["about"] == "交通运输厅数据管理员"
    assert loaded["password_hash"] == original["password_hash"]
    assert names.count("wang-fang") == 1
