//! Bytes to the pixel array PDQ hashes, following the conventions of python-threatexchange's
//! `pdq_from_file` (Pillow's decoding, then pytx's array handling), so hashes match HMA's:
//!
//! | file | Pillow mode | what is hashed |
//! |---|---|---|
//! | grey 8-bit | `L` | the grey values, stacked to three channels |
//! | grey 1-bit PNG | `1` | 0 and 1 (not 0 and 255) |
//! | grey 2/4-bit PNG | `L` | scaled to 0..255 |
//! | grey 16-bit PNG | `I;16` | converted to RGB: values above 255 clip to 255 |
//! | grey + alpha | `LA` | converted to RGB: the grey values |
//! | RGB, RGBA (8 or 16-bit) | `RGB`, `RGBA` | the first three channels (16-bit: the high byte) |
//! | palette PNG, GIF | `P` | the palette **indices**, not their colours |
//!
//! [`Palette::TrueColour`] hashes palette images on their colours instead (not compatible).
//! Known differences from Pillow, by construction of the decoders: palette BMPs are expanded to
//! their colours, CMYK JPEGs are converted to RGB rather than hashed on C, M and Y, and JPEG
//! pixels come from zune-jpeg, not libjpeg-turbo (a few levels apart on some pixels).
//!
//! Hostile input: the byte length and the pixel count are checked before any pixel buffer is
//! allocated; truncated and corrupt files are errors, never panics.

use std::io::Cursor;

use image::{ImageDecoder, ImageFormat};

/// How much a single image may cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Largest accepted width × height.
    pub max_pixels: u64,
}

impl Default for Limits {
    /// 50 MiB and 64 megapixels: a 48-megapixel phone photo (8000×6000) passes; decoding one at
    /// the limit takes about 0.7 GB, which the server's decoding budget must hold.
    fn default() -> Self {
        Self { max_bytes: 50 << 20, max_pixels: 64_000_000 }
    }
}

/// What to hash for palette images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Palette {
    /// The palette indices, as python-threatexchange and HMA do (the compatible default).
    #[default]
    Indices,
    /// The colours the indices stand for.
    TrueColour,
}

/// A decoded image as PDQ sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pixels {
    pub width: usize,
    pub height: usize,
    /// 1 (one value per pixel, used for all three channels), 3 or 4 (only the first three count).
    pub channels: usize,
    /// Row-major, `channels` values per pixel.
    pub data: Vec<u8>,
    pub format: Format,
}

/// The file formats Vigie decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Bmp,
    Tiff,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Gif => "gif",
            Format::Webp => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
        }
    }
}

/// Why an image could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is {bytes} bytes, more than the limit of {max}")]
    TooManyBytes { bytes: usize, max: usize },
    #[error("the image is {width}×{height} pixels, more than the limit of {max}")]
    TooManyPixels { width: u64, height: u64, max: u64 },
    #[error("not an image in a supported format (PNG, JPEG, GIF, WebP, BMP, TIFF)")]
    UnknownFormat,
    #[error("the {format} file is truncated or corrupt: {detail}")]
    Corrupt { format: &'static str, detail: String },
    #[error("the {format} file uses an unsupported pixel layout: {detail}")]
    Unsupported { format: &'static str, detail: String },
}

fn corrupt(format: Format, e: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt { format: format.as_str(), detail: e.to_string() }
}

fn check_pixels(width: u64, height: u64, limits: &Limits) -> Result<(), DecodeError> {
    if width.saturating_mul(height) > limits.max_pixels {
        return Err(DecodeError::TooManyPixels { width, height, max: limits.max_pixels });
    }
    Ok(())
}

/// Decodes the first frame of an image.
pub fn decode(bytes: &[u8], limits: &Limits, palette: Palette) -> Result<Pixels, DecodeError> {
    if bytes.len() > limits.max_bytes {
        return Err(DecodeError::TooManyBytes { bytes: bytes.len(), max: limits.max_bytes });
    }
    let format = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => Format::Png,
        Ok(ImageFormat::Jpeg) => Format::Jpeg,
        Ok(ImageFormat::Gif) => Format::Gif,
        Ok(ImageFormat::WebP) => Format::Webp,
        Ok(ImageFormat::Bmp) => Format::Bmp,
        Ok(ImageFormat::Tiff) => Format::Tiff,
        _ => return Err(DecodeError::UnknownFormat),
    };
    match format {
        Format::Png => decode_png(bytes, limits, palette),
        Format::Gif => decode_gif(bytes, limits, palette),
        _ => decode_generic(bytes, format, limits),
    }
}

