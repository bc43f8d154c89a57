//! Synthetic test images: gradients, shapes, noise and block letters, made here, in every colour
//! mode and file format Vigie decodes. Nothing comes from outside.

use std::io::Cursor;

/// A small deterministic generator (xorshift).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn byte(&mut self) -> u8 {
        (self.next() >> 24) as u8
    }
}

/// The kinds of picture.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scene {
    Gradient,
    Rings,
    Noise,
    Shapes,
    Letters,
}

pub(crate) const SCENES: [Scene; 5] = [Scene::Gradient, Scene::Rings, Scene::Noise, Scene::Shapes, Scene::Letters];

/// 5×7 block glyphs for a few letters, one row per byte (low 5 bits).
const GLYPHS: [[u8; 7]; 6] = [
    [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001], // A
    [0b11110, 0b10001, 0b11110, 0b10001, 0b10001, 0b10001, 0b11110], // B
    [0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b01010, 0b00100], // V
    [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110], // I
    [0b01111, 0b10000, 0b10000, 0b10111, 0b10001, 0b10001, 0b01110], // G
    [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111], // E
];

/// An RGB picture, row-major.
pub(crate) fn rgb(scene: Scene, width: usize, height: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut out = vec![0u8; width * height * 3];
    let (w, h) = (width.max(1) as f32, height.max(1) as f32);
    for y in 0..height {
        for x in 0..width {
            let (fx, fy) = (x as f32 / w, y as f32 / h);
            let px: [u8; 3] = match scene {
                Scene::Gradient => [(fx * 255.0) as u8, (fy * 255.0) as u8, ((fx + fy) * 127.0) as u8],
                Scene::Rings => {
                    let d = ((fx - 0.4).powi(2) + (fy - 0.6).powi(2)).sqrt();
                    let v = (127.5 + 127.0 * (d * 40.0).sin()) as u8;
                    [v, 255 - v, (v / 2).wrapping_add(60)]
                }
                Scene::Noise => [rng.byte(), rng.byte(), rng.byte()],
                Scene::Shapes => {
                    let in_rect = (0.1..0.5).contains(&fx) && (0.2..0.7).contains(&fy);
                    let in_circle = (fx - 0.7).powi(2) + (fy - 0.4).powi(2) < 0.04;
                    let in_band = ((fx * 7.0 + fy * 3.0) as u32).is_multiple_of(2);
                    match (in_rect, in_circle) {
                        (true, _) => [200, 30, 40],
                        (_, true) => [20, 60, 220],
                        _ if in_band => [240, 240, 230],
                        _ => [30, 120, 60],
                    }
                }
                Scene::Letters => {
                    let cell = (width / 40).max(1);
                    let (gx, gy) = (x / cell, y / cell);
                    let glyph = GLYPHS[(gx / 6 + gy / 8) % GLYPHS.len()];
                    let (cx, cy) = (gx % 6, gy % 8);
                    let ink = cx < 5 && cy < 7 && glyph[cy] >> (4 - cx) & 1 == 1;
                    if ink { [10, 10, 10] } else { [250, 248, 240] }
                }
            };
            out[(y * width + x) * 3..][..3].copy_from_slice(&px);
        }
    }
    out
}

pub(crate) fn grey_of(rgb: &[u8]) -> Vec<u8> {
    rgb.chunks(3).map(|p| ((u32::from(p[0]) * 3 + u32::from(p[1]) * 6 + u32::from(p[2])) / 10) as u8).collect()
}

fn encode_image(
    buf: &[u8],
    w: usize,
    h: usize,
    color: image::ExtendedColorType,
    format: image::ImageFormat,
) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::write_buffer_with_format(&mut out, buf, w as u32, h as u32, color, format).expect("encodes");
    out.into_inner()
}

/// A PNG written with the png crate, for the bit depths the image crate does not write.
fn encode_png(
    data: &[u8],
    w: usize,
    h: usize,
    color: png::ColorType,
    depth: png::BitDepth,
    palette: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
        enc.set_color(color);
        enc.set_depth(depth);
        if let Some(p) = palette {
            enc.set_palette(p.to_vec());
        }
        let mut writer = enc.write_header().expect("header");
        writer.write_image_data(data).expect("data");
    }
    out
}

/// Packs one sample per byte into rows of `bits`-bit samples.
fn pack(samples: &[u8], w: usize, bits: usize) -> Vec<u8> {
    let per_byte = 8 / bits;
    let line = w.div_ceil(per_byte);
    let mut out = Vec::new();
    for row in samples.chunks(w) {
        let mut packed = vec![0u8; line];
        for (x, &v) in row.iter().enumerate() {
            packed[x / per_byte] |= v << (8 - bits * (x % per_byte + 1));
        }
        out.extend(packed);
    }
    out
}

