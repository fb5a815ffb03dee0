"""Product pictures drawn for the demo catalogue: patterns in the spirit of African textiles.

Drawn with Pillow, so they belong to the media pipeline; no picture is downloaded.
"""
from __future__ import annotations

import random

from PIL import Image, ImageDraw

PALETTES = [
    [(196, 82, 36), (244, 196, 48), (34, 94, 52), (24, 24, 24)],  # kente
    [(94, 60, 38), (214, 178, 130), (245, 235, 214), (56, 36, 24)],  # bogolan
    [(20, 80, 140), (240, 160, 40), (200, 40, 60), (250, 240, 220)],  # wax print
    [(120, 70, 30), (176, 120, 60), (230, 200, 150), (70, 40, 20)],  # coffee and cocoa
    [(60, 120, 60), (150, 190, 90), (240, 230, 180), (30, 70, 40)],  # tea and leaves
    [(160, 30, 60), (230, 120, 140), (250, 220, 210), (90, 20, 40)],  # hibiscus
    [(230, 170, 40), (250, 220, 120), (140, 90, 20), (255, 248, 220)],  # honey and shea
    [(30, 110, 130), (110, 190, 190), (240, 230, 200), (20, 60, 80)],  # coast and safari
]


def draw_product_artwork(seed: int, palette_index: int, size: int = 480) -> Image.Image:
    """A square picture, the same for the same seed: a patterned cloth with a framed medallion."""
    rng = random.Random(seed)
    colors = PALETTES[palette_index % len(PALETTES)][:]
    rng.shuffle(colors)
    image = Image.new("RGB", (size, size), colors[0])
    draw = ImageDraw.Draw(image)
    pattern = rng.randrange(4)
    step = rng.choice((24, 32, 40, 48))
    if pattern == 0:  # woven stripes
        for x in range(0, size, step):
            draw.rectangle([x, 0, x + step // 2, size], fill=colors[1 + (x // step) % 3])
        for y in range(0, size, step * 2):
            draw.rectangle([0, y, size, y + step // 3], fill=colors[3])
    elif pattern == 1:  # mud-cloth triangles and dots
        for y in range(0, size, step):
            for x in range(0, size, step):
                if (x // step + y // step) % 2:
                    draw.polygon([(x, y + step), (x + step // 2, y), (x + step, y + step)], fill=colors[1])
                else:
                    r = step // 6
                    draw.ellipse([x + step // 2 - r, y + step // 2 - r, x + step // 2 + r, y + step // 2 + r],
                                 fill=colors[2])
    elif pattern == 2:  # basket rings
        for radius in range(size, 0, -step // 2):
            draw.ellipse([size // 2 - radius, size // 2 - radius, size // 2 + radius, size // 2 + radius],
                         outline=colors[1 + (radius // step) % 3], width=max(2, step // 5))
    else:  # wax-print waves
        for y in range(-step, size + step, step):
            points = [(x, y + (step // 3 if (x // step) % 2 else -step // 3)) for x in range(0, size + step, step)]
            draw.line(points, fill=colors[1 + (y // step) % 3], width=max(3, step // 3))
    inset = size // 4
    draw.ellipse([inset, inset, size - inset, size - inset], fill=colors[3], outline=colors[1], width=size // 40)
    inner = inset + size // 12
    shape = rng.randrange(3)
    if shape == 0:
        draw.ellipse([inner, inner, size - inner, size - inner], fill=colors[2])
    elif shape == 1:
        draw.rounded_rectangle([inner, inner + size // 16, size - inner, size - inner], radius=size // 20,
                               fill=colors[2])
    else:
        draw.polygon([(size // 2, inner), (size - inner, size - inner), (inner, size - inner)], fill=colors[2])
    return image


def draw_speaker_portrait(seed: int, size: int = 480) -> Image.Image:
    """A square illustrated portrait for a demo speaker, the same for the same seed: a head-and-shoulders
    silhouette in cloth colours over a woven background."""
    rng = random.Random(seed)
    colors = PALETTES[seed % len(PALETTES)][:]
    rng.shuffle(colors)
    image = Image.new("RGB", (size, size), colors[3])
    draw = ImageDraw.Draw(image)
    step = size // 8
    for x in range(0, size, step):
        draw.rectangle([x, 0, x + step // 3, size], fill=colors[2])
    skin = rng.choice([(92, 56, 36), (120, 74, 46), (150, 98, 62), (70, 44, 30)])
    centre = size // 2
    draw.ellipse([centre - size // 3, size * 5 // 8, centre + size // 3, size * 3 // 2], fill=colors[0])
    head = size // 6
    draw.ellipse([centre - head, size * 3 // 8 - head, centre + head, size * 3 // 8 + head], fill=skin)
    if rng.randrange(2):  # a head wrap
        draw.pieslice([centre - head - size // 40, size * 3 // 8 - head * 3 // 2, centre + head + size // 40,
                       size * 3 // 8 + head // 2], 180, 360, fill=colors[1])
    return image
