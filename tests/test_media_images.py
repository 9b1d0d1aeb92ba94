"""Images: what the mock draws decodes, with Pillow, to the requested size and format; uploads are checked."""

from __future__ import annotations

import base64
import io
import struct
import tracemalloc
import zlib

import pytest
from PIL import Image, ImageChops, ImageStat

from mockserver.media.images import (
    MEDIA_TYPES,
    ImageError,
    ImageInfo,
    decode_base64_image,
    encode_image,
    inspect_image,
)
from mockserver.media.picture import picture_rows, seeded_picture

FORMATS = ("png", "jpeg", "webp")
PILLOW_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
SIZES = [(1, 1), (3, 2), (64, 64), (1024, 1024), (1792, 1024), (1280, 720), (720, 1280)]


def _picture(width: int, height: int, seed: int) -> Image.Image:
    """The picture before any encoding, straight from the row generator."""
    return Image.frombytes(
        "RGB", (width, height), b"".join(picture_rows(seeded_picture(width, height, seed)))
    )


def _pillow(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, image_data: bytes, color_type: int = 2) -> bytes:
    """A PNG with whatever (compressed) image data is given and correct CRCs everywhere."""
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", image_data) + _chunk(b"IEND", b"")


# --- encoding -------------------------------------------------------------------------------------------


def test_media_types() -> None:
    assert dict(MEDIA_TYPES) == {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_encoded_image_decodes_to_the_requested_size_and_format(fmt: str, width: int, height: int) -> None:
    data = encode_image(width, height, fmt, 7)  # type: ignore[arg-type]
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == PILLOW_NAMES[fmt]
        assert image.size == (width, height)
        assert image.mode == "RGB"
    assert inspect_image(data) == ImageInfo(fmt, width, height)


@pytest.mark.parametrize(("width", "height"), [(1, 1), (7, 5), (333, 111), (1024, 1024), (1000, 1792)])
def test_png_holds_exactly_the_drawn_picture(width: int, height: int) -> None:
    # The PNG encoder filters rows with big-integer arithmetic; any carry across bytes would show here.
    with Image.open(io.BytesIO(encode_image(width, height, "png", 11))) as image:
        assert image.tobytes() == _picture(width, height, 11).tobytes()


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_lossy_formats_show_the_same_picture(fmt: str) -> None:
    with Image.open(io.BytesIO(encode_image(640, 480, fmt, 5))) as image:  # type: ignore[arg-type]
        difference = ImageChops.difference(image.convert("RGB"), _picture(640, 480, 5))
    # Lossy coding of flat shapes on smooth gradients stays within a few levels on average.
    assert max(ImageStat.Stat(difference).mean) < 4
    other = ImageChops.difference(_picture(640, 480, 6), _picture(640, 480, 5))
    assert max(ImageStat.Stat(other).mean) > 10  # ...while another seed's picture is far off


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 99, -5])
def test_picture_is_not_blank(seed: int) -> None:
    with Image.open(io.BytesIO(encode_image(256, 256, "png", seed))) as image:
        colors = image.getcolors(maxcolors=256 * 256)
        extrema = image.getextrema()
    assert colors is not None
    assert len(colors) > 50
    assert any(high - low > 40 for low, high in extrema)


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_same_bytes_other_seed_other_bytes(fmt: str) -> None:
    first = encode_image(300, 200, fmt, 42)  # type: ignore[arg-type]
    assert encode_image(300, 200, fmt, 42) == first  # type: ignore[arg-type]
    assert encode_image(300, 200, fmt, 43) != first  # type: ignore[arg-type]
    assert encode_image(300, 200, fmt, -42) != first  # type: ignore[arg-type]


