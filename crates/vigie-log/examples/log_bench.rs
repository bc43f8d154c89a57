//! Measures the log's core: appending N leaves to a tree in memory, proofs at size N, recomputing
//! the root from the leaves alone, and signing and opening checkpoints.
//!
//! `cargo run --release -p vigie-log --example log_bench -- [N]` (N defaults to 10,000,000).

use std::hint::black_box;
use std::time::Instant;

use vigie_log::{
    Checkpoint, Frontier, MemoryStore, SignerKey, Tree, cosign, leaf_hash, verify_consistency, verify_cosignature,
    verify_inclusion,
};

/// The 32-byte leaf input of event `i` (standing for its leaf commitment).
fn commitment(i: u64) -> [u8; 32] {
    let mut c = [0u8; 32];
    c[..8].copy_from_slice(&i.to_le_bytes());
    c[8..16].copy_from_slice(&i.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    c
}

/// SplitMix64, for reproducible random indexes.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

fn main() {
    let n: u64 = std::env::args().nth(1).map_or(10_000_000, |a| a.parse().expect("N is a number"));
    println!("leaves: {n}");

    let start = Instant::now();
    let mut tree = Tree::new(MemoryStore::new());
    for i in 0..n {
        tree.append(&commitment(i)).unwrap();
    }
    let append = start.elapsed();
    let nodes = tree.store().node_count();
    println!(
        "append: {:.2} s, {:.0} ns/leaf; {} nodes stored ({:.0} MiB of hashes)",
        append.as_secs_f64(),
        append.as_nanos() as f64 / n as f64,
        nodes,
        (nodes * 32) as f64 / (1 << 20) as f64
    );
    let root = tree.root();

    let mut rng = Rng(1);
    let queries = 100_000u64;
    let picks: Vec<u64> = (0..queries).map(|_| rng.below(n)).collect();
    let start = Instant::now();
    let proofs: Vec<_> = picks.iter().map(|&i| tree.inclusion_proof(i, n).unwrap()).collect();
    let make = start.elapsed();
    let leaves: Vec<_> = picks.iter().map(|&i| leaf_hash(&commitment(i))).collect();
    let start = Instant::now();
    for ((&i, p), leaf) in picks.iter().zip(&proofs).zip(&leaves) {
        verify_inclusion(leaf, i, n, p, &root).unwrap();
    }
    let check = start.elapsed();
    println!(
        "inclusion proof at size {n}: {} hashes; make {:.2} µs, verify {:.2} µs (mean of {queries})",
        proofs[0].len(),
        make.as_nanos() as f64 / 1e3 / queries as f64,
        check.as_nanos() as f64 / 1e3 / queries as f64
    );

    let pairs: Vec<(u64, u64)> = (0..queries)
        .map(|_| {
            let b = 1 + rng.below(n);
            (rng.below(b + 1), b)
        })
        .collect();
    let start = Instant::now();
    let cproofs: Vec<_> = pairs.iter().map(|&(a, b)| tree.consistency_proof(a, b).unwrap()).collect();
    let make = start.elapsed();
    let roots: Vec<_> = pairs.iter().map(|&(a, b)| (tree.root_at(a).unwrap(), tree.root_at(b).unwrap())).collect();
    let start = Instant::now();
    for ((&(a, b), p), (ra, rb)) in pairs.iter().zip(&cproofs).zip(&roots) {
        verify_consistency(a, b, ra, rb, p).unwrap();
    }
    let check = start.elapsed();
    println!(
        "consistency proof, random sizes: make {:.2} µs, verify {:.2} µs (mean of {queries})",
        make.as_nanos() as f64 / 1e3 / queries as f64,
        check.as_nanos() as f64 / 1e3 / queries as f64
    );
    drop(tree);

    let start = Instant::now();
    let mut frontier = Frontier::new();
    for i in 0..n {
        frontier.push(&commitment(i));
    }
    assert_eq!(frontier.root(), root);
    let recompute = start.elapsed();
    println!("root recomputed from the {n} leaf inputs alone: {:.2} s", recompute.as_secs_f64());

    let log = SignerKey::from_seed("vigie.example/log", &[1; 32]).unwrap();
    let witness = SignerKey::from_seed("witness.example/w1", &[2; 32]).unwrap();
    let checkpoint = Checkpoint::new("vigie.example/log", n, root).unwrap();
    let rounds = 2000u32;
    let start = Instant::now();
    let mut signed = None;
    for _ in 0..rounds {
        signed = Some(black_box(checkpoint.sign(&log).unwrap()));
    }
    let sign = start.elapsed() / rounds;
    let text = signed.unwrap().encode();
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(Checkpoint::open(text.as_bytes(), "vigie.example/log", &[log.verifier()]).unwrap());
    }
    let open = start.elapsed() / rounds;
    let line = cosign(&checkpoint, &witness, 1_800_000_000).unwrap();
    let start = Instant::now();
    for _ in 0..rounds {
        black_box(verify_cosignature(&checkpoint, &line, &witness.cosigner_verifier()).unwrap());
    }
    let cosig = start.elapsed() / rounds;
    println!(
        "checkpoint: sign {:.1} µs, open {:.1} µs, verify a cosignature {:.1} µs",
        sign.as_nanos() as f64 / 1e3,
        open.as_nanos() as f64 / 1e3,
        cosig.as_nanos() as f64 / 1e3
    );
}
