"""Single sign-on settings and mapping: the identity provider's groups give the role (admin, trainer, or refused)
and a trainer's teams; bad settings are refused with a clear message; local accounts can be switched off."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from console.app import create_app
from console.oidc import claims_groups, role_for, username_of
from tests.support.console import PASSWORD, console_tutor, seed_teams
from tutor import SettingsError, load_settings

pytestmark = pytest.mark.unit
OIDC = ("  oidc:\n    issuer: https://login.example.com/realms/corp\n    client_id: tutor-console\n"
        "    admin_groups: [tutor-admins]\n    trainer_groups: [tutor-trainers]\n    manager_groups: [tutor-managers]\n")


def test_groups_give_the_role_and_the_username_falls_back():
    settings = load_settings_with(OIDC).console.oidc
    assert role_for(["tutor-trainers", "tutor-admins"], settings) == "admin"
    assert role_for(["finance", "tutor-trainers"], settings) == "trainer"
    assert role_for(["finance", "tutor-managers"], settings) == "manager"
    assert role_for(["tutor-managers", "tutor-trainers"], settings) == "trainer"
    assert role_for(["finance"], settings) is None and role_for([], settings) is None
    assert claims_groups({"groups": "tutor-admins"}, "groups") == ["tutor-admins"]
    assert claims_groups({"roles": ["a", "b"]}, "roles") == ["a", "b"] and claims_groups({}, "groups") == []
    assert username_of({"preferred_username": "ana", "email": "ana@corp.example"}, "preferred_username") == "ana"
    assert username_of({"email": "ana@corp.example", "sub": "123"}, "preferred_username") == "ana@corp.example"
    assert username_of({"sub": "123"}, "preferred_username") == "123"


def load_settings_with(console_yaml: str):
    path = Path(tempfile.mkdtemp()) / "tutor.yml"
    path.write_text("console:\n" + console_yaml)
    return load_settings(path, environ={})


@pytest.mark.parametrize("console_yaml, problem", [
    ("  local_accounts: false\n", "nobody could sign in"),
    ("  oidc:\n    issuer: http://login.example.com\n    client_id: x\n    admin_groups: [a]\n", "must be an https:// URL"),
    ("  oidc:\n    issuer: https://login.example.com\n    admin_groups: [a]\n", "client_id is required"),
    ("  oidc:\n    issuer: https://login.example.com\n    client_id: x\n", "set admin_groups, trainer_groups and/or manager_groups"),
    ("  trusted_proxies: [10.0.0.300]\n", "is not an IP address or network"),
    ("  free_failures: 10\n  lock_after_failures: 5\n", "free_failures must be below lock_after_failures"),
])
def test_bad_settings_are_refused_with_the_reason(console_yaml, problem):
    with pytest.raises(SettingsError, match=problem):
        load_settings_with(console_yaml)


def test_loopback_issuers_may_use_plain_http():
    assert load_settings_with(OIDC.replace("https://login.example.com", "http://127.0.0.1:9400")).console.oidc.issuer


def test_local_accounts_switched_off_leave_single_sign_on_alone(tmp_path):
    tutor = console_tutor(tmp_path, "  local_accounts: false\n" + OIDC)
    seed_teams(tutor)
    with TestClient(create_app(tutor, "test-secret")) as client:
        page = client.get("/login").text
        assert 'id="sso"' in page and "Sign in with your company account" in page and 'name="password"' not in page
        assert client.post("/login", data={"username": "admin1", "password": PASSWORD}).status_code == 403
        assert client.post("/api/login", json={"username": "admin1", "password": PASSWORD}).status_code == 403
