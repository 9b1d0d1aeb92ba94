"""API keys keep their state: a created key is listed and authenticates where its type allows; a
deleted one is neither listed nor accepted. A sequence of requests, not one answer, so it runs
once per run (with `--allow-mutations` against a real server; always against the mock).

An INFERENCE key is tried on a secured read-only operation that is not key management (Venice:
`GET /characters`) and must be accepted there; key management (`GET /api_keys`) needs an ADMIN
key, so the INFERENCE key must be refused there.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.failures import Failure, printable
from contracts.server.resources import CREATES_KEYS, DELETES_KEYS
from contracts.server.transport import Call, NoAnswer, Transport
from mockserver import Operation, Spec

CHECK = "api_keys"
NEEDED = ("createApiKey", "getApiKeys", "deleteApiKey")
_ACCEPTED = range(200, 300)
_REFUSED = (401, 403)


def _listed(call: Call, key_id: str) -> bool:
    answer = call.json()
    data = answer.get("data") if isinstance(answer, dict) else None
    return isinstance(data, list) and any(isinstance(k, dict) and k.get("id") == key_id for k in data)


def _probe_operation(spec: Spec) -> Operation | None:
    """A secured GET with no required parameters outside key management: where an inference key
    must work."""
    ops = {op.operation_id: op for op in spec.operations}
    if "listCharacters" in ops:
        return ops["listCharacters"]
    for op in spec.operations:
        managed = op.operation_id in (*CREATES_KEYS, DELETES_KEYS, "getApiKeys") or "api_key" in op.path
        free = not any(p.required for p in op.parameters)
        if op.method == "GET" and op.security.required and not managed and free:
            return op
    return None


def applies(spec: Spec) -> bool:
    ids = {op.operation_id for op in spec.operations}
    return all(name in ids for name in NEEDED)


def check_key_state(spec: Spec, transport: Transport, headers: Mapping[str, str]) -> list[Failure]:
    """Create an INFERENCE key, look for it, use it, delete it, look and use again."""
    create, listing, delete = (spec.operation(name) for name in NEEDED)
    probe = _probe_operation(spec)
    out: list[Failure] = []

    def fail(rule: str, title: str, expected: str, call: Call, op: Operation) -> None:
        received = f"{call.status} {printable(call.body.content, call.content_type)}"
        # Placed on the operation that made the key: the flow is its promise, whichever call broke it.
        failure = Failure(CHECK, title, expected, received, rule, field="apiKey")
        out.append(failure.at(create.operation_id, call.status, call.curl))

    def bearer(key: str) -> dict[str, str]:
        return {**headers, "Authorization": f"Bearer {key}"}

    body = {"apiKeyType": "INFERENCE", "description": "venice-contracts: key state check"}
    try:
        made = transport.request("POST", create.path, headers, json=body)
        answer = made.json()
        data = answer.get("data") if isinstance(answer, dict) else None
        if made.status not in _ACCEPTED or not isinstance(data, dict):
            return out  # the operation's own cases judge a refused creation
        key_id, secret = data.get("id"), data.get("apiKey")
        if not isinstance(key_id, str) or not isinstance(secret, str):
            return out  # the schema check names the missing field
        transport.redact.add(secret)
        listed = transport.request("GET", listing.path, headers)
        if not _listed(listed, key_id):
            fail(
                "listed",
                f"the created key is not listed by {listing.label}",
                f"{listing.label} lists {key_id}",
                listed,
                listing,
            )
        if probe is not None:
            used = transport.request("GET", probe.path, bearer(secret))
            if used.status not in _ACCEPTED:
                title = f"the created INFERENCE key is refused on {probe.label}"
                fail("authenticates", title, "2xx with the new key", used, probe)
        admin = transport.request("GET", listing.path, bearer(secret))
        if admin.status not in _REFUSED:
            title = f"an INFERENCE key is accepted on {listing.label}, which needs an ADMIN key"
            fail("type", title, "401 or 403", admin, listing)
        gone = transport.request("DELETE", delete.path, headers, params={"id": key_id})
        if gone.status not in _ACCEPTED:
            return out  # the delete operation's own cases judge this
        after = transport.request("GET", listing.path, headers)
        if _listed(after, key_id):
            fail(
                "still_listed",
                f"the deleted key is still listed by {listing.label}",
                f"{key_id} not listed",
                after,
                listing,
            )
        if probe is not None:
            reused = transport.request("GET", probe.path, bearer(secret))
            if reused.status not in _REFUSED:
                title = f"the deleted key is still accepted on {probe.label}"
                fail("still_accepted", title, "401 once the key is deleted", reused, probe)
    except NoAnswer as exc:
        out.append(
            Failure(
                "no_answer", "no answer during the key state check", "an HTTP answer", str(exc), exc.rule
            ).at(create.operation_id, None, exc.curl)
        )
    return out
