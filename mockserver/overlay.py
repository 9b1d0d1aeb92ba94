"""Overlays: documents merged into a spec before it is read, for what the spec lacks. The bundled
one (fixtures/overlay.yaml) gives the Venice chat stream its media type; `--overlay` adds more.
"""

from __future__ import annotations

from pathlib import Path

from mockserver.bundled import bundled
from mockserver.spec import HTTP_METHODS
from mockserver.types import JSON


def default_overlay_path() -> Path:
    """fixtures/overlay.yaml: what the Venice spec lacks (the chat stream's media type)."""
    return bundled("fixtures") / "overlay.yaml"


def merge(base: JSON, patch: JSON) -> JSON:
    """RFC 7396 merge patch: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict) or not isinstance(base, dict):
        return patch
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(base.get(key), value)
    return merged


def apply_overlay(document: JSON, overlay: JSON) -> JSON:
    """Merge an overlay into a document. An overlay with `operations:` is targeted: each entry is
    merged into the operation with that operationId (skipped if the spec has none), and its
    `components` only if something matched. Any other overlay is a plain RFC 7396 merge patch."""
    if not isinstance(overlay, dict) or "operations" not in overlay:
        return merge(document, overlay)
    merged = dict(document)
    paths = {p: dict(item) for p, item in (document.get("paths") or {}).items() if isinstance(item, dict)}
    matched = False
    for operation_id, patch in (overlay.get("operations") or {}).items():
        for item in paths.values():
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict) and op.get("operationId") == operation_id:
                    item[method] = merge(op, patch)
                    matched = True
    if matched:
        merged["paths"] = paths
        merged = merge(merged, {k: v for k, v in overlay.items() if k != "operations"})
    return merged
