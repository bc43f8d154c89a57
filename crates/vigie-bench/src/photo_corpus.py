"""Makes a corpus of camera-like JPEGs from the public sample photographs that ship in
scikit-image's wheel (its `data` directory), for `vigie-bench photos` and `vigie-bench upload`.

Usage: photo_corpus.py OUT_DIR COUNT WIDTH HEIGHT SEED

Each file is a random crop of one of the colour photographs (a third of them portrait), resized
to WIDTHxHEIGHT (or HEIGHTxWIDTH) with Lanczos, possibly mirrored, with its exposure, contrast
and saturation nudged, then given a sensor's noise (luma noise of 1.5 to 4 levels and coarser
chroma noise), as a camera's JPEG has it: the sample photographs are smaller than a camera's, and
upscaling alone would leave them smoother (so faster to decode) than real photographs. They are
written as cameras and phones write them: baseline, standard Huffman tables, 4:2:0 chroma
subsampling (4:2:2 for a fifth, as many cameras do), quality 85 to 95, an EXIF block, and restart
markers in a third. Prints one JSON line with the files' count and their mean bits per pixel.
"""
import importlib.util
import json
import pathlib
import random
import sys

import numpy as np
from PIL import Image, ImageEnhance

SOURCES = [
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "hubble_deep_field.jpg",
    "ihc.png",
    "motorcycle_left.png",
    "motorcycle_right.png",
    "retina.jpg",
    "rocket.jpg",
]


def data_dir():
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("scikit-image is not installed in this Python (pip install scikit-image)")
    return pathlib.Path(spec.submodule_search_locations[0]) / "data"


def camera_like(src, width, height, rng, np_rng):
    portrait = rng.random() < 1 / 3
    w, h = (height, width) if portrait else (width, height)
    sw, sh = src.size
    # The largest crop with the target's aspect, then 70 to 100 % of it, anywhere.
    scale = min(sw / w, sh / h) * rng.uniform(0.7, 1.0)
    cw, ch = int(w * scale), int(h * scale)
    x, y = rng.randint(0, sw - cw), rng.randint(0, sh - ch)
    im = src.crop((x, y, x + cw, y + ch)).resize((w, h), Image.Resampling.LANCZOS)
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    im = ImageEnhance.Brightness(im).enhance(rng.uniform(0.85, 1.15))
    im = ImageEnhance.Contrast(im).enhance(rng.uniform(0.9, 1.2))
    im = ImageEnhance.Color(im).enhance(rng.uniform(0.8, 1.25))
    arr = np.asarray(im).astype(np.float32)
    sigma = rng.uniform(1.5, 4.0)
    arr += np_rng.normal(0.0, sigma, (h, w, 1)).astype(np.float32)
    chroma = np_rng.normal(0.0, sigma * 0.6, (h // 2 + 1, w // 2 + 1, 3)).astype(np.float32)
    arr += chroma.repeat(2, axis=0).repeat(2, axis=1)[:h, :w]
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))


def main():
    out, count, width, height, seed = sys.argv[1], *map(int, sys.argv[2:6])
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sources = [Image.open(data_dir() / name).convert("RGB") for name in SOURCES]
    total_bits = total_pixels = 0
    for i in range(count):
        rng = random.Random(seed * 1_000_003 + i)
        np_rng = np.random.default_rng(seed * 1_000_003 + i)
        im = camera_like(sources[i % len(sources)], width, height, rng, np_rng)
        exif = Image.Exif()
        exif[0x010F] = "Vigie"  # Make
        exif[0x0110] = "Sample camera"  # Model
        exif[0x0112] = 1  # Orientation
        options = {
            "quality": rng.choice([85, 90, 90, 92, 95]),
            "subsampling": "4:2:2" if rng.random() < 0.2 else "4:2:0",
            "exif": exif.tobytes(),
        }
        if rng.random() < 1 / 3:
            options["restart_marker_rows"] = 1
        path = out / f"photo-{i:04d}.jpg"
        im.save(path, "JPEG", **options)
        total_bits += path.stat().st_size * 8
        total_pixels += im.size[0] * im.size[1]
    print(json.dumps({"count": count, "bits_per_pixel": total_bits / max(total_pixels, 1)}))


main()
