"""Positive schemathesis cases for the API-key operations, made into requests Venice (and the mock)
accept, for tests/test_fuzz.py to apply before `call_and_validate`.

The schema admits requests that are refused for what they mean, and schemathesis reports such a
refusal of "valid data" (ST202): `expiresAt` patterns admit days that do not exist ("0000-00-00",
a 400 naming expiresAt), and DELETE /api_keys has an optional `id` that must in fact name an
existing key (a 400 naming the id). Negative cases are left as generated.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from schemathesis.generation import GenerationMode

from mockserver import Mock
from mockserver.state import ApiKey, secret_hash
from mockserver.timestamps import parse_instant, rfc3339


def name_real_keys_and_days(case: Any, mock: Mock) -> None:
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if not positive:
        return
    label = case.operation.label
    if label == "POST /api_keys" and isinstance(case.body, dict):
        expiry = case.body.get("expiresAt")
        if isinstance(expiry, str) and expiry and parse_instant(expiry) is None:
            real = "2031-01-01" if len(expiry) == len("2031-01-01") else "2031-01-01T00:00:00Z"
            case.body = {**case.body, "expiresAt": real}
    elif label == "DELETE /api_keys":
        secret = secrets.token_urlsafe(30)
        key = ApiKey(
            str(uuid.uuid4()), secret_hash(secret), secret[-6:], "INFERENCE", "fuzz", rfc3339(time.time())
        )
        mock.services.state.add_key(key)
        case.query = {**(case.query or {}), "id": key.id}
