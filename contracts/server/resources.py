"""API keys the suite makes and unmakes: a positive DELETE /api_keys deletes a key created for
it (a random id names no key, and a 400 for it says nothing about the request), and every key
the suite created is deleted again before the operation's verdict."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from contracts.safety import BudgetExhausted, Redactor
from contracts.server.transport import Call, NoAnswer, Transport
from mockserver import Spec

CREATES_KEYS = ("createApiKey", "postApiKeyGenerateWeb3Key")
DELETES_KEYS = "deleteApiKey"


class Resources:
    def __init__(
        self, transport: Transport, spec: Spec, headers: Mapping[str, str], redact: Redactor
    ) -> None:
        self.transport = transport
        self.headers = dict(headers)
        self.redact = redact
        self.pending: list[str] = []  # ids of keys made by the suite and not deleted yet
        ids = {op.operation_id for op in spec.operations}
        self.enabled = "createApiKey" in ids and DELETES_KEYS in ids
        self.create_path = spec.operation("createApiKey").path if self.enabled else ""
        self.delete_path = spec.operation(DELETES_KEYS).path if self.enabled else ""

    def prepare(self, operation_id: str, case: Any) -> None:
        """Give a positive deleteApiKey case the id of a key that exists."""
        if operation_id != DELETES_KEYS or not self.enabled:
            return
        body = {"apiKeyType": "INFERENCE", "description": "venice-contracts: deleted by its own run"}
        call = self.transport.request("POST", self.create_path, self.headers, json=body)
        key_id = self._remember(call)
        if key_id is not None:
            case.query = {**(case.query or {}), "id": key_id}

    def created(self, operation_id: str, call: Call) -> None:
        """After a 2xx answer: remember created keys; forget a deleted one."""
        if operation_id in CREATES_KEYS:
            self._remember(call)
        elif operation_id == DELETES_KEYS:
            deleted = httpx.URL(str(call.request.url)).params.get("id")
            if deleted in self.pending:
                self.pending.remove(deleted)

    def clean_up(self) -> None:
        while self.pending:
            key_id = self.pending.pop()
            try:
                self.transport.request("DELETE", self.delete_path, self.headers, params={"id": key_id})
            except (BudgetExhausted, NoAnswer):
                return  # nothing more can be sent; the key stays (and is reported by nobody)

    def _remember(self, call: Call) -> str | None:
        if not 200 <= call.status < 300:
            return None
        try:
            data = json.loads(call.body.content).get("data")
        except (ValueError, AttributeError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return None
        if isinstance(data.get("apiKey"), str):
            self.redact.add(data["apiKey"])
        self.pending.append(data["id"])
        return str(data["id"])
