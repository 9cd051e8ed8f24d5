"""Image files for the tests, made with Pillow on the fly: good ones, hostile ones."""

import functools
import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageDraw

GPS_LATITUDE = (52.0, 31.0, 12.0)


def gps_exif(*, orientation: int | None = None) -> Image.Exif:
    """Return EXIF with a GPS position (and an orientation, if given)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    return exif


def picture(size=(800, 600), mode="RGB") -> Image.Image:
    """Return a drawing with some structure (so encoders and blurhash have work to do)."""
    image = Image.new(mode, size, (30, 90, 160) if mode == "RGB" else (30, 90, 160, 255))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(240, 200, 40))
    draw.rectangle((0, 0, width // 3, height // 5), fill=(200, 40, 60))
    return image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(size=(800, 600), **options) -> bytes:
    return encoded(picture(size), "JPEG", **options)


def png(size=(800, 600), **options) -> bytes:
    return encoded(picture(size), "PNG", **options)


@functools.cache
def animated_gif(frames: int, size=(40, 20)) -> bytes:
    """Return a GIF of `frames` frames (alternating, so none is merged into the previous)."""
    first = Image.new("P", size, 1)
    images = [Image.new("P", size, 1 + i % 2) for i in range(1, frames)]
    for image in (first, *images):
        image.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
    return encoded(first, "GIF", save_all=True, append_images=images, duration=50, loop=0)


@functools.cache
def declared_bomb(side: int = 50_000) -> bytes:
    """Return a valid 1-bit PNG of side x side black pixels: a few hundred KB, 2.5 G pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    compressor = zlib.compressobj(9)
    row = bytes(1 + (side + 7) // 8)  # filter byte 0, then the row's bits
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)
