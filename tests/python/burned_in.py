"""Generated burned-in PHI: images with text rendered at known places, in every photometric
interpretation and codec GDCM can write, and the measure of how much of that text a cleaned output
still shows.

Deterministic (fixed seeds, fonts from Debian's fonts-dejavu-core and fonts-freefont-ttf, Pillow's
own bitmap font), so recall figures are comparable between runs. Used by test_pixels.py and by
bench/pixel_cost.py.
"""
import os
import random
import subprocess

import numpy as np
import pydicom
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

FONT_FILES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
    "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf",
]
SIZES = [8, 10, 12, 16, 22, 30]
PHRASES = [
    "QUIXOTE^ZEBULON", "DOB 12/04/1961", "MRN 88123456", "Acc# A-55120034", "St. Elsewhere Hospital",
    "Referring: Dr. Hypatia Moss", "SSN 078-05-1120", "Exam: CT ABDOMEN W/CONTRAST", "1961-04-12 14:32",
    "DLP 512.3 mGy*cm", "Phone (555) 867-5309", "Ward 7B bed 12",
]
# (text, background) grey levels on a 0..255 scale: bright on dark, dark on bright, mid contrasts.
GREY_PAIRS = [(255, 0), (0, 255), (230, 40), (40, 200), (180, 110), (120, 80)]
COLOUR_PAIRS = [((255, 255, 255), (0, 0, 0)), ((255, 40, 40), (20, 20, 120)), ((250, 240, 60), (90, 90, 90)),
                ((40, 220, 40), (0, 0, 0)), ((10, 10, 10), (235, 230, 220)), ((200, 60, 200), (60, 200, 60))]

SC = "1.2.840.10008.5.1.4.1.1.7"
MF_BYTE, MF_WORD, MF_COLOUR = "1.2.840.10008.5.1.4.1.1.7.2", "1.2.840.10008.5.1.4.1.1.7.3", "1.2.840.10008.5.1.4.1.1.7.4"
US = "1.2.840.10008.5.1.4.1.1.6.1"

CODECS = {  # name -> (gdcmconv arguments, lossy)
    "native": ([], False),
    "rle": (["--rle"], False),
    "jpeg_lossless": (["--jpeg"], False),
    "jpegls": (["--jpegls"], False),
    "j2k": (["--j2k"], False),
    "jpeg_lossy": (["--jpeg", "--lossy", "-q", "90"], True),
    "j2k_lossy": (["--j2k", "--lossy", "-q", "45"], True),
}


def fonts():
    out = [ImageFont.truetype(f, s) for f in FONT_FILES if os.path.exists(f) for s in SIZES]
    out.append(ImageFont.load_default())  # Pillow's bitmap font: tiny, hinted, no anti-aliasing
    return out


def layout_lines(rng, width, height, font_list, n):
    """Text lines that do not overlap: (phrase, font, x, y)."""
    lines, used, y = [], [], 4
    attempts = 0
    while len(lines) < n and attempts < 400:
        attempts += 1
        font = rng.choice(font_list)
        phrase = rng.choice(PHRASES)
        box = font.getbbox(phrase)
        w, h = box[2] - box[0], box[3] - box[1]
        if w >= width - 8 or y + h + 8 >= height:
            if y + h + 8 >= height:
                break
            continue
        x = rng.randint(4, width - w - 4)
        lines.append((phrase, font, x, y - box[1]))
        used.append((x, y, w, h))
        y += h + rng.randint(6, 14)
    return lines


def render_frame(rng, width, height, colour, pair, background, font_list, n_lines):
    """One frame as float RGB (or grey) plus one ink mask per line (coverage >= 50%)."""
    fg, bg = pair
    chans = 3 if colour else 1
    img = np.zeros((height, width, chans), dtype=np.float64)
    base = np.array(bg if colour else [bg], dtype=np.float64)
    img[:] = base
    if background == "gradient":
        ramp = np.linspace(-25, 25, width)[None, :, None]
        img = np.clip(img + ramp, 0, 255)
    elif background == "noise":
        img = np.clip(img + np.random.default_rng(rng.randint(0, 1 << 30)).normal(0, 3, img.shape), 0, 255)
    masks = []
    for phrase, font, x, y in layout_lines(rng, width, height, font_list, n_lines):
        layer = Image.new("L", (width, height), 0)
        ImageDraw.Draw(layer).text((x, y), phrase, fill=255, font=font)
        a = np.asarray(layer, dtype=np.float64)[:, :, None] / 255.0
        ink = np.array(fg if colour else [fg], dtype=np.float64)
        img = img * (1 - a) + ink * a
        masks.append(a[:, :, 0] >= 0.5)
    return img, [m for m in masks if m.any()]


