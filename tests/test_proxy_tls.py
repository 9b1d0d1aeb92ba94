"""--proxy in front of an HTTPS upstream, as in front of the real Venice API: the upstream here is
a second real mock served over TLS on loopback (uvicorn's own TLS), with a certificate from a
throwaway CA."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from mockserver import Mock
from tests.conftest import LiveServer
from tests.helpers import AUTH

CHAT = {"model": "venice-uncensored", "messages": [{"role": "user", "content": "Say hello"}]}


@pytest.fixture
def authority(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(CA bundle, server certificate chain, server key) for 127.0.0.1."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    bundle, chain, key = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    ca.cert_pem.write_to_path(str(bundle))
    issued.private_key_pem.write_to_path(str(key))
    chain.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    return bundle, chain, key


@pytest.fixture
def https_upstream(
    make_mock: Callable[..., Mock], authority: tuple[Path, Path, Path]
) -> Iterator[LiveServer]:
    _, chain, key = authority
    with LiveServer(make_mock(), ssl_certfile=str(chain), ssl_keyfile=str(key)) as up:
        yield up


def test_the_proxy_forwards_to_an_https_upstream_it_trusts(
    make_mock: Callable[..., Mock],
    authority: tuple[Path, Path, Path],
    https_upstream: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle = authority[0]
    # OpenSSL's standard variable: how a user trusts a private CA (documented in README).
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with LiveServer(make_mock(proxy=https_upstream.base_url)) as front:
        with httpx.Client(verify=ssl.create_default_context(cafile=bundle), timeout=30) as direct_client:
            direct = direct_client.get(https_upstream.base_url + "/models", headers=AUTH)
        proxied = httpx.get(front.base_url + "/models", headers=AUTH, timeout=30)
        assert (proxied.status_code, proxied.content) == (200, direct.content)
        body = {**CHAT, "stream": True}
        with httpx.stream("POST", front.base_url + "/chat/completions", json=body, headers=AUTH) as answer:
            assert answer.status_code == 200
            events = [line for line in answer.iter_lines() if line.startswith("data:")]
        assert events[-1] == "data: [DONE]"
        assert len(events) > 2
        calls = list(front.mock.calls)
        assert [(c.operation_id, c.status, c.response_violations) for c in calls] == [
            ("listModels", 200, ()),
            ("createChatCompletion", 200, ()),
        ]
        # The upstream really answered both proxied calls (after the direct one): nothing was
        # synthesized by the proxy.
        assert [c.operation_id for c in https_upstream.mock.calls] == [
            "listModels",
            "listModels",
            "createChatCompletion",
        ]


def test_an_upstream_certificate_the_proxy_does_not_trust_is_a_502_naming_it(
    make_mock: Callable[..., Mock], https_upstream: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's CAs only: the test CA is not one
    with LiveServer(make_mock(proxy=https_upstream.base_url)) as front:
        answer = httpx.get(front.base_url + "/models", headers=AUTH, timeout=30)
    assert answer.status_code == 502
    body = answer.json()
    assert body["details"] == {"upstream": https_upstream.base_url}
    assert "SSLCertVerificationError" in body["error"]
    assert "certificate verify failed" in body["error"]
    assert list(https_upstream.mock.calls) == []
