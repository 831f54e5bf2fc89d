"""Benchmark prepare_image with default limits on two typical inputs (numbers only, nothing asserted).

1. A 3840×2160 screenshot-like PNG: flat UI panels, anti-aliased text, gradients.
2. A 12 MP (4000×3000) photo-like JPEG: gradients plus coarse and fine noise.

Prints the median wall time of several runs and the bytes before/after.
Run: .venv/bin/python bench/bench_media.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFont

from grokterm.media import human_size, prepare_image


def screenshot_like(width: int = 3840, height: int = 2160) -> Image.Image:
    image = Image.new("RGB", (width, height), (30, 31, 36))
    draw = ImageDraw.Draw(image)
    sidebar = Image.linear_gradient("L").resize((width // 5, height), Image.BILINEAR)
    image.paste(Image.merge("RGB", (sidebar, sidebar.point(lambda v: v // 2), sidebar.point(lambda v: 80))), (0, 0))
    draw.rectangle((width // 5, 0, width, 90), fill=(45, 47, 56))
    try:
        font = ImageFont.load_default(size=28)
    except TypeError:  # Pillow < 10.1: bitmap default font only
        font = ImageFont.load_default()
    rnd = random.Random(1)
    words = ["def", "prepare", "image", "limits", "return", "encoded", "width", "height", "screenshot", "model",
             "reply", "token", "cost"]
    for row in range(60):
        y = 120 + row * 33
        x = width // 5 + 40 + rnd.randint(0, 3) * 40
        line = " ".join(rnd.choice(words) for _ in range(rnd.randint(3, 12)))
        colour = rnd.choice([(220, 220, 220), (152, 195, 121), (97, 175, 239), (229, 192, 123)])
        draw.text((x, y), line, fill=colour, font=font)
    for i in range(6):  # buttons and a chart
        draw.rounded_rectangle((60, 200 + i * 120, width // 5 - 60, 280 + i * 120), radius=16, fill=(70, 90, 160))
    chart = Image.radial_gradient("L").resize((700, 500), Image.BILINEAR)
    image.paste(Image.merge("RGB", (chart, chart.point(lambda v: 255 - v), chart)), (width - 800, height - 600))
    return image


def photo_like(width: int = 4000, height: int = 3000, seed: int = 0) -> Image.Image:
    rnd = random.Random(seed)
    small = (width // 16 + 1, height // 16 + 1)
    coarse = Image.frombytes("L", small, rnd.randbytes(small[0] * small[1])).resize((width, height), Image.BILINEAR)
    fine = Image.frombytes("L", (width, height), rnd.randbytes(width * height))
    linear = Image.linear_gradient("L").resize((width, height), Image.BILINEAR)
    radial = Image.radial_gradient("L").resize((width, height), Image.BILINEAR)
    return Image.merge("RGB", (Image.blend(linear, fine, 0.12), coarse, Image.blend(radial, fine, 0.08)))


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def measure(label: str, data: bytes, name: str, runs: int) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        prepared = prepare_image(data, name=name)
        _ = prepared.data_url  # include base64 encoding: that is what gets sent
        times.append(time.perf_counter() - started)
    print(
        f"{label:<34} median {statistics.median(times) * 1000:7.1f} ms  (min {min(times) * 1000:.1f}, runs {runs})\n"
        f"{'':<34} {prepared.chip_text()}  data URL {human_size(len(prepared.data_url))}"
        + (f"  notes: {'; '.join(prepared.notes)}" if prepared.notes else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"Pillow {Image.__version__}, Python {sys.version.split()[0]}, default ImageLimits")
    measure("3840×2160 screenshot-like PNG", encoded(screenshot_like(), "PNG"), "screenshot.png", runs)
    measure("4000×3000 (12 MP) photo-like JPEG", encoded(photo_like(), "JPEG", quality=92), "photo.jpg", runs)


if __name__ == "__main__":
    main()
