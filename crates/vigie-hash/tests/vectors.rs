//! Known vectors: hashes that python-threatexchange's `pdq_from_file` gave for these synthetic
//! files (Vigie's `pdq_pytx`, or its `pdq` where the two conventions agree), pinned so the suite
//! checks them without Python. (Set `VIGIE_DUMP_VECTORS=DIR` to write the files, to recompute the
//! values with the reference.)

// Shared with the differential test, which uses all of it.
#[allow(dead_code)]
mod synth;

use synth::Scene;
use vigie_hash::{HashOptions, hash_image};

/// (scene, width, height, seed, file, reference hash, reference quality)
const VECTORS: &[(Scene, usize, usize, u64, &str, &str, u8)] = &[
    (
        Scene::Gradient,
        512,
        512,
        1,
        "gradient-512x512-rgb.png",
        "020857d537d56797986b738ad68a7d825720605702bd786f8d0b707ad7d67474",
        42,
    ),
    (
        Scene::Gradient,
        512,
        512,
        1,
        "gradient-512x512-l1.png",
        "aa5500ffff80153f556a554a001ffbf0aaa5aaadfff85103555655540001aaff",
        0,
    ),
    (
        Scene::Gradient,
        512,
        512,
        1,
        "gradient-512x512-l16.png",
        "00ff75aa552a007bffc0009faab5aaa5000fff7855525556fffc0001bbabaaaa",
        60,
    ),
    (
        Scene::Rings,
        257,
        129,
        2,
        "rings-257x129-p8.png",
        "550647391d4618c767265426183a46fe44ff1a261abbe91416ff1557fabafa06",
        100,
    ),
    (
        Scene::Rings,
        257,
        129,
        2,
        "rings-257x129-la.png",
        "eab9b8c6e2b9e73818d9bbd9e7c5b901bb00e5d9e54416ebe900eaa8054505f9",
        100,
    ),
    (
        Scene::Letters,
        640,
        480,
        3,
        "letters-640x480.gif",
        "b741b657cdc17b0416c1312f20aa72fbf077b6dbcd25f8158a3ae44e8f5c20e0",
        100,
    ),
    (
        Scene::Noise,
        64,
        64,
        4,
        "noise-64x64-rgb.png",
        "a6c329220d15b3ca05d1456b7c4baffe436c48a5f219ced4b8a1a82776b365db",
        100,
    ),
    (
        Scene::Shapes,
        1280,
        1250,
        5,
        "shapes-1280x1250-rgb.png",
        "ad34adaed4b999a113a412532294af8eec1bc59b952ef8710282116eff55ec3b",
        100,
    ),
    (
        Scene::Shapes,
        1280,
        1250,
        5,
        "shapes-1280x1250-l16.png",
        "ad34adabdcb991a593a432532294af8eec1bcd9b952ed0311283016efe54ec3b",
        100,
    ),
];

#[test]
fn pinned_reference_vectors_still_hold() {
    let dump = std::env::var_os("VIGIE_DUMP_VECTORS");
    let mut checked = 0;
    for &(scene, w, h, seed, file, hash, quality) in VECTORS {
        let sample = synth::samples(scene, w, h, seed).into_iter().find(|s| s.name == file).expect("sample exists");
        if let Some(dir) = &dump {
            std::fs::write(std::path::Path::new(dir).join(&sample.name), &sample.bytes).unwrap();
        }
        let ours = hash_image(&sample.bytes, &HashOptions::default()).unwrap();
        // pytx's hash is `pdq_pytx` when the conventions differ, `pdq` otherwise.
        let pytx = ours.pdq_pytx.unwrap_or(ours.pdq);
        assert_eq!((pytx.hash.to_string().as_str(), pytx.quality), (hash, quality), "{file}");
        checked += 1;
    }
    assert_eq!(checked, VECTORS.len());
}
