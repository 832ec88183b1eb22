"""Draw the system backgrounds that ship with videotwin (src/videotwin/assets/backgrounds/).

Made here, from nothing but numbers, so their licence is ours (Apache-2.0): soft studio gradients,
out-of-focus "bokeh" lights and a window-light wall, 1920 x 1080, the kind of calm, low-detail
backdrop a presenter is put in front of. Deterministic: running it again gives the same files.

    .venv/bin/python scripts/make_backgrounds.py
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

OUT = Path(__file__).resolve().parents[1] / "src" / "videotwin" / "assets" / "backgrounds"
WIDTH, HEIGHT = 1920, 1080
JPEG_QUALITY = 90


def gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    t = np.linspace(0.0, 1.0, HEIGHT)[:, None, None]
    img = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return np.repeat(img, WIDTH, axis=1)


def vignette(img: np.ndarray, strength: float) -> np.ndarray:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    r = np.sqrt(((x - WIDTH / 2) / (WIDTH / 2)) ** 2 + ((y - HEIGHT / 2) / (HEIGHT / 2)) ** 2)
    return img * (1 - strength * np.clip(r - 0.4, 0, None) ** 1.5)[..., None]


def spotlight(img: np.ndarray, cx: float, cy: float, radius: float, gain: float) -> np.ndarray:
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    d = np.sqrt((x - cx * WIDTH) ** 2 + (y - cy * HEIGHT) ** 2) / (radius * WIDTH)
    return img * (1 + gain * np.exp(-d**2))[..., None]


def bokeh(img: np.ndarray, seed: int, colours: list[tuple[int, int, int]], count: int) -> np.ndarray:
    rng = np.random.RandomState(seed)
    layer = np.zeros_like(img)
    for _ in range(count):
        colour = np.array(colours[rng.randint(len(colours))], np.float32)
        centre = (int(rng.uniform(0, WIDTH)), int(rng.uniform(0, HEIGHT * 0.8)))
        radius = int(rng.uniform(30, 110))
        disc = np.zeros_like(img)
        cv2.circle(disc, centre, radius, (colour * rng.uniform(0.25, 0.6)).tolist(), -1, cv2.LINE_AA)
        layer = np.maximum(layer, disc)
    layer = cv2.GaussianBlur(layer, (0, 0), 14)
    return img + layer


def window_wall(img: np.ndarray) -> np.ndarray:
    """Slanted bars of window light on a plain wall."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    u = (x + 0.6 * y) / WIDTH
    bars = ((np.floor(u * 7) % 2) == 0) & (u > 0.55) & (u < 1.45)
    light = cv2.GaussianBlur(bars.astype(np.float32), (0, 0), 25)
    return img * (1 + 0.22 * light)[..., None]


def grain(img: np.ndarray, seed: int) -> np.ndarray:
    """A little noise, so gradients do not band after video compression."""
    rng = np.random.RandomState(seed)
    return img + rng.normal(0, 1.6, img.shape).astype(np.float32)


DESIGNS = {
    "studio-grey": lambda: vignette(spotlight(gradient((92, 96, 102), (48, 50, 56)), 0.5, 0.35, 0.45, 0.35), 0.6),
    "soft-blue": lambda: vignette(spotlight(gradient((70, 110, 160), (22, 40, 72)), 0.5, 0.3, 0.5, 0.3), 0.5),
    "warm-beige": lambda: window_wall(vignette(gradient((214, 196, 170), (160, 138, 112)), 0.4)),
    "evening-bokeh": lambda: vignette(bokeh(gradient((40, 34, 52), (18, 16, 24)), 3,
                                            [(255, 190, 110), (255, 140, 90), (240, 220, 170)], 32), 0.5),
    "office-bokeh": lambda: vignette(bokeh(gradient((150, 160, 166), (96, 104, 108)), 11,
                                           [(230, 240, 250), (200, 220, 235), (250, 240, 210)], 28), 0.35),
    "forest-green": lambda: vignette(spotlight(gradient((64, 102, 78), (20, 40, 30)), 0.45, 0.3, 0.5, 0.3), 0.5),
}
NAMES = {"studio-grey": "Studio grey", "soft-blue": "Soft blue", "warm-beige": "Warm wall with window light",
         "evening-bokeh": "Evening lights", "office-bokeh": "Bright office lights", "forest-green": "Forest green"}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, (slug, draw) in enumerate(DESIGNS.items()):
        img = np.clip(grain(draw(), i), 0, 255).astype(np.uint8)
        cv2.imwrite(str(OUT / f"{slug}.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        manifest.append({"slug": slug, "name": NAMES[slug], "width": WIDTH, "height": HEIGHT})
    (OUT / "backgrounds.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(manifest)} backgrounds in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
