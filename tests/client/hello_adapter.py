"""A JSON-lines adapter (run as a process) that opens with a hello line: it covers two
operations, declares that its client does not stream, and answers `unsupported` for streams."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project this file sits in

from contracts.client.adapters.httpx_client import VeniceClient

HELLO = {
    "operations": ["listModels", "createChatCompletion"],
    "capabilities": {"streaming": False},
}


def main() -> None:
    print(json.dumps({"hello": HELLO}), flush=True)
    clients: dict[str, VeniceClient] = {}
    for line in sys.stdin:
        request = json.loads(line)
        body = request["arguments"].get("body")
        if isinstance(body, dict) and body.get("stream") is True:
            print(json.dumps({"unsupported": True}), flush=True)
            continue
        url = request["base_url"]
        client = clients.setdefault(url, VeniceClient(url, request["api_key"], timeout=request["timeout"]))
        try:
            result = client.call(request["operation"], request["arguments"])
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            error = {"type": type(exc).__name__, "message": str(exc), "status": status}
            print(json.dumps({"ok": False, "error": error}), flush=True)
            continue
        if result.binary is not None:
            print(json.dumps({"ok": True, "binary": base64.b64encode(result.binary).decode()}), flush=True)
        else:
            print(json.dumps({"ok": True, "value": result.value}), flush=True)


if __name__ == "__main__":
    main()