def test_large_png_is_streamed_in_small_memory() -> None:
    # /image/upscale goes up to ~5120 on a side; a full 4096x4096 RGB frame alone would be 48 MiB.
    tracemalloc.start()
    try:
        data = encode_image(4096, 4096, "png", 3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (4096, 4096)
        rows = picture_rows(seeded_picture(4096, 4096, 3))
        for y, row in enumerate(rows):
            if y in (0, 1111, 4095):
                assert image.crop((0, y, 4096, y + 1)).tobytes() == row


@pytest.mark.parametrize(("width", "height", "fmt"), [(0, 10, "png"), (10, 0, "jpeg"), (20000, 10, "png")])
def test_impossible_sizes_are_refused(width: int, height: int, fmt: str) -> None:
    with pytest.raises(ValueError, match="cannot draw"):
        encode_image(width, height, fmt, 1)  # type: ignore[arg-type]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown image format 'gif'"):
        encode_image(10, 10, "gif", 1)  # type: ignore[arg-type]


# --- inspecting uploads ---------------------------------------------------------------------------------

_SOURCE = Image.linear_gradient("L").resize((300, 200)).convert("RGB")


@pytest.mark.parametrize(
    ("fmt", "mode", "options", "expected"),
    [
        ("PNG", "RGB", {}, "png"),
        ("PNG", "RGBA", {}, "png"),
        ("PNG", "P", {}, "png"),
        ("PNG", "L", {"interlace": 1}, "png"),
        ("PNG", "I;16", {}, "png"),
        ("PNG", "1", {"interlace": 1}, "png"),
        ("JPEG", "RGB", {"quality": 70}, "jpeg"),
        ("JPEG", "L", {"progressive": True}, "jpeg"),
        ("WEBP", "RGB", {"quality": 60}, "webp"),
        ("WEBP", "RGBA", {"lossless": True}, "webp"),
        ("GIF", "P", {}, "gif"),
        ("BMP", "RGB", {}, "bmp"),
        ("TIFF", "RGB", {}, "tiff"),
    ],
)
def test_inspect_identifies_real_images(
    fmt: str, mode: str, options: dict[str, object], expected: str
) -> None:
    data = _pillow(_SOURCE.convert(mode), fmt, **options)
    assert inspect_image(data) == ImageInfo(expected, 300, 200)


def test_inspect_reports_odd_interlaced_sizes() -> None:
    for width, height in [(1, 1), (3, 1), (1, 9), (13, 17)]:
        data = _pillow(Image.new("RGB", (width, height), "teal"), "PNG", interlace=1)
        assert inspect_image(data) == ImageInfo("png", width, height)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"not an image: it is empty"),
        (bytes(range(7, 250)), r"not an image: its first bytes \(07 08 09"),
        (b"name,size\nkitten.png,1234\n", r"not an image: it looks like text \('name,size"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 3, r"not an image"),
        (base64.b64encode(_pillow(_SOURCE, "PNG")), r"not an image: it is base64 text of an image"),
        (b"\xff\xd8\xff\xe0\x00", r"JPEG file is truncated or corrupt"),
    ],
)
def test_inspect_refuses_what_is_not_an_image(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        inspect_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_inspect_refuses_truncated_images(fmt: str, keep: float) -> None:
    data = _pillow(_SOURCE, fmt)
    with pytest.raises(ImageError, match=r"truncated|corrupt"):
        inspect_image(data[: int(len(data) * keep)])


def test_inspect_refuses_a_png_that_fails_a_crc() -> None:
    data = bytearray(encode_image(64, 64, "png", 1))
    data[60] ^= 0x01  # inside the first IDAT chunk
    with pytest.raises(ImageError, match=r"IDAT chunk at byte 33 fails its CRC check"):
        inspect_image(bytes(data))


def test_inspect_refuses_a_png_with_corrupt_compressed_data() -> None:
    with pytest.raises(ImageError, match=r"compressed image data is corrupt"):
        inspect_image(_png(4, 4, b"\x78\x9c\xff\xff\xff\xff\xff\xff"))


def test_inspect_refuses_a_png_with_too_little_or_too_much_image_data() -> None:
    rows = b"".join(b"\x00" + bytes(12) for _ in range(4))  # 4 rows of 4 RGB pixels
    assert inspect_image(_png(4, 4, zlib.compress(rows))) == ImageInfo("png", 4, 4)
    with pytest.raises(ImageError, match=r"truncated: 39 of 52 bytes"):
        inspect_image(_png(4, 4, zlib.compress(rows[:39])))
    with pytest.raises(ImageError, match=r"more image data than its size needs"):
        inspect_image(_png(4, 4, zlib.compress(rows + b"\x00")))


def test_inspect_refuses_a_png_with_an_unknown_row_filter() -> None:
    rows = b"".join(bytes([0 if y != 2 else 9]) + bytes(12) for y in range(4))
    with pytest.raises(ImageError, match=r"unknown filter type"):
        inspect_image(_png(4, 4, zlib.compress(rows)))


def test_inspect_refuses_a_png_bomb_without_decoding_it() -> None:
    # 100,000 x 100,000 RGB would inflate to 30 GB; the header alone must be enough to refuse it.
    bomb = _png(100_000, 100_000, zlib.compress(bytes(1_000_000)))
    tracemalloc.start()
    try:
        with pytest.raises(
            ImageError, match=r"too large: 100000x100000 is 10000\.0 megapixels.*50\.0 megapixels"
        ):
            inspect_image(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_inspect_checks_a_big_png_in_small_memory() -> None:
    # 4000 x 4000 RGB (16 MP, allowed) inflates to 48 MB, from a ~50 KB file: checked piece by piece.
    compressor = zlib.compressobj()
    row = bytes(1 + 3 * 4000)
    image_data = b"".join(compressor.compress(row) for _ in range(4000)) + compressor.flush()
    data = _png(4000, 4000, image_data)
    tracemalloc.start()
    try:
        assert inspect_image(data) == ImageInfo("png", 4000, 4000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


@pytest.mark.parametrize(("width", "height"), [(8000, 8000), (60000, 60000)])
def test_inspect_refuses_huge_images_in_other_formats(width: int, height: int) -> None:
    data = bytearray(_pillow(Image.new("P", (10, 10)), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)  # the GIF screen size, read before any pixel
    with pytest.raises(ImageError, match=r"too large: .*megapixels, at most 50\.0 megapixels"):
        inspect_image(bytes(data))


# --- base64 ---------------------------------------------------------------------------------------------

_PNG = encode_image(16, 16, "png", 1)


@pytest.mark.parametrize(
    "text",
    [
        base64.b64encode(_PNG).decode(),
        "data:image/png;base64," + base64.b64encode(_PNG).decode(),
        "DATA:image/png;charset=binary;BASE64," + base64.b64encode(_PNG).decode(),
        "data:;base64," + base64.b64encode(_PNG).decode(),
        base64.encodebytes(_PNG).decode(),  # wrapped at 76 characters
        base64.urlsafe_b64encode(_PNG).decode().rstrip("="),
        "  \n" + base64.b64encode(_PNG).decode() + "\n",
    ],
)
def test_base64_and_data_urls_decode(text: str) -> None:
    assert decode_base64_image(text) == _PNG


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"empty"),
        ("   \n", r"empty"),
        ("not base64!", r"not valid base64: character '!' at position 10"),
        ("QUJD*", r"not valid base64: character '\*'"),
        ("QUJDR", r"not valid base64: its length is impossible"),
        ("QQ==QQ==", r"not valid base64"),
        ("====", r"empty"),
        ("data:text/plain;base64,aGVsbG8=", r"data URL holds 'text/plain', not an image"),
        ("data:image/png,%89PNG", r"not base64-encoded"),
        ("data:image/png;base64", r"no comma"),
        ("data:image/png;base64,???", r"data URL's data is not valid base64"),
        ("https://example.com/cat.png", r"image URLs are not fetched"),
    ],
)
def test_bad_base64_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ImageError, match=message):
        decode_base64_image(text)


