"""prepare_image over images generated here with Pillow (no binary fixtures): each case states its outcome."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageOps, PngImagePlugin

from grokterm.media import ImageError, ImageLimits, PreparedImage, prepare_image, thumbnail

# ---------------------------------------------------------------- image builders


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo_like(width: int, height: int, seed: int = 0) -> Image.Image:
    """Gradients plus coarse and fine noise: thousands of colours, compresses like a photo."""
    rnd = random.Random(seed)
    small = (width // 16 + 1, height // 16 + 1)
    coarse = Image.frombytes("L", small, rnd.randbytes(small[0] * small[1])).resize((width, height), Image.BILINEAR)
    fine = Image.frombytes("L", (width, height), rnd.randbytes(width * height))
    linear = Image.linear_gradient("L").resize((width, height), Image.BILINEAR)
    radial = Image.radial_gradient("L").resize((width, height), Image.BILINEAR)
    return Image.merge("RGB", (Image.blend(linear, fine, 0.12), coarse, Image.blend(radial, fine, 0.08)))


def line_art(width: int, height: int) -> Image.Image:
    """A diagram: flat fill, boxes and lines in a handful of colours, no anti-aliasing."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i in range(5):
        draw.rectangle((20 + i * 60, 20, 60 + i * 60, 80), outline="black", fill=("#3366cc", "#dc3912")[i % 2])
        draw.line((0, 100 + i * 10, width, 100 + i * 10), fill="#109618", width=2)
    return image


def bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit all-black PNG of any size, built row-block by row-block (a few KB, no big allocation)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    compressor = zlib.compressobj(9)
    block = (b"\x00" * (1 + (width + 7) // 8)) * 1000
    idat = b"".join(compressor.compress(block) for _ in range(height // 1000))
    idat += compressor.compress(block[: (height % 1000) * (1 + (width + 7) // 8)]) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_with_orientation(orientation: int) -> bytes:
    """300×200 stored pixels, red block in the stored top-left corner."""
    image = Image.new("RGB", (300, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 60, 60))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"  # Make: must not survive either
    return encode(image, "JPEG", quality=95, exif=exif.tobytes())


def animated_gif() -> bytes:
    frames = [Image.new("P", (64, 48), colour) for colour in (10, 120, 200)]
    for frame in frames:
        frame.putpalette([v for i in range(256) for v in (i, 255 - i, 0)])
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def sixteen_bit_png() -> bytes:
    """Left half 40000, right half 65535 in a 16-bit grey PNG (naive conversion would clip both to 255)."""
    image = Image.new("I", (64, 32), 40000)
    image.paste(65535, (32, 0, 64, 32))
    data = encode(image.convert("I;16"), "PNG")
    assert data[24] == 16  # IHDR bit depth: really a 16-bit file
    return data


def palette_with_transparency() -> bytes:
    image = Image.new("P", (40, 40), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (10, 10, 30, 30))
    return encode(image, "PNG", transparency=0)


def rgba_with_alpha() -> bytes:
    image = photo_like(200, 100).convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize((200, 100)))
    return encode(image, "PNG")


def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location")
    return encode(line_art(320, 160), "PNG", pnginfo=info, icc_profile=_srgb_icc())


def _srgb_icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def damaged_png() -> bytes:
    data = bytearray(encode(photo_like(120, 80), "PNG"))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # garbles the deflate stream inside IDAT
    return bytes(data)


HEIC_HEADER = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(200)

# ---------------------------------------------------------------- cases


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path | bytes]  # returns what to pass to prepare_image
    error: str | None = None  # substring of str(ImageError)
    mime: str | None = None
    size: tuple[int, int] | None = None
    original_size: tuple[int, int] | None = None
    original_format: str | None = None
    notes: list[str] = field(default_factory=list)  # each must appear in some note
    no_notes: bool = False
    check: Callable[[PreparedImage, Image.Image], None] | None = None
    limits: ImageLimits = field(default_factory=ImageLimits)


def file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return build


def check_oriented(result: PreparedImage, decoded: Image.Image) -> None:
    # Orientation 6 = rotate 90° clockwise to display: the stored top-left red block ends up top-right.
    rgb = decoded.convert("RGB")
    red, green, blue = rgb.getpixel((result.width - 15, 15))
    assert red > 200 and blue < 60, (red, green, blue)
    assert rgb.getpixel((15, 15))[2] > 200  # top-left is blue now
    assert decoded.getexif() == {}  # orientation (and Make) gone


def check_sixteen_bit(result: PreparedImage, decoded: Image.Image) -> None:
    left, right = decoded.convert("L").getpixel((5, 5)), decoded.convert("L").getpixel((60, 5))
    assert abs(left - 155) <= 1 and right == 255, (left, right)


def check_cmyk_red(result: PreparedImage, decoded: Image.Image) -> None:
    red, green, blue = decoded.getpixel((10, 10))
    assert red > 220 and green < 40 and blue < 40, (red, green, blue)


def check_first_gif_frame(result: PreparedImage, decoded: Image.Image) -> None:
    assert decoded.convert("RGB").getpixel((5, 5)) == (10, 245, 0)  # palette entry 10 of frame 0


def check_transparent(result: PreparedImage, decoded: Image.Image) -> None:
    assert decoded.mode == "RGBA"
    assert decoded.getpixel((0, 0))[3] == 0 and decoded.getpixel((20, 20)) == (255, 0, 0, 255)


def check_real_alpha(result: PreparedImage, decoded: Image.Image) -> None:
    assert decoded.mode == "RGBA" and decoded.getchannel("A").getextrema()[0] < 10


def check_no_metadata(result: PreparedImage, decoded: Image.Image) -> None:
    assert "icc_profile" not in decoded.info and "Comment" not in decoded.info
    assert b"secret" not in result.encoded


CASES = [
    # -- refused, with one clear line
    Case("zero-bytes", file("empty.png", b""), error="empty.png is empty (0 bytes)"),
    Case("corrupt-bytes", file("noise.jpg", bytes(range(256)) * 8), error="noise.jpg is not an image grokterm can read"),
    Case("text-named-png", file("notes.png", b"# shopping list\n- milk\n- eggs\n"), error="notes.png is not an image (it contains text)"),
    Case("svg-named-png", file("logo.png", b'<?xml version="1.0"?>\n<svg width="10"></svg>\n'), error="SVG"),
    Case("truncated-png", file("cut.png", lambda: truncated(encode(photo_like(200, 150), "PNG"))), error="cut.png is truncated or damaged"),
    Case("png-signature-only", file("stub.png", b"\x89PNG\r\n\x1a\n\x00\x00"), error="stub.png starts like a PNG file but is truncated or damaged"),
    Case("damaged-png-data", file("garbled.png", damaged_png), error="garbled.png is truncated or damaged"),
    Case("truncated-jpeg", file("cut.jpg", lambda: truncated(encode(photo_like(200, 150), "JPEG"))), error="cut.jpg is truncated or damaged"),
    Case("heic-without-plugin", file("IMG_0001.HEIC", HEIC_HEADER), error="pillow-heif"),
    Case("bomb-20000x20000", file("huge.png", lambda: bomb_png(20000, 20000)), error="huge.png is 400 MP, above the 179 MP decompression-bomb limit"),
    Case("over-pixel-guard-png", file("big.png", lambda: bomb_png(10000, 10000)), error="big.png is 10000×10000 (100 MP), above the 89 MP"),
    Case(
        "over-input-bytes",
        file("large.png", lambda: encode(photo_like(100, 100), "PNG")),
        limits=ImageLimits(max_input_bytes=4096),
        error="above the 4.0 KB limit for attachments",
    ),
    Case("folder", lambda tmp: tmp, error="is a folder, not an image file"),
    # -- accepted as is or converted
    Case("rgba-real-alpha", file("cutout.png", rgba_with_alpha), mime="image/png", size=(200, 100), no_notes=True, check=check_real_alpha),
    Case("rgba-opaque-photo", file("photo.png", lambda: encode(photo_like(400, 300).convert("RGBA"), "PNG")), mime="image/jpeg", size=(400, 300)),
    Case("line-art-png", file("diagram.png", lambda: encode(line_art(320, 160), "PNG")), mime="image/png", size=(320, 160), no_notes=True),
    Case("metadata-stripped", file("meta.png", png_with_metadata), mime="image/png", check=check_no_metadata),
    Case("palette-transparency", file("icon.png", palette_with_transparency), mime="image/png", check=check_transparent),
    Case("la-mode", file("grey-alpha.png", lambda: encode(Image.new("LA", (30, 20), (128, 100)), "PNG")), mime="image/png"),
    Case("one-bit", file("scan.png", lambda: encode(Image.new("1", (64, 64), 1), "PNG")), mime="image/png", size=(64, 64)),
    Case("grey-photo", file("grey.png", lambda: encode(photo_like(300, 200).convert("L"), "PNG")), mime="image/jpeg"),
    Case("16-bit-png", file("depth.png", sixteen_bit_png), mime="image/png", size=(64, 32), notes=["16-bit"], check=check_sixteen_bit),
    Case(
        "cmyk-jpeg",
        file("print.jpg", lambda: encode(Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG")),
        mime="image/jpeg", original_format="JPEG", notes=["CMYK"], check=check_cmyk_red,
    ),
    Case(
        "exif-orientation-6",
        file("portrait.jpg", lambda: jpeg_with_orientation(6)),
        mime="image/jpeg", size=(200, 300), original_size=(200, 300), notes=["EXIF orientation applied"], check=check_oriented,
    ),
    Case(
        "animated-gif",
        file("anim.gif", animated_gif),
        mime="image/png", size=(64, 48), original_format="GIF",
        notes=["animated GIF: first frame only", "converted from GIF"], check=check_first_gif_frame,
    ),
    Case("webp", file("pic.webp", lambda: encode(photo_like(300, 200), "WEBP")), mime="image/jpeg", original_format="WEBP", notes=["converted from WebP"]),
    Case("bmp", file("pic.bmp", lambda: encode(photo_like(300, 200), "BMP")), mime="image/jpeg", original_format="BMP", notes=["converted from BMP"]),
    Case("tiff", file("pic.tif", lambda: encode(photo_like(300, 200), "TIFF")), mime="image/jpeg", original_format="TIFF", notes=["converted from TIFF"]),
    Case(
        "huge-photo-downscaled",
        file("DSC_0001.jpg", lambda: encode(photo_like(6000, 4000), "JPEG", quality=90)),
        mime="image/jpeg", size=(2048, 1365), original_size=(6000, 4000), notes=["downscaled from 6000×4000"],
    ),
    Case(
        "max-long-side-configurable",
        file("wide.png", lambda: encode(line_art(1000, 200), "PNG")),
        limits=ImageLimits(max_long_side=500), mime="image/png", size=(500, 100), notes=["downscaled from 1000×200"],
    ),
    Case(
        "big-jpeg-drafted-under-pixel-guard",  # 12 MP > 1 MP guard, but draft decodes it at 1/4 scale
        file("tall.jpg", lambda: encode(photo_like(4000, 3000), "JPEG")),
        limits=ImageLimits(max_pixels=1_000_000, max_long_side=1000), mime="image/jpeg", size=(1000, 750),
    ),
    Case(
        "big-png-over-pixel-guard",  # same guard, no draft for PNG: refused
        file("tall.png", lambda: bomb_png(4000, 3000)),
        limits=ImageLimits(max_pixels=1_000_000, max_long_side=1000), error="tall.png is 4000×3000 (12 MP), above the 1 MP",
    ),
    Case(
        "bytes-source-with-name",
        lambda tmp: encode(line_art(100, 80), "PNG"),
        mime="image/png", size=(100, 80), original_format="PNG",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_prepare_image(case: Case, tmp_path: Path) -> None:
    source = case.build(tmp_path)
    if case.error is not None:
        with pytest.raises(ImageError) as caught:
            prepare_image(source, limits=case.limits)
        message = str(caught.value)
        assert case.error in message
        assert "\n" not in message
        return
    result = prepare_image(source, limits=case.limits, name="given.png" if isinstance(source, bytes) else None)
    decoded = assert_round_trip(result)
    assert result.mime == case.mime
    if case.size:
        assert (result.width, result.height) == case.size
    if case.original_size:
        assert (result.original_width, result.original_height) == case.original_size
    if case.original_format:
        assert result.original_format == case.original_format
    for expected in case.notes:
        assert any(expected in note for note in result.notes), result.notes
    if case.no_notes:
        assert result.notes == []
    assert max(result.width, result.height) <= case.limits.max_long_side
    assert result.original_bytes == (len(source) if isinstance(source, bytes) else source.stat().st_size)
    assert result.original_name == ("given.png" if isinstance(source, bytes) else source.name)
    if case.check:
        case.check(result, decoded)


def assert_round_trip(result: PreparedImage) -> Image.Image:
    """The data URL decodes back to exactly `encoded`, which decodes to the stated format and size."""
    prefix, payload = result.data_url.split(",", 1)
    assert prefix == f"data:{result.mime};base64"
    raw = base64.b64decode(payload, validate=True)
    assert raw == result.encoded and result.encoded_bytes == len(raw)
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    decoded = Image.open(io.BytesIO(raw))
    decoded.load()
    assert decoded.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[result.mime]
    assert decoded.size == (result.width, result.height)
    assert decoded.mode in ("RGB", "RGBA")
    assert decoded.getexif() == {}
    assert len(result.data_url) <= ImageLimits().max_data_url_bytes
    return decoded


# ---------------------------------------------------------------- vanishing and forbidden files


def test_file_deleted_before_prepare(tmp_path: Path) -> None:
    path = tmp_path / "shot.png"
    path.write_bytes(encode(line_art(50, 50), "PNG"))
    path.unlink()
    with pytest.raises(ImageError, match=r"^shot\.png no longer exists \(moved or deleted\?\)\.$"):
        prepare_image(path)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads anything; POSIX permissions")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "private.png"
    path.write_bytes(encode(line_art(50, 50), "PNG"))
    path.chmod(0)
    with pytest.raises(ImageError, match=r"Permission denied reading private\.png"):
        prepare_image(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match=r"pipe\.png is not a regular file"):
        prepare_image(fifo)


# ---------------------------------------------------------------- byte budget


def test_jpeg_quality_lowered_then_scaled_to_fit_budget() -> None:
    source = encode(photo_like(1600, 1200, seed=3), "PNG")
    limits = ImageLimits(max_encoded_bytes=150 * 1024)
    result = prepare_image(source, limits=limits)
    assert result.mime == "image/jpeg"
    assert result.encoded_bytes <= 150 * 1024
    assert any("JPEG quality lowered to 60" in note for note in result.notes), result.notes
    assert any(note.startswith("scaled down to") for note in result.notes), result.notes
    assert_round_trip(result)


def test_transparent_png_scaled_down_to_fit_budget() -> None:
    rnd = random.Random(7)
    noisy = Image.frombytes("RGBA", (800, 800), rnd.randbytes(800 * 800 * 4))  # incompressible, real alpha
    limits = ImageLimits(max_encoded_bytes=300 * 1024)
    result = prepare_image(encode(noisy, "PNG"), limits=limits)
    assert result.mime == "image/png" and result.encoded_bytes <= 300 * 1024
    assert result.width < 800 and result.width == result.height
    assert any("to stay under 300 KB" in note for note in result.notes)


def test_budget_accounts_for_base64_growth() -> None:
    limits = ImageLimits(max_encoded_bytes=10 * 1024 * 1024, max_data_url_bytes=200 * 1024)
    assert limits.encoded_budget() < 200 * 1024 * 3 // 4 + 1
    result = prepare_image(encode(photo_like(1200, 900, seed=5), "PNG"), limits=limits)
    assert len(result.data_url) <= 200 * 1024


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError):
        ImageLimits(jpeg_quality=0)
    with pytest.raises(ValueError):
        ImageLimits(max_long_side=4)


def test_detail_is_kept_and_validated() -> None:
    source = encode(line_art(40, 40), "PNG")
    assert prepare_image(source, detail="high").detail == "high"
    with pytest.raises(ValueError):
        prepare_image(source, detail="ultra")  # type: ignore[arg-type]


# ---------------------------------------------------------------- chip text and thumbnails


def test_chip_text_summarises_before_and_after(tmp_path: Path) -> None:
    path = tmp_path / "shot.jpg"
    path.write_bytes(encode(photo_like(3840, 2160), "JPEG", quality=95))
    result = prepare_image(path)
    size_mb = path.stat().st_size / (1024 * 1024)
    assert size_mb > 1  # so the "MB" branch of the formatting is the one exercised
    kb = round(result.encoded_bytes / 1024)
    assert result.chip_text() == f"shot.jpg 3840×2160 {size_mb:.1f} MB → 2048×1152 JPEG {kb} KB"


def test_human_size_units() -> None:
    from grokterm.media import human_size

    assert [human_size(n) for n in (0, 1023, 3482, 421_888, 2_202_010)] == ["0 B", "1023 B", "3.4 KB", "412 KB", "2.1 MB"]


def test_thumbnail_is_small_upright_and_detached(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    path.write_bytes(jpeg_with_orientation(6))
    thumb = thumbnail(path, 64)
    assert thumb.size == (43, 64)  # 200×300 upright, fitted in 64×64
    path.unlink()
    assert thumb.getpixel((0, 0))  # pixels still available: nothing refers to the deleted file
    prepared = prepare_image(encode(line_art(400, 200), "PNG"))
    assert thumbnail(prepared, (100, 100)).size == (100, 50)
    with pytest.raises(ImageError, match="not an image"):
        thumbnail(b"plain text, not pixels", 32)


def test_exif_transpose_matches_pillow() -> None:
    """Our orientation handling agrees with Pillow's reference for all eight EXIF orientations."""
    for orientation in range(1, 9):
        data = jpeg_with_orientation(orientation)
        expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        result = prepare_image(data)
        assert (result.width, result.height) == expected.size, orientation