/// A palette of `n` colours and each pixel's nearest index (by a cheap distance).
fn quantise(rgb: &[u8], n: usize) -> (Vec<u8>, Vec<u8>) {
    let palette: Vec<u8> = (0..n)
        .flat_map(|i| {
            let t = i as u32 * 255 / (n as u32 - 1).max(1);
            [t as u8, (255 - t) as u8, ((t * 7) % 256) as u8]
        })
        .collect();
    let index = rgb
        .chunks(3)
        .map(|p| {
            (0..n)
                .min_by_key(|&i| {
                    let q = &palette[i * 3..i * 3 + 3];
                    (0..3).map(|c| (i32::from(p[c]) - i32::from(q[c])).pow(2)).sum::<i32>()
                })
                .unwrap() as u8
        })
        .collect();
    (palette, index)
}

/// One test file: its name and bytes, and whether it is lossless (hashes must match exactly).
pub(crate) struct Sample {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) lossless: bool,
}

/// Every colour mode and format, for one picture.
pub(crate) fn samples(scene: Scene, w: usize, h: usize, seed: u64) -> Vec<Sample> {
    use image::{ExtendedColorType as E, ImageFormat as F};
    let rgb = rgb(scene, w, h, seed);
    let grey = grey_of(&rgb);
    let rgba: Vec<u8> = rgb.chunks(3).enumerate().flat_map(|(i, p)| [p[0], p[1], p[2], (i * 7 % 256) as u8]).collect();
    let la: Vec<u8> = grey.iter().enumerate().flat_map(|(i, &g)| [g, (i % 256) as u8]).collect();
    // Twice the grey: half the values pass 255, where Pillow's conversion clips them.
    let grey16: Vec<u8> = grey.iter().flat_map(|&g| (u16::from(g) * 2).to_be_bytes()).collect();
    let rgb16: Vec<u8> = rgb.iter().flat_map(|&v| (u16::from(v) * 257 - u16::from(v % 3)).to_be_bytes()).collect();
    let (pal16, idx16) = quantise(&rgb, 16);
    let (pal200, idx200) = quantise(&rgb, 200);
    let bits1: Vec<u8> = grey.iter().map(|&g| u8::from(g > 127)).collect();
    let bits2: Vec<u8> = grey.iter().map(|&g| g >> 6).collect();
    let bits4: Vec<u8> = grey.iter().map(|&g| g >> 4).collect();
    let base = format!("{scene:?}-{w}x{h}").to_lowercase();
    let mut out = vec![
        (format!("{base}-rgb.png"), encode_image(&rgb, w, h, E::Rgb8, F::Png), true),
        (format!("{base}-rgba.png"), encode_image(&rgba, w, h, E::Rgba8, F::Png), true),
        (format!("{base}-l.png"), encode_image(&grey, w, h, E::L8, F::Png), true),
        (format!("{base}-la.png"), encode_image(&la, w, h, E::La8, F::Png), true),
        (
            format!("{base}-l16.png"),
            encode_png(&grey16, w, h, png::ColorType::Grayscale, png::BitDepth::Sixteen, None),
            true,
        ),
        (
            format!("{base}-rgb16.png"),
            encode_png(&rgb16, w, h, png::ColorType::Rgb, png::BitDepth::Sixteen, None),
            true,
        ),
        (
            format!("{base}-l1.png"),
            encode_png(&pack(&bits1, w, 1), w, h, png::ColorType::Grayscale, png::BitDepth::One, None),
            true,
        ),
        (
            format!("{base}-l2.png"),
            encode_png(&pack(&bits2, w, 2), w, h, png::ColorType::Grayscale, png::BitDepth::Two, None),
            true,
        ),
        (
            format!("{base}-l4.png"),
            encode_png(&pack(&bits4, w, 4), w, h, png::ColorType::Grayscale, png::BitDepth::Four, None),
            true,
        ),
        (
            format!("{base}-p4.png"),
            encode_png(&pack(&idx16, w, 4), w, h, png::ColorType::Indexed, png::BitDepth::Four, Some(&pal16)),
            true,
        ),
        (
            format!("{base}-p8.png"),
            encode_png(&idx200, w, h, png::ColorType::Indexed, png::BitDepth::Eight, Some(&pal200)),
            true,
        ),
        (format!("{base}-lossless.webp"), encode_image(&rgb, w, h, E::Rgb8, F::WebP), true),
        (format!("{base}.bmp"), encode_image(&rgb, w, h, E::Rgb8, F::Bmp), true),
        (format!("{base}.tiff"), encode_image(&rgb, w, h, E::Rgb8, F::Tiff), true),
        (format!("{base}-l.tiff"), encode_image(&grey, w, h, E::L8, F::Tiff), true),
        (format!("{base}.jpg"), encode_image(&rgb, w, h, E::Rgb8, F::Jpeg), false),
        (format!("{base}-l.jpg"), encode_image(&grey, w, h, E::L8, F::Jpeg), false),
    ];
    if w <= u16::MAX as usize && h <= u16::MAX as usize {
        let mut gif_bytes = Vec::new();
        {
            let mut enc = gif::Encoder::new(&mut gif_bytes, w as u16, h as u16, &pal200).expect("gif header");
            let frame =
                gif::Frame { width: w as u16, height: h as u16, buffer: idx200.clone().into(), ..Default::default() };
            enc.write_frame(&frame).expect("gif frame");
        }
        out.push((format!("{base}.gif"), gif_bytes, true));
    }
    out.into_iter().map(|(name, bytes, lossless)| Sample { name, bytes, lossless }).collect()
}
