"""String formats: which ones are checked, how, and how to make a valid example of each.

The checked set and the rules mirror openapi-core's OAS 3.0 format checker, which is
jsonschema's FormatChecker plus the OAS formats, with jsonschema's `rfc3987` extra installed so
that `uri` is checked as the spec intends (schemathesis checks it too). tests/test_formats.py and
tests/test_validation_differential.py prove they agree. Formats outside this set (`hostname`,
`idn-hostname`, ...) are annotations only.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import ipaddress
import random
import re
import uuid
import warnings
from collections.abc import Callable
from datetime import date

_RFC3339 = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$",
    re.ASCII,
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


def is_date_time(value: str) -> bool:
    match = _RFC3339.match(value.upper())
    if match is None:
        return False
    year, month, day = (int(g) for g in match.groups())
    return 1 <= day <= calendar.monthrange(year, month)[1]


def is_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_time(value: str) -> bool:
    return is_date_time("1970-01-01T" + value)


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) > 23 and all(value[i] == "-" for i in (8, 13, 18, 23))


def is_email(value: str) -> bool:
    return "@" in value


def is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def is_ipv6(value: str) -> bool:
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return not address.scope_id


def is_byte(value: str) -> bool:
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


# RFC 3986 (URI) and RFC 3987 (IRI, which adds non-ASCII "ucschar"s) as regular expressions.
_UCS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    + "".join(f"{chr(plane << 16)}-{chr((plane << 16) | 0xFFFD)}" for plane in range(1, 14))
    + "\U000e1000-\U000efffd"
)  # RFC 3987 ucschar
_PRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"  # iprivate: IRI queries only


def _rfc3986(extra: str, private: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    unreserved = r"A-Za-z0-9\-._~" + extra
    sub_delims = "!$&'()*+,;="
    pct = "%[0-9A-Fa-f]{2}"
    pchar = f"(?:[{unreserved}{sub_delims}:@]|{pct})"
    userinfo = f"(?:[{unreserved}{sub_delims}:]|{pct})*"
    reg_name = f"(?:[{unreserved}{sub_delims}]|{pct})*"
    host = rf"(?:\[[^\]/]*\]|{reg_name})"
    authority = f"(?:{userinfo}@)?{host}(?::[0-9]*)?"
    segment, segment_nz = f"{pchar}*", f"{pchar}+"
    segment_nc = f"(?:[{unreserved}{sub_delims}@]|{pct})+"  # no ":" in a relative path's first segment
    hier = f"(?://{authority}(?:/{segment})*|/(?:{segment_nz}(?:/{segment})*)?|{segment_nz}(?:/{segment})*|)"
    relative = (
        f"(?://{authority}(?:/{segment})*|/(?:{segment_nz}(?:/{segment})*)?|{segment_nc}(?:/{segment})*|)"
    )
    tail = rf"(?:\?(?:{pchar}|[/?{private}])*)?(?:#(?:{pchar}|[/?])*)?"
    scheme = r"[A-Za-z][A-Za-z0-9+\-.]*"
    # `$` (not \Z) on purpose: the reference (rfc3987) also accepts one trailing newline.
    absolute = re.compile(f"^{scheme}:{hier}{tail}$")
    reference = re.compile(f"^(?:{scheme}:{hier}|{relative}){tail}$")
    return absolute, reference


_URI, _URI_REFERENCE = _rfc3986("", "")
_IRI, _IRI_REFERENCE = _rfc3986(_UCS, _PRIVATE)


_AUTHORITY_LITERAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+\-.]*:)?//(?:[^@/?#\[]*@)?\[([^\]/]*)\]")


def _literal_ok(match: re.Match[str] | None) -> bool:
    """The regex leaves `[...]` hosts loose; check them as RFC 3986 IP literals."""
    if match is None:
        return False
    found = _AUTHORITY_LITERAL.match(match.string)
    if found is None:
        return True
    literal = found.group(1)
    if literal[:1] in ("v", "V"):
        return re.fullmatch(r"[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+", literal) is not None
    try:
        ipaddress.IPv6Address(literal)
    except ValueError:
        return False
    return "%" not in literal


def is_uri(value: str) -> bool:
    return _literal_ok(_URI.match(value))


def is_uri_reference(value: str) -> bool:
    return _literal_ok(_URI_REFERENCE.match(value))


def is_iri(value: str) -> bool:
    return _literal_ok(_IRI.match(value))


def is_iri_reference(value: str) -> bool:
    return _literal_ok(_IRI_REFERENCE.match(value))


def is_regex(value: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible nested set" and friends: still a valid pattern
        try:
            re.compile(value)
        except re.error:
            return False
    return True


# Checked string formats. int32/int64 constrain numbers and are turned into bounds by the schema
# converter; float/double/binary/password accept every JSON value and are not listed.
CHECKERS: dict[str, Callable[[str], bool]] = {
    "date-time": is_date_time,
    "date": is_date,
    "time": is_time,
    "uuid": is_uuid,
    "email": is_email,
    "idn-email": is_email,
    "ipv4": is_ipv4,
    "ipv6": is_ipv6,
    "byte": is_byte,
    "regex": is_regex,
    "uri": is_uri,
    "uri-reference": is_uri_reference,
    "iri": is_iri,
    "iri-reference": is_iri_reference,
}

# Integer ranges implied by a format (only integers are checked; other numbers pass), and the
# keyword that marks the compiled check of one.
INTEGER_FORMAT = "x-integer-format"
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
}

# A fixed base for synthetic timestamps: responses must not depend on the wall clock.
EPOCH = 1_735_689_600  # 2025-01-01T00:00:00Z


def _iso(seconds: int) -> str:
    year, rest = 2025, seconds
    days_in_year = 365
    day_of_year, rest = divmod(rest, 86_400)
    while day_of_year >= days_in_year:
        day_of_year -= days_in_year
        year += 1
        days_in_year = 366 if calendar.isleap(year) else 365
    month = 1
    while day_of_year >= calendar.monthrange(year, month)[1]:
        day_of_year -= calendar.monthrange(year, month)[1]
        month += 1
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{year:04d}-{month:02d}-{day_of_year + 1:02d}T{hours:02d}:{minutes:02d}:{secs:02d}Z"


def synthetic_datetime(rng: random.Random) -> str:
    """An RFC 3339 timestamp in 2025, chosen by `rng` (never the wall clock)."""
    return _iso(rng.randrange(0, 365 * 86_400))


def example_for(fmt: str, rng: random.Random) -> str | None:
    """A realistic valid string for `fmt`, or None when the format has no special shape."""
    if fmt == "date-time":
        return synthetic_datetime(rng)
    if fmt == "date":
        return synthetic_datetime(rng)[:10]
    if fmt == "time":
        return synthetic_datetime(rng)[11:]
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if fmt in ("email", "idn-email"):
        return f"{rng.choice(_NAMES)}.{rng.choice(_NAMES)}@example.com".lower()
    if fmt == "ipv4":
        return f"192.0.2.{rng.randrange(1, 255)}"  # TEST-NET-1, never routable
    if fmt == "ipv6":
        return f"2001:db8::{rng.randrange(1, 0xFFFF):x}"
    if fmt in ("uri", "url", "iri"):
        return f"https://example.com/{rng.choice(_WORDS)}/{rng.randrange(1000)}"
    if fmt in ("uri-reference", "iri-reference"):
        return f"/{rng.choice(_WORDS)}/{rng.randrange(1000)}"
    if fmt in ("hostname", "idn-hostname"):
        return f"{rng.choice(_WORDS)}.example.com"
    if fmt == "byte":
        return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(12))).decode()
    if fmt == "regex":
        return "^[a-z]+$"
    if fmt == "password":
        return "correct-horse-battery"
    return None


_NAMES = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Niklaus")
_WORDS = ("venice", "gondola", "canal", "bridge", "lagoon", "piazza", "palazzo", "campanile", "regatta")