/// Unpacks rows of `bits`-bit samples (1, 2 or 4) into one byte each, times `scale`.
fn unpack_bits(raw: &[u8], width: usize, height: usize, line: usize, bits: usize, scale: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(width * height);
    let per_byte = 8 / bits;
    let mask = (1u16 << bits) as u8 - 1;
    for row in raw.chunks(line).take(height) {
        for x in 0..width {
            let byte = row[x / per_byte];
            let shift = 8 - bits * (x % per_byte + 1);
            out.push(((byte >> shift) & mask) * scale);
        }
    }
    out
}

fn decode_png(bytes: &[u8], limits: &Limits, palette: Palette) -> Result<Pixels, DecodeError> {
    let f = Format::Png;
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let max_alloc = usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    decoder.set_limits(png::Limits { bytes: max_alloc });
    let header = decoder.read_header_info().map_err(|e| corrupt(f, e))?;
    check_pixels(u64::from(header.width), u64::from(header.height), limits)?;
    let mut reader = decoder.read_info().map_err(|e| corrupt(f, e))?;
    let size = reader.output_buffer_size().ok_or_else(|| corrupt(f, "the image is too large to decode"))?;
    let mut raw = vec![0u8; size];
    let frame = reader.next_frame(&mut raw).map_err(|e| corrupt(f, e))?;
    let (width, height, line) = (frame.width as usize, frame.height as usize, frame.line_size);
    let info = reader.info();
    use png::{BitDepth as D, ColorType as C};
    let (channels, data) = match (frame.color_type, frame.bit_depth) {
        (C::Grayscale, D::One) => (1, unpack_bits(&raw, width, height, line, 1, 1)),
        (C::Grayscale, D::Two) => (1, unpack_bits(&raw, width, height, line, 2, 0x55)),
        (C::Grayscale, D::Four) => (1, unpack_bits(&raw, width, height, line, 4, 0x11)),
        (C::Grayscale, D::Eight) => (1, rows(&raw, line, width, height)),
        // Pillow opens it as I;16; pytx converts that to RGB, which clips at 255.
        (C::Grayscale, D::Sixteen) => {
            (1, samples16(&raw, line, width, height, 1).into_iter().map(|v| v.min(255) as u8).collect())
        }
        // Grey + alpha becomes RGB in pytx: the grey value is what counts.
        (C::GrayscaleAlpha, D::Eight) => (1, rows(&raw, line, width * 2, height).chunks(2).map(|p| p[0]).collect()),
        (C::GrayscaleAlpha, D::Sixteen) => {
            (1, high_bytes(&raw, line, width * 2, height).chunks(2).map(|p| p[0]).collect())
        }
        (C::Rgb, D::Eight) => (3, rows(&raw, line, width * 3, height)),
        (C::Rgb, D::Sixteen) => (3, high_bytes(&raw, line, width * 3, height)),
        (C::Rgba, D::Eight) => (4, rows(&raw, line, width * 4, height)),
        (C::Rgba, D::Sixteen) => (4, high_bytes(&raw, line, width * 4, height)),
        (C::Indexed, depth) => {
            let bits = depth as usize;
            let indices = if bits == 8 {
                rows(&raw, line, width, height)
            } else {
                unpack_bits(&raw, width, height, line, bits, 1)
            };
            match palette {
                Palette::Indices => (1, indices),
                Palette::TrueColour => {
                    let pal =
                        info.palette.as_deref().ok_or_else(|| corrupt(f, "an indexed image without a palette"))?;
                    (3, expand_palette(&indices, pal))
                }
            }
        }
        (c, d) => return Err(DecodeError::Unsupported { format: "png", detail: format!("{c:?} at {d:?}") }),
    };
    Ok(Pixels { width, height, channels, data, format: f })
}

/// The first `row_bytes` of each of `height` rows `line` bytes apart.
fn rows(raw: &[u8], line: usize, row_bytes: usize, height: usize) -> Vec<u8> {
    if line == row_bytes {
        return raw[..row_bytes * height].to_vec();
    }
    raw.chunks(line).take(height).flat_map(|r| &r[..row_bytes]).copied().collect()
}

