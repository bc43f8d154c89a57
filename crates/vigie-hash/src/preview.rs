//! The derivative a reviewer sees before choosing to look: small, greyscale, blurred, re-encoded,
//! made from the pixels as the eye sees them.
//!
//! The image is reduced by area averaging to at most [`PREVIEW_SIDE`] pixels on its long side,
//! turned to luminance, then box-blurred three times (close to a Gaussian). The result is a fresh
//! PNG written here, so nothing of the original file (metadata, polyglot tails) survives.

use crate::decode::Pixels;

/// The long side of a preview, in pixels. Shown larger, it stays unreadable.
pub const PREVIEW_SIDE: usize = 48;

/// A blurred greyscale PNG of `pixels`.
pub fn blurred_preview(pixels: &Pixels) -> Vec<u8> {
    let frame = blurred_frame(pixels);
    encode_grey(frame.width, frame.height, &frame.luma)
}

/// One picture reduced and blurred as a preview is, not yet encoded: a video's storyboard is
/// made of several ([`storyboard_png`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlurredFrame {
    pub width: usize,
    pub height: usize,
    /// Row-major grey samples.
    pub luma: Vec<u8>,
}

/// `pixels` reduced by area averaging to at most [`PREVIEW_SIDE`] on the long side, in grey,
/// box-blurred three times.
pub fn blurred_frame(pixels: &Pixels) -> BlurredFrame {
    let luma = crate::luma(pixels, crate::View::Eye);
    let (w, h) = (pixels.width.max(1), pixels.height.max(1));
    let scale = (w.max(h) as f64 / PREVIEW_SIDE as f64).max(1.0);
    let (pw, ph) = (((w as f64 / scale).round() as usize).max(1), ((h as f64 / scale).round() as usize).max(1));
    let mut small = vec![0f32; pw * ph];
    for (py, row) in small.chunks_mut(pw).enumerate() {
        let (y0, y1) = (py * h / ph, ((py + 1) * h / ph).max(py * h / ph + 1));
        for (px, out) in row.iter_mut().enumerate() {
            let (x0, x1) = (px * w / pw, ((px + 1) * w / pw).max(px * w / pw + 1));
            let mut sum = 0f64;
            for y in y0..y1.min(h) {
                for x in x0..x1.min(w) {
                    sum += f64::from(luma[y * w + x]);
                }
            }
            *out = (sum / ((y1.min(h) - y0) * (x1.min(w) - x0)).max(1) as f64) as f32;
        }
    }
    for _ in 0..3 {
        small = box_blur(&small, pw, ph, 2);
    }
    BlurredFrame { width: pw, height: ph, luma: small.iter().map(|v| v.round().clamp(0.0, 255.0) as u8).collect() }
}

/// A storyboard: blurred frames side by side, left to right, in one fresh grey PNG, a 2-pixel
/// black gutter between them; frames of another height than the first are padded or cut to it.
/// `None` without frames.
pub fn storyboard_png(frames: &[BlurredFrame]) -> Option<Vec<u8>> {
    const GUTTER: usize = 2;
    let first = frames.first()?;
    let height = first.height;
    let width = frames.iter().map(|f| f.width).sum::<usize>() + GUTTER * (frames.len() - 1);
    let mut luma = vec![0u8; width * height];
    let mut x0 = 0;
    for f in frames {
        for y in 0..height.min(f.height) {
            luma[y * width + x0..y * width + x0 + f.width].copy_from_slice(&f.luma[y * f.width..(y + 1) * f.width]);
        }
        x0 += f.width + GUTTER;
    }
    Some(encode_grey(width, height, &luma))
}

fn encode_grey(width: usize, height: usize, luma: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width as u32, height as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        // Writing to a Vec cannot fail.
        if let Ok(mut w) = enc.write_header() {
            let _ = w.write_image_data(luma);
        }
    }
    out
}

/// One pass of a box blur of radius `r`, horizontal then vertical, clamping at the edges.
fn box_blur(src: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let mut tmp = vec![0f32; src.len()];
    for y in 0..h {
        for x in 0..w {
            let (a, b) = (x.saturating_sub(r), (x + r).min(w - 1));
            let s: f32 = src[y * w + a..=y * w + b].iter().sum();
            tmp[y * w + x] = s / (b - a + 1) as f32;
        }
    }
    let mut out = vec![0f32; src.len()];
    for x in 0..w {
        for y in 0..h {
            let (a, b) = (y.saturating_sub(r), (y + r).min(h - 1));
            let s: f32 = (a..=b).map(|yy| tmp[yy * w + x]).sum();
            out[y * w + x] = s / (b - a + 1) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Format;

    #[test]
    fn a_preview_is_a_small_grey_png_without_the_originals_detail() {
        // A sharp black-and-white checkerboard of 1-pixel squares, 400×300, in colour.
        let (w, h) = (400, 300);
        let data: Vec<u8> =
            (0..w * h).flat_map(|i| if (i % w + i / w) % 2 == 0 { [255, 0, 0] } else { [0, 0, 255] }).collect();
        let png =
            blurred_preview(&Pixels { width: w, height: h, layout: crate::Layout::Rgb, data, format: Format::Png });
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height, info.color_type), (48, 36, png::ColorType::Grayscale));
        let px = &buf[..info.buffer_size()];
        let (lo, hi) = (px.iter().min().unwrap(), px.iter().max().unwrap());
        assert!(hi - lo <= 2, "the checkerboard is gone: {lo}..{hi}");
    }

    #[test]
    fn a_storyboard_puts_its_frames_side_by_side_with_gutters() {
        let frame = |v: u8| BlurredFrame { width: 4, height: 3, luma: vec![v; 12] };
        let png = storyboard_png(&[frame(10), frame(200), frame(90)]).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&png)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (4 * 3 + 2 * 2, 3));
        let row: Vec<u8> = buf[..16].to_vec();
        assert_eq!(row, [10, 10, 10, 10, 0, 0, 200, 200, 200, 200, 0, 0, 90, 90, 90, 90]);
        assert_eq!(storyboard_png(&[]), None);
    }
}
