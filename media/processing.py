"""Turn uploaded bytes into safe renditions: decode with Pillow, orient, strip, re-encode.

The type is what Pillow reads from the bytes (JPEG, PNG, WebP, GIF), never the name or the
client's content type. Before anything is decoded the declared size and frame count are
checked, so a small file that declares 50,000 x 50,000 pixels or 10,000 frames is refused at
the cost of reading its header. Every rendition is a new image encoded from pixels only: no
EXIF (GPS), no XMP, no ICC profile, no comments, and no byte of the upload survives, so a
polyglot file is never served as it came.

Animated GIFs stay animated GIFs (re-encoded frame by frame, at most MAX_FRAMES): a silent
looping video would need ffmpeg in every image; the frame and pixel budgets below keep a GIF's
cost bounded. Animated WebP and PNG keep their first frame.
"""

import io
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# Declared pixels above this are refused before decoding (a 48 MP phone photo passes).
MAX_PIXELS = 50_000_000
# Pillow's own guard, the second line: it refuses twice this outright while decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
MAX_FRAMES = 300
# Frames x pixels of an animation: its decoding cost.
MAX_ANIMATION_PIXELS = 60_000_000
ORIGINAL_SIDE = 4096
PREVIEW_SIDE = 600
THUMB_SIDE = 160
AVATAR_SIDE = 400
HEADER_SIZE = (1500, 500)
JPEG_QUALITY = 85
WEBP_QUALITY = 80
BLURHASH_COMPONENTS = (4, 3)
BLURHASH_SIDE = 32

UNSUPPORTED = "Upload a JPEG, PNG, WebP or GIF image."
TOO_BIG = "Images are at most 10 MB."
TOO_MANY_PIXELS = f"Images are at most {MAX_PIXELS // 1_000_000} megapixels."
TOO_MANY_FRAMES = f"Animated GIFs are at most {MAX_FRAMES} frames of at most 60 megapixels."
CORRUPT = "This image is damaged or incomplete."
EMPTY = "The file is empty."

# A truncated file is an error, never half an image.
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message says why, for the person."""


@dataclass(frozen=True)
class Rendition:
    data: bytes
    extension: str  # ".jpg", ".png", ".webp", ".gif": the encoded format
    width: int
    height: int


@dataclass(frozen=True)
class Processed:
    kind: str  # "image" or "gif"
    original: Rendition
    preview: Rendition
    thumb: Rendition
    blurhash: str


def _open(data: bytes) -> Image.Image:
    if not data:
        raise ImageRejected(EMPTY)
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageRejected(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRejected(UNSUPPORTED) from None
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected(CORRUPT)
    if width * height > MAX_PIXELS:
        raise ImageRejected(TOO_MANY_PIXELS)
    return image


def _gif_frames(image: Image.Image) -> int:
    """Count a GIF's frames, stopping past MAX_FRAMES (seeking reads, never decodes, ahead)."""
    frames = 1
    try:
        while frames <= MAX_FRAMES:
            image.seek(frames)
            frames += 1
    except EOFError:
        pass
    image.seek(0)
    return frames


def _fit(image: Image.Image, side: int) -> Image.Image:
    """Return `image` shrunk so its long side is at most `side` (itself when it fits)."""
    if max(image.size) <= side:
        return image
    width, height = image.size
    scale = side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _normalise(image: Image.Image) -> Image.Image:
    """Return pixels only, in RGB or RGBA: no palette tricks, CMYK, 16-bit or info."""
    mode = "RGBA" if _has_alpha(image) else "RGB"
    clean = image if image.mode == mode else image.convert(mode)
    clean.info = {}
    return clean


def _encode(image: Image.Image, *, lossless_alpha: bool = False, large: bool = False) -> Rendition:
    """Encode a still: JPEG when opaque, else PNG (`lossless_alpha`) or WebP.

    A `large` JPEG is baseline without Huffman optimisation: progressive or optimised, libjpeg
    keeps every coefficient of the image in memory (about 70 MB more for 12 megapixels).
    """
    out = io.BytesIO()
    image.info = {}
    if image.mode == "RGBA":
        if lossless_alpha:
            image.save(out, "PNG", compress_level=6)
            extension = ".png"
        else:
            image.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
            extension = ".webp"
    else:
        options = {} if large else {"optimize": True, "progressive": True}
        image.save(out, "JPEG", quality=JPEG_QUALITY, **options)
        extension = ".jpg"
    return Rendition(out.getvalue(), extension, *image.size)