def test_base64_of_garbage_decodes_but_is_not_an_image() -> None:
    data = decode_base64_image(base64.b64encode(b"\x00\x01garbage, definitely not pixels").decode())
    with pytest.raises(ImageError, match=r"is not an image"):
        inspect_image(data)


_ROWS = zlib.compress(b"".join(b"\x00" + bytes(12) for _ in range(4)))  # 4 rows of 4 RGB pixels
_SIG = b"\x89PNG\r\n\x1a\n"


def _ihdr(width: int = 4, height: int = 4, depth: int = 8, color: int = 2, *methods: int) -> bytes:
    return _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, *(methods or (0, 0, 0))))


def _bad_crc(chunk: bytes) -> bytes:
    return chunk[:-4] + bytes(b ^ 0xFF for b in chunk[-4:])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_SIG + _ihdr()[:10], "it is truncated: 18 bytes end inside the IHDR header chunk"),
        (
            _SIG + _chunk(b"IDAT", bytes(13)),
            "the first chunk is b'IDAT' of 13 bytes, not the 13-byte IHDR header",
        ),
        (_SIG + _bad_crc(_ihdr()), "the IHDR header chunk fails its CRC check (corrupt data)"),
        (_SIG + _ihdr(0, 4), "its size 0x4 is invalid"),
        (_SIG + _ihdr(4, 4, 16, 3), "bit depth 16 with colour type 3 is not a valid combination"),
        (_SIG + _ihdr(4, 4, 8, 2, 0, 0, 2), "unknown compression/filter/interlace method 0/0/2"),
        (_SIG + _ihdr(), "it is truncated: the data ends after the IHDR chunk, before the IEND chunk"),
        (
            _SIG + _ihdr() + b"\x00\x00\x00\x00ID4T" + bytes(4),
            "it has a chunk with an invalid type b'ID4T' at byte 33",
        ),
        (
            _SIG
            + _ihdr()
            + _chunk(b"IDAT", _ROWS[:5])
            + _chunk(b"tEXt", b"a\x00b")
            + _chunk(b"IDAT", _ROWS[5:]),
            "its IDAT image-data chunks are not consecutive",
        ),
        (
            _SIG + _ihdr(4, 4, 8, 3) + _chunk(b"IDAT", _ROWS) + _chunk(b"IEND", b""),
            "it has a colour palette type but no PLTE chunk before the image data",
        ),
        (_SIG + _ihdr() + _chunk(b"IEND", b""), "it has no IDAT image-data chunk"),
    ],
)
def test_inspect_names_what_is_wrong_with_a_png_header_or_its_chunks(data: bytes, message: str) -> None:
    with pytest.raises(ImageError) as refused:
        inspect_image(data)
    assert str(refused.value) == f"the PNG image is unusable: {message}"


def test_inspect_accepts_the_well_formed_png_the_faults_above_are_made_from() -> None:
    assert inspect_image(_SIG + _ihdr() + _chunk(b"IDAT", _ROWS) + _chunk(b"IEND", b"")) == ImageInfo(
        "png", 4, 4
    )
    palette = _chunk(b"PLTE", bytes(3))
    rows = zlib.compress(b"".join(b"\x00" + bytes(4) for _ in range(4)))
    indexed = _SIG + _ihdr(4, 4, 8, 3) + palette + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")
    assert inspect_image(indexed) == ImageInfo("png", 4, 4)


def test_the_png_encoder_refuses_rows_of_the_wrong_size_or_count() -> None:
    from mockserver.media.png import encode_png

    with pytest.raises(ValueError, match=r"^row 1 has 11 bytes, expected 12$"):
        encode_png(4, 2, [bytes(12), bytes(11)])
    with pytest.raises(ValueError, match=r"^got 1 rows, expected 2$"):
        encode_png(4, 2, [bytes(12)])
