"""A seeded picture: a two-axis colour gradient under a few solid rectangles and ellipses, made row by row.

Rows are built from whole-row byte operations (``bytes.translate`` and slice assignment) rather than pixel
loops, so a 4096x4096 picture costs a few thousand row operations and never exists as a whole frame.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

# Keep each channel's gradient well inside 0..255 so a row is one translate of a shared horizontal ramp:
# no clipping anywhere, and consecutive rows differ only where the vertical ramp steps or a shape edge moves,
# which is what makes the PNG "Up" filter (see png.py) compress the picture to a few bytes per row.
_MAX_RAMP = 100


@dataclass(frozen=True, slots=True)
class Ramp:
    """One colour channel: ``base + across * x / (width - 1) + down * y / (height - 1)``, rounded."""

    base: int
    across: int
    down: int


@dataclass(frozen=True, slots=True)
class Shape:
    """A solid rectangle, or the ellipse inscribed in it; the box is in pixels and may leave the picture."""

    left: float
    top: float
    right: float
    bottom: float
    ellipse: bool
    color: bytes  # three bytes, RGB

    def span(self, y: int) -> tuple[float, float] | None:
        """The horizontal extent covered on row ``y`` (sampled at the pixel centre), if any."""
        centre = y + 0.5
        if not self.top <= centre < self.bottom:
            return None
        if not self.ellipse:
            return self.left, self.right
        rx, ry = (self.right - self.left) / 2, (self.bottom - self.top) / 2
        cx, cy = self.left + rx, self.top + ry
        dy = (centre - cy) / ry
        half = rx * math.sqrt(max(0.0, 1.0 - dy * dy))
        return cx - half, cx + half


@dataclass(frozen=True, slots=True)
class Picture:
    width: int
    height: int
    ramps: tuple[Ramp, Ramp, Ramp]
    shapes: tuple[Shape, ...]


def seeded_picture(width: int, height: int, seed: int) -> Picture:
    # Seeding with a string uses Python's documented, version-stable seeding (sha512 of the string), and
    # unlike an int seed it keeps -1 and 1 apart. Only ``random()`` is drawn: its sequence is guaranteed.
    rng = random.Random(f"venice-mockkit/picture/{seed}")

    def between(low: int, high: int) -> int:
        return low + int(rng.random() * (high - low + 1))

    ramps = []
    for _ in range(3):
        across, down = between(-_MAX_RAMP, _MAX_RAMP), between(-_MAX_RAMP, _MAX_RAMP)
        low = -min(0, across) - min(0, down)
        high = 255 - max(0, across) - max(0, down)
        ramps.append(Ramp(between(low, high), across, down))
    shapes = []
    for _ in range(between(2, 5)):
        color = bytes(between(0, 255) for _ in range(3))
        ellipse = rng.random() < 0.5
        if ellipse and rng.random() < 0.7:
            box_w = box_h = (0.15 + 0.4 * rng.random()) * min(width, height)  # a disc
        else:
            box_w, box_h = (0.1 + 0.35 * rng.random()) * width, (0.1 + 0.35 * rng.random()) * height
        left = (rng.random() * 1.1 - 0.1) * width
        top = (rng.random() * 1.1 - 0.1) * height
        shapes.append(Shape(left, top, left + box_w, top + box_h, ellipse, color))
    return Picture(width, height, (ramps[0], ramps[1], ramps[2]), tuple(shapes))


_ADD_TABLES: dict[int, bytes] = {}


def _add_table(offset: int) -> bytes:
    """A ``bytes.translate`` table adding ``offset`` to every byte (ramps never leave 0..255)."""
    table = _ADD_TABLES.get(offset)
    if table is None:
        table = _ADD_TABLES[offset] = bytes(min(255, max(0, value + offset)) for value in range(256))
    return table


def _step(amount: int, position: int, size: int) -> int:
    return round(amount * position / (size - 1)) if size > 1 else 0


def picture_rows(picture: Picture) -> Iterator[bytes]:
    """The picture as packed 8-bit RGB rows, top to bottom."""
    width, height = picture.width, picture.height
    across = [bytes(ramp.base + _step(ramp.across, x, width) for x in range(width)) for ramp in picture.ramps]
    for y in range(height):
        row = bytearray(3 * width)
        for channel, ramp in enumerate(picture.ramps):
            row[channel::3] = across[channel].translate(_add_table(_step(ramp.down, y, height)))
        for shape in picture.shapes:
            span = shape.span(y)
            if span is None:
                continue
            # A pixel belongs to the shape when its centre does.
            start = max(0, math.ceil(span[0] - 0.5))
            stop = min(width, math.ceil(span[1] - 0.5))
            if stop > start:
                row[3 * start : 3 * stop] = shape.color * (stop - start)
        yield bytes(row)
