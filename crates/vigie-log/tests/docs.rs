//! `docs/log.md` shows the formats with examples: this test makes them again, from fixed keys and
//! leaves (Ed25519 signatures are deterministic), and checks that the document holds each one, so
//! the examples stay true. It also runs the crate documentation's example.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use vigie_log::{AddCheckpoint, Checkpoint, MemoryStore, SignerKey, Tree, Witness, leaf_hash, verify_inclusion};

const NOW: u64 = 1_800_000_000;

/// The examples, by name: what `docs/log.md` must contain.
fn examples() -> Vec<(&'static str, String)> {
    // Five events whose leaf commitments are SHA-256("event <i>"), standing for real ones.
    let commitments: Vec<[u8; 32]> = (0..5).map(|i| leaf_hash(format!("event {i}").as_bytes())).collect();
    let mut tree = Tree::new(MemoryStore::new());
    for c in &commitments {
        tree.append(c).unwrap();
    }
    let log = SignerKey::from_seed("vigie.example/log", &[0x11; 32]).unwrap();
    let witness_key = SignerKey::from_seed("witness.example/w1", &[0x22; 32]).unwrap();

    let at3 = Checkpoint::new("vigie.example/log", 3, tree.root_at(3).unwrap()).unwrap().sign(&log).unwrap();
    let cp5 = Checkpoint::new("vigie.example/log", 5, tree.root()).unwrap();
    let mut signed = cp5.sign(&log).unwrap();

    let mut witness = Witness::new(witness_key.clone());
    witness.watch("vigie.example/log", vec![log.verifier()], NOW - 600).unwrap();
    witness.add_checkpoint(0, &[], at3.encode().as_bytes(), NOW - 60).unwrap();
    let request = AddCheckpoint {
        old_size: 3,
        proof: tree.consistency_proof(3, 5).unwrap(),
        checkpoint: signed.encode().into_bytes(),
    };
    let cosignature = witness.add_checkpoint(3, &request.proof, &request.checkpoint, NOW).unwrap();
    signed.add_signature(cosignature.clone()).unwrap();

    let inclusion = tree.inclusion_proof(3, 5).unwrap();
    let hexes = |hs: &[[u8; 32]]| hs.iter().map(hex::encode).collect::<Vec<_>>().join("\n");
    vec![
        ("log signer key", log.encode_secret()),
        ("log verifier key", log.verifier().encode()),
        ("witness verifier key", witness_key.cosigner_verifier().encode()),
        ("leaf input of event 3", hex::encode(commitments[3])),
        ("leaf hash of event 3", hex::encode(leaf_hash(&commitments[3]))),
        ("root at 5", B64.encode(tree.root())),
        ("inclusion proof of 3 in 5", hexes(&inclusion)),
        ("consistency proof from 3 to 5", hexes(&request.proof)),
        ("add-checkpoint request", String::from_utf8(request.encode()).unwrap()),
        ("cosignature line", cosignature.to_line()),
        ("cosigned checkpoint", signed.encode()),
    ]
}

#[test]
fn the_examples_in_docs_log_md_are_what_the_code_makes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/log.md");
    let doc = std::fs::read_to_string(path).expect("docs/log.md exists");
    let mut missing = Vec::new();
    for (name, text) in examples() {
        if !doc.contains(text.trim_end()) {
            missing.push(format!("--- {name}:\n{text}"));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/log.md lacks these examples (as the code makes them now):\n{}",
        missing.join("\n")
    );
}

/// The example at the top of `lib.rs`.
#[test]
fn the_crate_example_runs() {
    let mut tree = Tree::new(MemoryStore::new());
    for event in 0u8..5 {
        tree.append(&[event; 32]).unwrap(); // an event's 32-byte leaf commitment
    }
    let log_key = SignerKey::from_seed("vigie.example/log", &[1; 32]).unwrap();
    let signed = Checkpoint::new("vigie.example/log", tree.size(), tree.root()).unwrap().sign(&log_key).unwrap();

    let proof = tree.inclusion_proof(3, 5).unwrap();
    let leaf = vigie_log::leaf_hash(&[3; 32]);
    verify_inclusion(&leaf, 3, 5, &proof, signed.checkpoint().root()).unwrap();

    let mut witness = Witness::new(SignerKey::from_seed("witness.example/w1", &[2; 32]).unwrap());
    witness.watch("vigie.example/log", vec![log_key.verifier()], 1_700_000_000).unwrap();
    let cosignature = witness.add_checkpoint(0, &[], signed.encode().as_bytes(), 1_700_000_060).unwrap();
    assert_eq!(
        vigie_log::verify_cosignature(signed.checkpoint(), &cosignature, &witness.verifier()),
        Ok(1_700_000_060)
    );
}