/// Big-endian 16-bit samples, `per_pixel` per pixel.
fn samples16(raw: &[u8], line: usize, width: usize, height: usize, per_pixel: usize) -> Vec<u16> {
    raw.chunks(line)
        .take(height)
        .flat_map(|r| r[..width * per_pixel * 2].chunks(2).map(|b| u16::from_be_bytes([b[0], b[1]])))
        .collect()
}

/// The high byte of each big-endian 16-bit sample, as Pillow reads 16-bit colour PNGs.
fn high_bytes(raw: &[u8], line: usize, samples_per_row: usize, height: usize) -> Vec<u8> {
    raw.chunks(line).take(height).flat_map(|r| r[..samples_per_row * 2].iter().step_by(2)).copied().collect()
}

fn expand_palette(indices: &[u8], palette: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(indices.len() * 3);
    for &i in indices {
        let k = usize::from(i) * 3;
        out.extend_from_slice(palette.get(k..k + 3).unwrap_or(&[0, 0, 0]));
    }
    out
}

fn decode_gif(bytes: &[u8], limits: &Limits, palette: Palette) -> Result<Pixels, DecodeError> {
    let f = Format::Gif;
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let max_alloc = limits.max_pixels.max(1);
    options.set_memory_limit(gif::MemoryLimit::Bytes(std::num::NonZeroU64::new(max_alloc).expect("at least 1")));
    let mut decoder = options.read_info(Cursor::new(bytes)).map_err(|e| corrupt(f, e))?;
    let (width, height) = (usize::from(decoder.width()), usize::from(decoder.height()));
    check_pixels(width as u64, height as u64, limits)?;
    let global = decoder.global_palette().map(<[u8]>::to_vec);
    let background = decoder.bg_color().unwrap_or(0) as u8;
    let frame = decoder.read_next_frame().map_err(|e| corrupt(f, e))?.ok_or_else(|| corrupt(f, "no frame"))?;
    // The first frame is drawn on a canvas the size of the logical screen.
    let mut canvas = vec![background; width * height];
    let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    for y in 0..fh.min(height.saturating_sub(top)) {
        for x in 0..fw.min(width.saturating_sub(left)) {
            canvas[(top + y) * width + left + x] = frame.buffer[y * fw + x];
        }
    }
    match palette {
        Palette::Indices => Ok(Pixels { width, height, channels: 1, data: canvas, format: f }),
        Palette::TrueColour => {
            let pal = frame.palette.as_deref().or(global.as_deref()).ok_or_else(|| corrupt(f, "no palette"))?;
            Ok(Pixels { width, height, channels: 3, data: expand_palette(&canvas, pal), format: f })
        }
    }
}

fn decode_generic(bytes: &[u8], f: Format, limits: &Limits) -> Result<Pixels, DecodeError> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| corrupt(f, e))?;
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(image_limits);
    let decoder = reader.into_decoder().map_err(|e| corrupt(f, e))?;
    let (w, h) = decoder.dimensions();
    check_pixels(u64::from(w), u64::from(h), limits)?;
    let image = image::DynamicImage::from_decoder(decoder).map_err(|e| corrupt(f, e))?;
    let (width, height) = (w as usize, h as usize);
    use image::DynamicImage as I;
    let (channels, data) = match image {
        I::ImageLuma8(b) => (1, b.into_raw()),
        I::ImageLumaA8(b) => (1, b.into_raw().chunks(2).map(|p| p[0]).collect()),
        I::ImageRgb8(b) => (3, b.into_raw()),
        I::ImageRgba8(b) => (4, b.into_raw()),
        I::ImageLuma16(b) => (1, b.into_raw().into_iter().map(|v| v.min(255) as u8).collect()),
        I::ImageLumaA16(b) => (1, b.into_raw().chunks(2).map(|p| (p[0] >> 8) as u8).collect()),
        I::ImageRgb16(b) => (3, b.into_raw().into_iter().map(|v| (v >> 8) as u8).collect()),
        I::ImageRgba16(b) => (4, b.into_raw().into_iter().map(|v| (v >> 8) as u8).collect()),
        other => {
            return Err(DecodeError::Unsupported { format: f.as_str(), detail: format!("{:?}", other.color()) });
        }
    };
    Ok(Pixels { width, height, channels, data, format: f })
}
