"""bce-auth-v1 pinned by the five vectors of reference §5, byte for byte."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.client import signing

JS_TIME = signing.format_timestamp(1402639056)
PEERCONN_TIME = "2024-01-02T03:04:05Z"
RESIZE_HEADERS = {
    "Host": "bcc.bj.baidubce.com",
    "Accept": "*/*",
    "Content-Type": "application/json;charset=utf-8",
    "Content-Length": "27",
    "x-bce-date": PEERCONN_TIME,
}
RESIZE: dict[str, Any] = dict(
    access_key="AKIDEXAMPLE",
    secret_key="SKEXAMPLE",
    method="PUT",
    path="/v1/peerconn/peerconn-abc123",
    params={"resize": None, "clientToken": "token-0001"},
    timestamp=PEERCONN_TIME,
)
LIST_HEADERS = {
    "Host": "127.0.0.1:8080",
    "Accept": "*/*",
    "Content-Type": "application/json;charset=utf-8",
    "Content-Length": "0",
    "x-bce-date": PEERCONN_TIME,
    "User-Agent": "bce-sdk-python/0.9.79",
}
LIST_PARAMS = {"vpcId": "vpc-abc123", "marker": "peerconn-m1", "maxKeys": "2"}


def test_timestamp_is_utc_iso8601_with_z():
    assert JS_TIME == "2014-06-13T05:57:36Z"


def test_vector_1_js_object_put_lists_signed_headers():
    auth = signing.authorization(
        access_key="my_ak",
        secret_key="my_sk",
        method="PUT",
        path="/v1/bucket/object1",
        params={"A": None, "b": "", "C": "d"},
        headers={"Host": "bce.baidu.com", "abc": "123", "x-bce-meta-key1": "ABC"},
        timestamp=JS_TIME,
        list_signed_headers=True,
    )
    assert auth == (
        "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/host;x-bce-meta-key1/"
        "80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25"
    )


def test_vector_1_python_default_form_has_empty_signed_headers_and_same_signature():
    auth = signing.authorization(
        access_key="my_ak",
        secret_key="my_sk",
        method="PUT",
        path="/v1/bucket/object1",
        params={"A": None, "b": "", "C": "d"},
        headers={"Host": "bce.baidu.com", "abc": "123", "x-bce-meta-key1": "ABC"},
        timestamp=JS_TIME,
    )
    assert auth == (
        "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800//"
        "80c9672aca2ea9af4bb40b9a8ff458d72df94e97d550840727f3a929af271d25"
    )


def test_vector_1_canonical_request():
    signed = signing.select_headers(
        {"Host": "bce.baidu.com", "abc": "123", "x-bce-meta-key1": "ABC"}, None
    )
    text = signing.canonical_request(
        "put", "/v1/bucket/object1", {"A": None, "b": "", "C": "d"}, signed
    )
    assert text == "PUT\n/v1/bucket/object1\nA=&C=d&b=\nhost:bce.baidu.com\nx-bce-meta-key1:ABC"


def test_vector_2_js_delete_signs_only_content_headers():
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": "0",
        "User-Agent": "This is the user-agent",
    }
    assert signing.canonical_headers(signing.select_headers(headers, None)) == (
        "content-length:0\ncontent-type:application%2Fjson%3B%20charset%3Dutf-8"
    )
    auth = signing.authorization(
        access_key="my_ak",
        secret_key="my_sk",
        method="DELETE",
        path="/v1/test-bucket1361199862",
        params={},
        headers=headers,
        timestamp=JS_TIME,
        list_signed_headers=True,
    )
    assert auth == (
        "bce-auth-v1/my_ak/2014-06-13T05:57:36Z/1800/content-length;content-type/"
        "c9386b15d585960ae5e6972f73ed92a9a682dc81025480ba5b41206d3e489822"
    )


def test_vector_3_peerconn_list_canonical_request_and_authorization():
    signed = signing.select_headers(LIST_HEADERS, None)
    assert signing.canonical_request("GET", "/v1/peerconn", LIST_PARAMS, signed) == (
        "GET\n/v1/peerconn\nmarker=peerconn-m1&maxKeys=2&vpcId=vpc-abc123\n"
        "content-length:0\ncontent-type:application%2Fjson%3Bcharset%3Dutf-8\n"
        "host:127.0.0.1%3A8080\nx-bce-date:2024-01-02T03%3A04%3A05Z"
    )
    auth = signing.authorization(
        access_key="AKIDEXAMPLE",
        secret_key="SKEXAMPLE",
        method="GET",
        path="/v1/peerconn",
        params=LIST_PARAMS,
        headers=LIST_HEADERS,
        timestamp=PEERCONN_TIME,
    )
    assert auth == (
        "bce-auth-v1/AKIDEXAMPLE/2024-01-02T03:04:05Z/1800//"
        "9b6acadc0b97cfe5f2ec5cfbd72761d2ba3875505b712331ebd9fa32ce2283aa"
    )


def test_vector_4_peerconn_resize_valueless_action_key():
    assert signing.canonical_query(RESIZE["params"]) == "clientToken=token-0001&resize="
    auth = signing.authorization(headers=RESIZE_HEADERS, **RESIZE)
    assert auth == (
        "bce-auth-v1/AKIDEXAMPLE/2024-01-02T03:04:05Z/1800//"
        "343b47b0198a4533407dae88e03a564db1cd3af85583c702bfae91bfbbac36e9"
    )


def test_vector_5_explicit_header_list_go_style_same_signature():
    headers = {k: v for k, v in RESIZE_HEADERS.items() if k != "Accept"}
    auth = signing.authorization(
        headers=headers,
        headers_to_sign=["host", "content-length", "content-type", "x-bce-date"],
        **RESIZE,
    )
    assert auth == (
        "bce-auth-v1/AKIDEXAMPLE/2024-01-02T03:04:05Z/1800/"
        "content-length;content-type;host;x-bce-date/"
        "343b47b0198a4533407dae88e03a564db1cd3af85583c702bfae91bfbbac36e9"
    )


def test_explicit_list_still_signs_and_lists_every_x_bce_header():
    auth = signing.authorization(
        headers={**RESIZE_HEADERS, "x-bce-request-id": "abc"}, headers_to_sign=["host"], **RESIZE
    )
    assert "/host;x-bce-date;x-bce-request-id/" in auth


def test_expiration_is_part_of_the_auth_string():
    auth = signing.authorization(headers=RESIZE_HEADERS, expiration=3600, **RESIZE)
    assert auth.startswith("bce-auth-v1/AKIDEXAMPLE/2024-01-02T03:04:05Z/3600//")


@pytest.mark.parametrize(
    ("text", "keep_slash", "expected"),
    [
        pytest.param("AZaz09-._~", False, "AZaz09-._~", id="unreserved-kept"),
        pytest.param("a b", False, "a%20b", id="space-is-%20-not-plus"),
        pytest.param("a+b", False, "a%2Bb", id="plus-encoded"),
        pytest.param("/v1/x y", True, "/v1/x%20y", id="slash-kept-in-paths"),
        pytest.param("/", False, "%2F", id="slash-encoded-in-values"),
        pytest.param("é", False, "%C3%A9", id="utf8-bytes-uppercase-hex"),
        pytest.param("*", False, "%2A", id="star-encoded"),
    ],
)
def test_uri_encode(text, keep_slash, expected):
    assert signing.uri_encode(text, keep_slash=keep_slash) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, "", id="empty"),
        pytest.param({"b": None, "A": ""}, "A=&b=", id="valueless-keys-as-k="),
        pytest.param([("role", "initiator"), ("open", None)], "open=&role=initiator", id="pairs"),
        pytest.param({"k": "a b/c"}, "k=a%20b%2Fc", id="values-encoded"),
        pytest.param({"authorization": "x", "a": "1"}, "a=1", id="authorization-excluded"),
    ],
)
def test_canonical_query(params, expected):
    assert signing.canonical_query(params) == expected


def test_empty_header_values_are_not_signed():
    assert signing.select_headers({"Content-MD5": "  ", "Host": "h"}, None) == {"host": "h"}


def test_empty_path_is_slash():
    assert signing.canonical_uri("") == "/"
