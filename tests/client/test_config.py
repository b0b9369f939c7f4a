"""Credentials from the environment or a private profile file; endpoints from regions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reconciler.client import Credentials, load_credentials, resolve_endpoint
from reconciler.errors import ConfigError
from reconciler.model import REGIONS

SECRET = "SKsuper-secret%value"
INI = f"""
[default]
access_key = AKdefault
secret_key = {SECRET}
region = gz

[prod]
access_key = AKprod
secret_key = SKprod
"""


@pytest.fixture
def creds_file(tmp_path: Path) -> Path:
    path = tmp_path / "credentials"
    path.write_text(INI, encoding="utf-8")
    path.chmod(0o600)
    return path


def only(error: pytest.ExceptionInfo[ConfigError]):
    (diagnostic,) = error.value.diagnostics
    return diagnostic


def test_environment_pair_is_used_without_a_profile(tmp_path):
    env = {
        "BAIDUCLOUD_ACCESS_KEY": "AKenv",
        "BAIDUCLOUD_SECRET_KEY": "SKenv",
        "BAIDUCLOUD_REGION": "su",
    }
    creds = load_credentials(profile=None, env=env, credentials_file=tmp_path / "absent")
    assert creds == Credentials("AKenv", "SKenv", "su")


def test_half_an_environment_pair_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_credentials(profile=None, env={"BAIDUCLOUD_ACCESS_KEY": "AK"}, credentials_file=None)
    assert "BAIDUCLOUD_SECRET_KEY is not set" in only(info).summary


def test_default_profile_from_the_file_with_its_region(creds_file):
    creds = load_credentials(profile=None, env={}, credentials_file=creds_file)
    assert creds == Credentials("AKdefault", SECRET, "gz")


def test_explicit_profile_wins_over_the_environment(creds_file):
    env = {"BAIDUCLOUD_ACCESS_KEY": "AKenv", "BAIDUCLOUD_SECRET_KEY": "SKenv"}
    creds = load_credentials(profile="prod", env=env, credentials_file=creds_file)
    assert (creds.access_key, creds.region) == ("AKprod", None)


def test_file_location_comes_from_PEERCONN_CREDENTIALS_FILE(creds_file):
    env = {"PEERCONN_CREDENTIALS_FILE": str(creds_file)}
    assert load_credentials(profile="prod", env=env, credentials_file=None).access_key == "AKprod"


def test_default_file_location_is_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / ".peerconn"
    folder.mkdir()
    (folder / "credentials").write_text(INI, encoding="utf-8")
    (folder / "credentials").chmod(0o600)
    assert load_credentials(profile=None, env={}, credentials_file=None).access_key == "AKdefault"


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o666])
def test_a_file_others_can_read_is_refused_with_a_chmod_hint(creds_file, mode):
    creds_file.chmod(mode)
    with pytest.raises(ConfigError) as info:
        load_credentials(profile=None, env={}, credentials_file=creds_file)
    diagnostic = only(info)
    assert "accessible by group or others" in diagnostic.summary
    assert diagnostic.hint == f"chmod 600 {creds_file}"
    assert SECRET not in str(info.value)


def test_unknown_profile_lists_the_known_ones(creds_file):
    with pytest.raises(ConfigError) as info:
        load_credentials(profile="staging", env={}, credentials_file=creds_file)
    assert "'staging' not found" in only(info).summary
    assert "default, prod" in only(info).hint


def test_profile_without_secret_key_is_named(tmp_path):
    path = tmp_path / "c"
    path.write_text("[default]\naccess_key = AK\n", encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_credentials(profile=None, env={}, credentials_file=path)
    assert "has no secret_key" in only(info).summary


def test_broken_ini_is_reported_by_line_without_quoting_it(tmp_path):
    path = tmp_path / "c"
    path.write_text(f"secret_key = {SECRET}\n[default]\n", encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        load_credentials(profile=None, env={}, credentials_file=path)
    assert "line 1" in only(info).summary
    assert SECRET not in str(info.value)


def test_no_credentials_anywhere_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_credentials(profile=None, env={}, credentials_file=tmp_path / "none")
    assert "BAIDUCLOUD_ACCESS_KEY" in only(info).hint


def test_missing_file_for_an_explicit_profile(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_credentials(profile="prod", env={}, credentials_file=tmp_path / "none")
    assert "cannot read credentials file" in only(info).summary


def test_credentials_never_show_their_keys():
    creds = Credentials("AKvisible?", "SKvisible?", "bj")
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "AKvisible?" not in text and "SKvisible?" not in text


@pytest.mark.parametrize("region", REGIONS)
def test_every_known_region_has_a_bcc_https_endpoint(region):
    assert resolve_endpoint(region=region, endpoint=None) == f"https://bcc.{region}.baidubce.com"


def test_region_falls_back_to_BAIDUCLOUD_REGION():
    env = {"BAIDUCLOUD_REGION": "GZ"}
    assert resolve_endpoint(region=None, endpoint=None, env=env) == "https://bcc.gz.baidubce.com"


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(ConfigError) as info:
        resolve_endpoint(region="mars", endpoint=None, env={})
    assert "unknown region 'mars'" in only(info).summary
    assert ", ".join(REGIONS) in only(info).hint


def test_missing_region_is_an_error():
    with pytest.raises(ConfigError) as info:
        resolve_endpoint(region=None, endpoint=None, env={})
    assert "--region" in only(info).hint


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param("https://bcc.bj.baidubce.com", "https://bcc.bj.baidubce.com", id="https"),
        pytest.param("https://bcc.bj.baidubce.com/", "https://bcc.bj.baidubce.com", id="slash"),
        pytest.param("bcc.gz.baidubce.com", "https://bcc.gz.baidubce.com", id="no-scheme-https"),
        pytest.param("https://10.0.0.5:8443", "https://10.0.0.5:8443", id="https-any-host"),
        pytest.param("http://127.0.0.1:8080", "http://127.0.0.1:8080", id="http-loopback-v4"),
        pytest.param("http://127.9.9.9:1", "http://127.9.9.9:1", id="http-127/8"),
        pytest.param("http://[::1]:8080", "http://[::1]:8080", id="http-loopback-v6"),
        pytest.param("http://localhost:9", "http://localhost:9", id="http-localhost"),
    ],
)
def test_endpoint_override_is_accepted(given, expected):
    assert resolve_endpoint(region="mars", endpoint=given) == expected


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("http://bcc.bj.baidubce.com", id="http-to-the-cloud"),
        pytest.param("http://10.0.0.1:8080", id="http-private-address"),
        pytest.param("http://localhost.example.com", id="http-lookalike-host"),
        pytest.param("http://127.0.0.1.nip.io", id="http-dns-trick"),
        pytest.param("http://[::2]:80", id="http-non-loopback-v6"),
    ],
)
def test_plain_http_is_refused_unless_loopback(given):
    with pytest.raises(ConfigError) as info:
        resolve_endpoint(region=None, endpoint=given)
    assert "plain http" in only(info).summary


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("ftp://bcc.bj.baidubce.com", id="scheme"),
        pytest.param("https://user:pw@bcc.bj.baidubce.com", id="userinfo"),
        pytest.param("https://bcc.bj.baidubce.com/v1", id="path"),
        pytest.param("https://bcc.bj.baidubce.com?x=1", id="query"),
        pytest.param("https://bcc.bj.baidubce.com:99999", id="port"),
        pytest.param("https://", id="no-host"),
    ],
)
def test_malformed_endpoints_are_refused(given):
    with pytest.raises(ConfigError):
        resolve_endpoint(region=None, endpoint=given)


def test_a_password_in_the_endpoint_is_not_echoed():
    with pytest.raises(ConfigError) as info:
        resolve_endpoint(region=None, endpoint="https://me:hunter2@bcc.bj.baidubce.com")
    assert "hunter2" not in str(info.value)
