"""A behavior's answer made valid against the loaded spec, keeping every part that already is.

Behaviors are written against the bundled spec; a later spec may require fields they never set,
close objects they add fields to, or narrow what a field may hold. `complete` leaves a valid value
alone (one compiled check: the common case costs nothing more) and otherwise walks value and
schema together: missing required properties are synthesized (seeded as usual), properties a closed
object does not allow are dropped, array lengths are brought within bounds, and any other part
that fails its own sub-schema is synthesized afresh. If the repaired value is still invalid (a
schema the walk cannot follow), a wholly synthesized value is answered: valid beats meaningful.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from mockserver.schemaops import resolve
from mockserver.schemas import Compiled
from mockserver.synthesis import Synthesizer
from mockserver.types import JSON, Schema

_MAX_DEPTH = 24  # a recursive schema's value is repaired this deep, then synthesized whole


def complete(
    synthesizer: Synthesizer, compiled: Compiled, value: JSON, seeded: Callable[[], random.Random]
) -> JSON:
    """`value` if valid under `compiled`, else the repaired value, else a synthesized one. The
    RNG is asked for only when a repair needs it: seeding one costs more than the check."""
    if compiled.is_valid(value):
        return value
    rng = seeded()
    repaired = _Repair(synthesizer, compiled.schema, rng).fix(compiled.schema, value, "", 0)
    if compiled.is_valid(repaired):
        return repaired
    return synthesizer.valid_value(compiled, rng)


class _Repair:
    __slots__ = ("rng", "root", "synthesizer")

    def __init__(self, synthesizer: Synthesizer, root: Schema, rng: random.Random) -> None:
        self.synthesizer = synthesizer
        self.root = root
        self.rng = rng

    def fresh(self, schema: Schema, name: str) -> JSON:
        return self.synthesizer.value(schema, self.rng, name=name, root=self.root)

    def fix(self, schema: Any, value: JSON, name: str, depth: int) -> JSON:
        if not isinstance(schema, dict) or self.synthesizer.accepts(schema, self.root, value):
            return value
        if "$ref" in schema:
            return self.fix(resolve(schema["$ref"], self.root), value, name, depth + 1)
        if "allOf" in schema:
            return self.fix(self.synthesizer.merged(schema), value, name, depth)
        branches = schema.get("oneOf") or schema.get("anyOf")
        if depth >= _MAX_DEPTH or "const" in schema or "enum" in schema or branches:
            return self.fresh(schema, name)
        if isinstance(value, dict) and _allows(schema, "object"):
            return self._object(schema, value, depth)
        if isinstance(value, list) and _allows(schema, "array"):
            return self._array(schema, value, name, depth)
        return self.fresh(schema, name)

    def _object(self, schema: Schema, value: dict[str, JSON], depth: int) -> JSON:
        properties: dict[str, Any] = schema.get("properties") or {}
        patterns = [re.compile(p) for p in schema.get("patternProperties") or {}]
        extra = schema.get("additionalProperties")
        out: dict[str, JSON] = {}
        for key, item in value.items():
            if key in properties:
                if properties[key] != {"not": {}}:  # readOnly/writeOnly this way: must be absent
                    out[key] = self.fix(properties[key], item, key, depth + 1)
            elif any(p.search(key) for p in patterns):
                out[key] = item  # left to the final check: pattern schemas are rare in answers
            elif isinstance(extra, dict):
                out[key] = self.fix(extra, item, key, depth + 1)
            elif extra is not False:
                out[key] = item
        for key in schema.get("required") or ():
            if key not in out:
                out[key] = self.fresh(properties.get(key, {}), key)
        return out

    def _array(self, schema: Schema, value: list[JSON], name: str, depth: int) -> JSON:
        items = schema.get("items")
        singular = name[:-1] if name.endswith("s") else name
        out = (
            [self.fix(items, item, singular, depth + 1) for item in value]
            if isinstance(items, dict)
            else value
        )
        high = schema.get("maxItems")
        if isinstance(high, int):
            out = out[:high]
        low = int(schema.get("minItems", 0))
        while len(out) < low:
            out.append(self.fresh(items if isinstance(items, dict) else {}, singular))
        return out


def _allows(schema: Schema, kind: str) -> bool:
    declared = schema.get("type")
    if declared is None:
        return True
    return kind == declared or (isinstance(declared, list) and kind in declared)
