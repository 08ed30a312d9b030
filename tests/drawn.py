"""Pictures drawn at test time with Pillow (never taken from MNIST): digits in fonts, shapes.

Fonts are matplotlib's bundled DejaVu TTFs (matplotlib is a dependency), so every machine
that runs the tests has them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# serif upright and italic (STIX) and a sans serif (Computer Modern Sans), all bundled with
# matplotlib. The DejaVu faces draw 6 and 9 with curled stems and 1 with a flag and a foot,
# shapes MNIST's writers rarely make: a mnist-cnn reads only 75-83 % of those (6 -> 5,
# 9 -> 8, 1 -> 2); cmss10 80-95 %, STIX 95-100 % (measured with 8k-60k-sample models).
FONTS = ("STIXGeneral.ttf", "STIXGeneralItalic.ttf", "cmss10.ttf")
STROKES = ("thin", "bold")
VARIANTS = ("dark-on-white", "light-on-dark", "transparent", "off-centre")


def font_path(name: str) -> Path:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    assert path.is_file(), f"matplotlib's bundled font {path} is missing"
    return path


def draw_digit(digit: int, font: str, stroke: str, variant: str, seed: int = 0):
    """One digit as a PIL image: 280 x 280 (800 x 600 for "off-centre").

    ``stroke`` widens the glyph's outline by 1/60 ("thin") or 1/22 ("bold") of the font size
    (at MNIST's 20-pixel box these are pen strokes of about 2 and 4 pixels).
    """
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(seed)
    size = 200
    f = ImageFont.truetype(str(font_path(font)), size)
    width = size // 60 if stroke == "thin" else size // 22
    if variant == "off-centre":
        canvas, mode, paper, ink = (800, 600), "RGB", (255, 255, 255), (20, 20, 20)
    elif variant == "light-on-dark":
        canvas, mode, paper, ink = (280, 280), "RGB", (10, 10, 40), (240, 240, 200)
    elif variant == "transparent":
        canvas, mode, paper, ink = (280, 280), "RGBA", (0, 0, 0, 0), (0, 0, 0, 255)
    else:
        canvas, mode, paper, ink = (280, 280), "RGB", (255, 255, 255), (0, 0, 0)
    img = Image.new(mode, canvas, paper)
    d = ImageDraw.Draw(img)
    text = str(digit)
    l, t, r, b = d.textbbox((0, 0), text, font=f, stroke_width=width)
    if variant == "off-centre":  # somewhere off the middle of the large canvas
        x = int(rng.integers(40, canvas[0] - (r - l) - 40))
        y = int(rng.integers(30, canvas[1] - (b - t) - 30))
        x = x if abs(x - (canvas[0] - (r - l)) / 2) > 60 else 60
    else:
        x, y = (canvas[0] - (r - l)) // 2, (canvas[1] - (b - t)) // 2
    d.text((x - l, y - t), text, font=f, fill=ink, stroke_width=width, stroke_fill=ink)
    return img


def digit_set(folder: Path) -> list[tuple[Path, int, str]]:
    """Write every (font, stroke, variant, digit) picture as PNG: ``[(path, digit, variant)]``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for font in FONTS:
        for stroke in STROKES:
            for variant in VARIANTS:
                for digit in range(10):
                    path = folder / f"{variant}_{font[:-4]}_{stroke}_{digit}.png"
                    draw_digit(digit, font, stroke, variant, seed=digit).save(path)
                    out.append((path, digit, variant))
    return out


def draw_shape(kind: str, size: int, rng: np.random.Generator):
    """A filled circle or square of random size, place and colour on a random light paper."""
    from PIL import Image, ImageDraw

    paper = tuple(int(v) for v in rng.integers(180, 256, 3))
    img = Image.new("RGB", (size, size), paper)
    d = ImageDraw.Draw(img)
    r = rng.uniform(0.18, 0.32) * size
    cx, cy = rng.uniform(r + 2, size - r - 2, 2)
    colour = tuple(int(v) for v in rng.integers(0, 140, 3))
    box = (cx - r, cy - r, cx + r, cy + r)
    (d.ellipse if kind == "circle" else d.rectangle)(box, fill=colour)
    return img


def shape_folder(root: Path, per_class: int, seed: int, size: int = 48) -> Path:
    """``root/circle/*.png`` and ``root/square/*.png``: a two-class picture folder."""
    rng = np.random.default_rng(seed)
    for kind in ("circle", "square"):
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            draw_shape(kind, size, rng).save(root / kind / f"{kind}{i:03d}.png")
    return root