def _blurhash(thumb: Image.Image) -> str:
    small = thumb.convert("RGB")
    small.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE), Image.Resampling.BILINEAR)
    width, height = small.size
    data = small.tobytes()
    rows = [
        [data[3 * (y * width + x) : 3 * (y * width + x) + 3] for x in range(width)]
        for y in range(height)
    ]
    return blurhash.encode(rows, *BLURHASH_COMPONENTS)


def _oriented(image: Image.Image) -> bool:
    """Tell whether the EXIF orientation asks for a turn (otherwise no copy is made)."""
    return image.getexif().get(0x0112, 1) not in (1, None)


def _decode_still(image: Image.Image) -> Image.Image:
    if image.format == "JPEG":
        # libjpeg decodes at 1/2 (1/4, 1/8) scale when that still covers the capped size:
        # a 9,000 x 5,000 photo is decoded at 4,500 x 2,500, never at 45 megapixels.
        width, height = image.size
        scale = min(1.0, ORIGINAL_SIDE / max(width, height))
        image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    try:
        image.load()
        oriented = ImageOps.exif_transpose(image) if _oriented(image) else image
    except Image.DecompressionBombError:
        raise ImageRejected(TOO_MANY_PIXELS) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageRejected(CORRUPT) from None
    return _normalise(oriented)


def _process_still(image: Image.Image) -> Processed:
    pixels = _decode_still(image)
    original = _fit(pixels, ORIGINAL_SIDE)
    preview = _fit(original, PREVIEW_SIDE)
    thumb = _fit(preview, THUMB_SIDE)
    return Processed(
        kind="image",
        original=_encode(original, lossless_alpha=True, large=True),
        preview=_encode(preview),
        thumb=_encode(thumb),
        blurhash=_blurhash(thumb),
    )


def _animation(image: Image.Image, side: int) -> Rendition:
    frames, durations = [], []
    try:
        for frame in ImageSequence.Iterator(image):
            still = _normalise(frame.convert("RGBA"))
            frames.append(_fit(still, side) if max(still.size) > side else still)
            durations.append(frame.info.get("duration", 100))
    except (OSError, ValueError, SyntaxError, EOFError):
        raise ImageRejected(CORRUPT) from None
    out = io.BytesIO()
    frames[0].save(
        out,
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        disposal=2,
        optimize=False,
    )
    return Rendition(out.getvalue(), ".gif", *frames[0].size)


def _process_gif(image: Image.Image) -> Processed:
    width, height = image.size
    frames = _gif_frames(image)
    if frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS:
        raise ImageRejected(TOO_MANY_FRAMES)
    if frames == 1:
        return _process_still(image)
    original = _animation(image, ORIGINAL_SIDE)
    image.seek(0)
    preview = _animation(image, PREVIEW_SIDE)
    image.seek(0)
    first = _normalise(image.convert("RGBA"))
    thumb = _fit(first, THUMB_SIDE)
    return Processed(
        kind="gif",
        original=original,
        preview=preview,
        thumb=_encode(thumb),
        blurhash=_blurhash(thumb),
    )


def image_process(data: bytes) -> Processed:
    """Return the renditions of the image in `data`, or raise ImageRejected with the reason."""
    image = _open(data)
    with image:
        if image.format == "GIF":
            return _process_gif(image)
        return _process_still(image)


def _crop(data: bytes, size: tuple[int, int]) -> Rendition:
    image = _open(data)
    with image:
        pixels = _decode_still(image)
    cropped = ImageOps.fit(pixels, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    return _encode(cropped)


def avatar_render(data: bytes) -> Rendition:
    """Return a square avatar cut from the middle of the image in `data`."""
    return _crop(data, (AVATAR_SIDE, AVATAR_SIDE))


def header_render(data: bytes) -> Rendition:
    """Return a 3:1 header cut from the middle of the image in `data`."""
    return _crop(data, HEADER_SIZE)
