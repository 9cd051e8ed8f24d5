"""How long media.processing takes for a 12-megapixel JPEG and a 5 MB PNG, and its peak memory.

    .venv/bin/python bench/media_processing.py --runs 30 [--json PATH]

Times `media.processing.image_process` (decode, orient, re-encode the original, the preview and
the thumbnail, blurhash) on generated photos: a 4,000 x 3,000 JPEG (quality 92) and a PNG of
about 5 MB, noise over gradients so the encoders work as on a photo rather than on flat
colour. Prints p50/p99 in ms per file, the blurhash step alone, and the peak resident memory
one upload adds, measured in a fresh subprocess per file (VmHWM after processing minus
VmHWM with the input file already read: Pillow's buffers are outside tracemalloc's sight).
No database is needed.
"""

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twitterclone.settings.local")

from PIL import Image


def photo(size: tuple[int, int]) -> Image.Image:
    """Return a photo-like image: smooth gradients with sensor-like noise."""
    gradient = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 60)
    return Image.merge(
        "RGB",
        (Image.blend(noise, gradient, 0.7), radial, Image.blend(noise, gradient, 0.4)),
    )


def jpeg_12mp() -> bytes:
    out = io.BytesIO()
    photo((4000, 3000)).save(out, "JPEG", quality=95)
    return out.getvalue()


def png_5mb() -> bytes:
    out = io.BytesIO()
    photo((1800, 1400)).save(out, "PNG", compress_level=6)
    return out.getvalue()


INPUTS = {"jpeg_12mp": jpeg_12mp, "png_5mb": png_5mb}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _peak_child(path: str) -> None:
    """In a subprocess: print the resident memory processing the file at `path` adds, in MiB."""
    import django

    django.setup()
    from media.processing import image_process

    data = Path(path).read_bytes()
    before = _high_water_kib()
    image_process(data)
    after = _high_water_kib()
    print(json.dumps({"before_mib": before / 1024, "added_mib": (after - before) / 1024}))


def _high_water_kib() -> int:
    """Return this process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--peak-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_child:
        _peak_child(args.peak_child)
        return

    import django

    django.setup()
    from media import processing

    results = {"cpus": os.cpu_count(), "load": os.getloadavg(), "runs": args.runs}
    for name, make in INPUTS.items():
        data = make()
        with Image.open(io.BytesIO(data)) as probe:
            size = probe.size
        processing.image_process(data)  # warm-up
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            processed = processing.image_process(data)
            timings.append((time.perf_counter() - started) * 1000)
        thumb = Image.open(io.BytesIO(processed.thumb.data))
        blur = []
        for _ in range(args.runs):
            started = time.perf_counter()
            processing._blurhash(thumb)
            blur.append((time.perf_counter() - started) * 1000)
        with tempfile.NamedTemporaryFile(suffix=".img") as handle:
            handle.write(data)
            handle.flush()
            child = subprocess.run(
                [sys.executable, __file__, "--peak-child", handle.name],
                capture_output=True,
                text=True,
                check=True,
            )
        peak = json.loads(child.stdout.strip().splitlines()[-1])
        results[name] = {
            "input_bytes": len(data),
            "input_size": size,
            "p50_ms": statistics.median(timings),
            "p99_ms": percentile(timings, 0.99),
            "max_ms": max(timings),
            "blurhash_p50_ms": statistics.median(blur),
            "peak_rss_added_mib": round(peak["added_mib"], 1),
            "output_bytes": {
                "original": len(processed.original.data),
                "preview": len(processed.preview.data),
                "thumb": len(processed.thumb.data),
            },
        }
        row = results[name]
        print(
            f"{name:10} {len(data) / 1e6:5.1f} MB {size[0]}x{size[1]}: "
            f"p50 {row['p50_ms']:.0f} ms, p99 {row['p99_ms']:.0f} ms, "
            f"blurhash {row['blurhash_p50_ms']:.1f} ms, peak +{row['peak_rss_added_mib']} MiB RSS"
        )
    # The refusals: a 2.5 G-pixel PNG of a few hundred KB and a GIF of 10,000 frames.
    from media.tests.images import animated_gif, declared_bomb

    for name, data in (
        ("bomb_50000px", declared_bomb()),
        ("gif_10000_frames", animated_gif(10_000)),
    ):
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with contextlib.suppress(processing.ImageRejected):
                processing.image_process(data)
            timings.append((time.perf_counter() - started) * 1000)
        results[name] = {"input_bytes": len(data), "p50_ms": statistics.median(timings)}
        print(
            f"{name:16} {len(data) / 1e3:6.0f} KB refused: p50 {statistics.median(timings):.1f} ms"
        )
    print(f"cpus {results['cpus']}, load {results['load']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
