"""Re-saves public sample photographs in every colour mode, with Pillow and (when it is installed)
ImageMagick, and hashes each file as python-threatexchange does (`pdq_from_file`, the HMA path).

Usage: resave.py OUT_DIR. The photographs are read from scikit-image's wheel (its `data`
directory; the package itself is not imported). Prints one JSON object per line:
{"photo", "tool", "mode", "path", "pdq", "quality"} (or "error" instead of the hash), then
{"imagemagick": "<version line>" or null}.
"""
import importlib.util
import json
import pathlib
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg"]


def data_dir():
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("scikit-image is not installed in this Python (pip install --no-deps scikit-image)")
    return pathlib.Path(spec.submodule_search_locations[0]) / "data"


def imagemagick():
    """The real ImageMagick `convert` (or `magick`), and its version line; None without one."""
    for candidate in [shutil.which("magick"), shutil.which("convert"), "/usr/bin/convert"]:
        if not candidate:
            continue
        try:
            out = subprocess.run([candidate, "-version"], capture_output=True, text=True, timeout=30).stdout
        except OSError:
            continue
        first = out.splitlines()[0] if out else ""
        if first.startswith("Version: ImageMagick"):
            return candidate, first
    return None, None


def pillow_resaves(im):
    """(mode, file name, how to write it) for every colour mode Pillow writes."""
    grey = im.convert("L")
    scaled16 = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    assert scaled16.mode == "I;16"
    adaptive = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    return [
        ("RGB", "rgb.png", lambda p: im.save(p)),
        ("P adaptive 256", "p256.png", lambda p: adaptive.save(p)),
        ("P adaptive 256", "p256.gif", lambda p: adaptive.save(p)),
        ("P adaptive 256", "p256.bmp", lambda p: adaptive.save(p)),
        ("P web, dithered", "pweb.gif", lambda p: im.convert("P").save(p)),
        ("L", "l.png", lambda p: grey.save(p)),
        ("LA", "la.png", lambda p: im.convert("LA").save(p)),
        ("1, dithered", "1.png", lambda p: im.convert("1").save(p)),
        ("1, dithered", "1.bmp", lambda p: im.convert("1").save(p)),
        # Pillow's own conversion keeps the 8-bit values: to the eye, nearly black.
        ("I;16 from L, unscaled", "i16.png", lambda p: grey.convert("I;16").save(p)),
        ("I;16, scaled to 16 bits", "i16-scaled.png", lambda p: scaled16.save(p)),
        ("RGBA", "rgba.png", lambda p: im.convert("RGBA").save(p)),
        ("CMYK", "cmyk.jpg", lambda p: im.convert("CMYK").save(p, quality=90)),
        ("RGB", "rgb.jpg", lambda p: im.save(p, quality=90)),
        ("L", "l.jpg", lambda p: grey.save(p, quality=90)),
        ("RGB", "rgb.webp", lambda p: im.save(p, quality=80)),
        ("RGB", "rgb.tiff", lambda p: im.save(p)),
    ]


IMAGEMAGICK_RESAVES = [
    ("P 256 colours", "p256.png", ["-colors", "256"], "PNG8:"),
    ("P 256 colours", "p256.gif", ["-colors", "256"], ""),
    ("P 256 colours", "p256.bmp", ["-colors", "256", "-type", "Palette"], "BMP3:"),
    ("grey", "grey.png", ["-colorspace", "Gray"], ""),
    ("grey, 16-bit", "grey16.png", ["-colorspace", "Gray", "-depth", "16"], ""),
    ("grey + alpha", "greya.png", ["-colorspace", "Gray", "-alpha", "on"], "PNG:"),
    ("bilevel, dithered", "mono.png", ["-monochrome"], ""),
    ("RGB, 16-bit", "rgb16.png", ["-depth", "16"], "PNG48:"),
    ("RGBA", "rgba.png", ["-alpha", "on"], "PNG32:"),
    ("CMYK", "cmyk.jpg", ["-colorspace", "CMYK", "-quality", "90"], ""),
    ("RGB", "rgb.jpg", ["-quality", "90"], ""),
]


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    magick, version = imagemagick()
    files = []
    for name in PHOTOS:
        photo = pathlib.Path(name).stem
        im = Image.open(data_dir() / name).convert("RGB")
        original = out / f"{photo}-original.png"
        im.save(original)
        files.append((photo, "original", "RGB", original))
        for mode, suffix, write in pillow_resaves(im):
            path = out / f"{photo}-pillow-{suffix}"
            write(path)
            files.append((photo, "pillow", mode, path))
        if magick:
            for mode, suffix, options, prefix in IMAGEMAGICK_RESAVES:
                path = out / f"{photo}-imagemagick-{suffix}"
                subprocess.run([magick, str(original), *options, f"{prefix}{path}"], check=True, timeout=120)
                files.append((photo, "imagemagick", mode, path))
    for photo, tool, mode, path in files:
        line = {"photo": photo, "tool": tool, "mode": mode, "path": str(path)}
        try:
            pdq, quality = pdq_from_file(path)
            line.update(pdq=pdq, quality=int(quality))
        except Exception as e:  # noqa: BLE001 - the error is the answer
            line["error"] = f"{type(e).__name__}: {e}"
        print(json.dumps(line))
    print(json.dumps({"imagemagick": version}))


main()