def rgb_to_ybr_full(rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    return np.clip(np.stack([y, cb, cr], axis=-1).round(), 0, 255)


def base_dataset(sop_class, path):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid(entropy_srcs=[path])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = pydicom.uid.generate_uid(entropy_srcs=[path, "study"])
    ds.SeriesInstanceUID = pydicom.uid.generate_uid(entropy_srcs=[path, "series"])
    ds.PatientName = "QUIXOTE^ZEBULON"
    ds.PatientID = "88123456"
    ds.PatientBirthDate = "19610412"
    ds.StudyDate = "20240117"
    ds.Modality = "OT"
    ds.ConversionType = "WSD"
    return ds


class Case:
    """One generated instance: where its text is, and what a blanked pixel must read."""

    def __init__(self, name, path, masks, photometric):
        self.name, self.path, self.masks, self.photometric = name, path, masks, photometric


def make_cover(folder, name, *, photometric="MONOCHROME2", bits=8, frames=1, planar=0, codec="native",
               background="flat", width=256, height=256, lines=10, seed=0):
    """Writes a cover page (secondary capture) with text at known places; returns a Case."""
    rng = random.Random(f"{name}-{seed}")
    colour = photometric in ("RGB", "YBR_FULL", "YBR_FULL_422")
    font_list = fonts()
    frames_px, masks = [], []
    for f in range(frames):
        pair = rng.choice(COLOUR_PAIRS if colour else GREY_PAIRS)
        img, m = render_frame(rng, width, height, colour, pair, background, font_list, lines)
        frames_px.append(img)
        masks.append(m)
    path = os.path.join(folder, f"{name}.dcm")
    sop = SC if frames == 1 else (MF_COLOUR if colour else (MF_WORD if bits == 16 else MF_BYTE))
    ds = base_dataset(sop, path)
    arr = np.stack(frames_px)  # frames, rows, cols, chans
    if photometric == "MONOCHROME1":
        arr = 255 - arr
    if photometric in ("YBR_FULL", "YBR_FULL_422"):
        arr = rgb_to_ybr_full(arr)
    if photometric == "PALETTE COLOR":
        # Indices 0..255 through a palette whose darkest entry is index 255 (not 0): the cleaner must look it up.
        arr = 255 - arr
        ramp = np.arange(256, dtype=np.uint16)
        lut = ((255 - ramp) * 257).astype("<u2")
        ds.RedPaletteColorLookupTableDescriptor = [256, 0, 16]
        ds.GreenPaletteColorLookupTableDescriptor = [256, 0, 16]
        ds.BluePaletteColorLookupTableDescriptor = [256, 0, 16]
        ds.RedPaletteColorLookupTableData = lut.tobytes()
        ds.GreenPaletteColorLookupTableData = lut.tobytes()
        ds.BluePaletteColorLookupTableData = lut.tobytes()
    if bits == 16:
        arr = (arr * 16).round().astype("<u2")  # 12 bits stored
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    else:
        arr = arr.round().astype(np.uint8)
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.Rows, ds.Columns = height, width
    ds.SamplesPerPixel = 3 if colour else 1
    ds.PhotometricInterpretation = photometric
    ds.PixelRepresentation = 0
    if photometric == "YBR_FULL_422":
        # PS3.5 8.2.2: Y0 Y1 Cb Cr per pixel pair, chroma averaged over the pair.
        y = arr[..., 0].reshape(frames, height, width // 2, 2)
        cb = arr[..., 1].reshape(frames, height, width // 2, 2).mean(axis=-1).round().astype(arr.dtype)
        cr = arr[..., 2].reshape(frames, height, width // 2, 2).mean(axis=-1).round().astype(arr.dtype)
        ds.PlanarConfiguration = 0
        data = np.concatenate([y, cb[..., None], cr[..., None]], axis=-1)
    elif colour:
        ds.PlanarConfiguration = planar
        data = arr.transpose(0, 3, 1, 2) if planar == 1 else arr
    else:
        data = arr[..., 0]
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = np.ascontiguousarray(data).tobytes()
    ds.save_as(path, enforce_file_format=True)
    args, _ = CODECS[codec]
    if codec == "j2k_lossy" and bits == 16:
        args = ["--j2k", "--lossy", "-q", "70"]  # PSNR is over the 16-bit range: 45 dB leaves 12-bit text illegible
    if args:
        out = path + f".{codec}.dcm"
        subprocess.run(["gdcmconv", *args, path, out], check=True, capture_output=True)
        os.replace(out, path)
    return Case(name, path, masks, photometric)


def decoded_frames(path):
    """The pixel array of a file (decompressed by gdcmconv first), as frames x rows x cols x samples."""
    raw = path + ".raw.dcm"
    subprocess.run(["gdcmconv", "--raw", path, raw], check=True, capture_output=True)
    ds = pydicom.dcmread(raw)
    os.remove(raw)
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    arr = np.asarray(pydicom.pixels.pixel_array(ds, as_rgb=False))  # YBR stays YBR: compared as written
    if frames == 1:
        arr = arr[None]
    if arr.ndim == 3:
        arr = arr[..., None]
    return ds, arr


def blank_value(ds):
    """What a blanked pixel reads in the output's photometric interpretation."""
    pi = ds.PhotometricInterpretation
    bits = ds.BitsStored
    if pi == "MONOCHROME1":
        return np.array([(1 << bits) - 1])
    if pi.startswith("YBR"):
        return np.array([0, 1 << (bits - 1), 1 << (bits - 1)])
    if pi == "PALETTE COLOR":
        red = np.frombuffer(ds.RedPaletteColorLookupTableData, "<u2").astype(int)
        green = np.frombuffer(ds.GreenPaletteColorLookupTableData, "<u2").astype(int)
        blue = np.frombuffer(ds.BluePaletteColorLookupTableData, "<u2").astype(int)
        return np.array([int(np.argmin(red + green + blue)) + int(ds.RedPaletteColorLookupTableDescriptor[1])])
    return np.array([0] * int(ds.SamplesPerPixel))


def recall(case, output_path, coverage=0.99):
    """(boxes found, boxes): a line of text counts as found when >= 99% of its ink pixels are blank."""
    ds, arr = decoded_frames(output_path)
    blank = blank_value(ds)
    found = total = 0
    for f, masks in enumerate(case.masks):
        is_blank = np.all(arr[f] == blank[None, None, :], axis=-1)
        for m in masks:
            total += 1
            if is_blank[m].mean() >= coverage:
                found += 1
    return found, total


def render_lines(width, height, lines, fg=0, bg=255, font_file=FONT_FILES[0]):
    """A grey frame with `lines` [(text, x, y, size)] drawn at known places, and their ink masks."""
    img = np.full((height, width), float(bg))
    masks = []
    for text, x, y, size in lines:
        layer = Image.new("L", (width, height), 0)
        ImageDraw.Draw(layer).text((x, y), text, fill=255, font=ImageFont.truetype(font_file, size))
        a = np.asarray(layer, dtype=np.float64) / 255.0
        img = img * (1 - a) + fg * a
        masks.append(a >= 0.5)
    return img.round().astype(np.uint8), masks


# Acquisitions: pictures (speckle, vessels, tissue) with text burned in at known places, as
# ultrasound, angiography, endoscopy and CR screen captures carry it. Used by test_acquisitions.py.
XA = "1.2.840.10008.5.1.4.1.1.12.1"
US_MF = "1.2.840.10008.5.1.4.1.1.3.1"
ES = "1.2.840.10008.5.1.4.1.1.77.1.1"
CR = "1.2.840.10008.5.1.4.1.1.1"
ACQUISITION_TEXT = ["QUIXOTE ZEBULON", "ID 88123456", "12/04/1961", "ST ELSEWHERE"]


def picture(kind, rng, width, height):
    """A synthetic picture of `kind` as float RGB 0..255 (grey kinds have equal channels)."""
    nrng = np.random.default_rng(rng.randint(0, 1 << 30))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    if kind == "us":  # a speckled sector on black, as a B-mode fan
        cx, r = width / 2, np.hypot(xx - width / 2, yy + height * 0.1)
        fan = (np.abs(np.arctan2(xx - cx, yy + height * 0.1)) < 0.6) & (r > height * 0.15) & (r < height * 0.95)
        speckle = 45 * np.log1p(nrng.rayleigh(1.0, (height, width)) * (1.5 + np.sin(yy / 9)))  # log-compressed echo
        grey = np.where(fan, np.clip(speckle, 0, 235), 0)
        img = np.repeat(grey[..., None], 3, axis=-1)
    elif kind == "us_colour":  # the fan with a Doppler box in red and blue
        img = picture("us", rng, width, height)
        box = (slice(height // 3, height // 2), slice(width // 2 - 30, width // 2 + 30))
        flow = nrng.normal(0, 1, (height // 2 - height // 3, 60))
        img[box + (0,)] = np.where(flow > 0, 180 + 40 * flow.clip(0, 1), img[box + (0,)])
        img[box + (2,)] = np.where(flow < 0, 180 - 40 * flow.clip(-1, 0), img[box + (2,)])
    elif kind == "xa":  # grey background, dark vessels, a round collimator
        base = 150 + 40 * np.sin(xx / 60) * np.cos(yy / 45)
        for k in range(5):
            x0, slope, curve = rng.uniform(0, width), rng.uniform(-0.8, 0.8), rng.uniform(-0.004, 0.004)
            d = np.abs(xx - (x0 + slope * yy + curve * (yy - height / 2) ** 2))
            base -= 70 * np.exp(-(d / rng.uniform(1.5, 4)) ** 2)
        base += nrng.normal(0, 4, base.shape)
        base[np.hypot(xx - width / 2, yy - height / 2) > min(width, height) * 0.48] = 0
        img = np.repeat(np.clip(base, 0, 255)[..., None], 3, axis=-1)
    elif kind == "es":  # pink tissue with folds and a dark lumen
        fold = np.sin(xx / 13 + np.sin(yy / 17) * 2) * 25
        lumen = np.exp(-((xx - width * 0.55) ** 2 + (yy - height * 0.5) ** 2) / (2 * (width / 7) ** 2))
        r = 190 + fold - 150 * lumen + nrng.normal(0, 3, fold.shape)
        img = np.stack([r, r * 0.55, r * 0.5], axis=-1)
        img[np.hypot(xx - width / 2, yy - height / 2) > min(width, height) * 0.52] = 0
    else:  # "cr": a chest-like smooth field
        body = 120 + 80 * np.exp(-((xx - width / 2) / (width / 3)) ** 2) * np.exp(-((yy - height / 2) / (height / 2)) ** 2)
        img = np.repeat(np.clip(body + nrng.normal(0, 2, body.shape), 0, 255)[..., None], 3, axis=-1)
    return np.clip(img, 0, 255)


def burn_text(img, lines, colour=(255, 255, 255), font_file=FONT_FILES[0]):
    """Draws [(text, x, y, size)] on a float RGB picture; returns it and the ink mask of each line."""
    masks = []
    h, w = img.shape[:2]
    for text, x, y, size in lines:
        layer = Image.new("L", (w, h), 0)
        ImageDraw.Draw(layer).text((x, y), text, fill=255, font=ImageFont.truetype(font_file, size))
        a = np.asarray(layer, dtype=np.float64)[..., None] / 255.0
        img = img * (1 - a) + np.array(colour, dtype=np.float64) * a
        masks.append(a[..., 0] >= 0.5)
    return img, masks


class Acquisition:
    """A generated acquisition: per frame, the ink masks of the lines burned into it."""

    def __init__(self, name, path, masks, pictures):
        self.name, self.path, self.masks, self.pictures = name, path, masks, pictures


def make_acquisition(folder, name, kind, *, photometric="MONOCHROME2", frames=1, text_frames=None, burned=None,
                     regions=None, codec="native", width=320, height=240, seed=0, text=None):
    """Writes an acquisition (us, us_colour, xa, es, cr) with text at known places on `text_frames`
    (default: every frame). `regions` [(x0, y0, x1, y1)] become a Sequence of Ultrasound Regions."""
    rng = random.Random(f"{name}-{seed}")
    text_frames = range(frames) if text_frames is None else text_frames
    words = text or ACQUISITION_TEXT
    lines = [(words[0], 6, 4, 16), (words[1], 6, 24, 13), (words[2], width - 110, 4, 13), (words[3], width - 140, height - 22, 14)]
    pics, masks = [], []
    for f in range(frames):
        pic = picture(kind, rng, width, height)
        pics.append(pic)
        if f in text_frames:
            pic, m = burn_text(pic, lines, colour=(255, 255, 255) if kind != "es" else (250, 250, 120))
        else:
            m = []
        pics[-1] = pic
        masks.append(m)
    sop, modality = {"us": (US, "US"), "us_colour": (US, "US"), "xa": (XA, "XA"), "es": (ES, "ES"), "cr": (CR, "CR")}[kind]
    if kind.startswith("us") and frames > 1:
        sop = US_MF
    path = os.path.join(folder, f"{name}.dcm")
    ds = base_dataset(sop, path)
    ds.Modality = modality
    del ds.ConversionType
    ds.ImageType = ["DERIVED", "SECONDARY"] if kind == "cr" else ["ORIGINAL", "PRIMARY"]
    if burned is not None:
        ds.BurnedInAnnotation = burned
    arr = np.stack(pics).round().astype(np.uint8)  # frames, rows, cols, 3
    if photometric == "PALETTE COLOR":  # grey picture through a palette whose entry i is grey i
        lut = (np.arange(256, dtype=np.uint16) * 257).astype("<u2")
        ds.RedPaletteColorLookupTableDescriptor = ds.GreenPaletteColorLookupTableDescriptor = ds.BluePaletteColorLookupTableDescriptor = [256, 0, 16]
        ds.RedPaletteColorLookupTableData = ds.GreenPaletteColorLookupTableData = ds.BluePaletteColorLookupTableData = lut.tobytes()
    if photometric in ("RGB",):
        ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
        data = arr
    else:
        ds.SamplesPerPixel = 1
        data = arr[..., 0]
    ds.PhotometricInterpretation = photometric
    ds.Rows, ds.Columns = height, width
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if frames > 1:
        ds.NumberOfFrames = frames
        ds.FrameIncrementPointer = (0x0018, 0x1063)
        ds.FrameTime = 33.3
    if regions:
        items = []
        for x0, y0, x1, y1 in regions:
            r = pydicom.Dataset()
            r.RegionLocationMinX0, r.RegionLocationMinY0, r.RegionLocationMaxX1, r.RegionLocationMaxY1 = x0, y0, x1, y1
            items.append(r)
        ds.SequenceOfUltrasoundRegions = items
    ds.PixelData = np.ascontiguousarray(data).tobytes()
    ds.save_as(path, enforce_file_format=True)
    args, _ = CODECS[codec]
    if args:
        out = path + f".{codec}.dcm"
        subprocess.run(["gdcmconv", *args, path, out], check=True, capture_output=True)
        os.replace(out, path)
    return Acquisition(name, path, masks, data)


def dilate(mask, by):
    """A boolean mask grown by `by` pixels in every direction (a square neighbourhood)."""
    out = mask.copy()
    h, w = mask.shape
    for dy in range(-by, by + 1):
        for dx in range(-by, by + 1):
            src = mask[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
            out[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)] |= src
    return out


def glyph_contrast(frame, mask, ring=3):
    """How far the glyph pixels of one line stand out from the pixels just around them: the
    largest difference, over samples, of their mean values (0 when the line is blanked whole)."""
    around = dilate(mask, ring) & ~mask
    f = frame.reshape(frame.shape[0], frame.shape[1], -1).astype(np.float64)
    return max(abs(f[..., c][mask].mean() - f[..., c][around].mean()) for c in range(f.shape[-1]))
