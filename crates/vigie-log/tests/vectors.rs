//! Pinned vectors from outside Vigie: the RFC 6962 tree of certificate transparency's tests (as
//! transparency-dev/merkle and certificate-transparency-go use it), the examples of the C2SP
//! specifications, keys written by Go's `sumdb/note`, and a real checkpoint of a
//! certificate-transparency log cosigned by a public witness.

use vigie_log::cosignature::cosignature_time;
use vigie_log::{
    Checkpoint, EMPTY_ROOT, Hash, KeyType, MemoryStore, Note, NoteError, ProofError, SignerKey, Tree, VerifierKey,
    leaf_hash, verify_consistency, verify_inclusion,
};

fn h(hex: &str) -> Hash {
    hex::decode(hex).unwrap().try_into().unwrap()
}

/// The eight leaf inputs of the reference tree.
const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

/// The hashes of the leaves (level 0), of the complete subtrees (levels 1 to 3).
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// The roots of the trees of 0 to 8 leaves.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Inclusion proofs: (leaf index, tree size, proof).
const INCLUSION: [(u64, u64, &[&str]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// Consistency proofs: (old size, new size, proof).
const CONSISTENCY: [(u64, u64, &[&str]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_tree() -> Tree<MemoryStore> {
    let mut tree = Tree::new(MemoryStore::new());
    for leaf in LEAVES {
        tree.append(&hex::decode(leaf).unwrap()).unwrap();
    }
    tree
}

fn hashes(hexes: &[&str]) -> Vec<Hash> {
    hexes.iter().map(|x| h(x)).collect()
}

#[test]
fn the_reference_tree_has_the_reference_leaves_nodes_and_roots() {
    let tree = reference_tree();
    for (level, nodes) in NODES.iter().enumerate() {
        for (index, node) in nodes.iter().enumerate() {
            use vigie_log::NodeStore;
            assert_eq!(tree.store().get(level as u8, index as u64).unwrap(), Some(h(node)), "({level}, {index})");
        }
    }
    for (i, leaf) in LEAVES.iter().enumerate() {
        assert_eq!(leaf_hash(&hex::decode(leaf).unwrap()), h(NODES[0][i]));
    }
    for (size, root) in ROOTS.iter().enumerate() {
        assert_eq!(tree.root_at(size as u64).unwrap(), h(root), "size {size}");
    }
    assert_eq!(h(ROOTS[0]), EMPTY_ROOT);
    assert_eq!(tree.root(), h(ROOTS[8]));
}

#[test]
fn the_reference_inclusion_proofs_are_generated_and_verify() {
    let tree = reference_tree();
    for (index, size, proof) in INCLUSION {
        let proof = hashes(proof);
        assert_eq!(tree.inclusion_proof(index, size).unwrap(), proof, "leaf {index} in {size}");
        let leaf = h(NODES[0][index as usize]);
        verify_inclusion(&leaf, index, size, &proof, &h(ROOTS[size as usize])).unwrap();
    }
}

#[test]
fn the_reference_consistency_proofs_are_generated_and_verify() {
    let tree = reference_tree();
    for (m, n, proof) in CONSISTENCY {
        let proof = hashes(proof);
        assert_eq!(tree.consistency_proof(m, n).unwrap(), proof, "{m} to {n}");
        verify_consistency(m, n, &h(ROOTS[m as usize]), &h(ROOTS[n as usize]), &proof).unwrap();
    }
}

/// Every way of breaking a good inclusion proof, as the reference tests break them.
#[test]
fn a_corrupted_reference_inclusion_proof_never_verifies() {
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (index, size, proof) in INCLUSION {
        let proof = hashes(proof);
        let root = h(ROOTS[size as usize]);
        let leaf = h(NODES[0][index as usize]);
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
            (index.wrapping_sub(1), size, root, leaf, proof.clone(), "index - 1".into()),
            (index + 1, size, root, leaf, proof.clone(), "index + 1".into()),
            (index ^ 2, size, root, leaf, proof.clone(), "index ^ 2".into()),
            (index, size * 2, root, leaf, proof.clone(), "size * 2".into()),
            (index, size / 2, root, leaf, proof.clone(), "size / 2".into()),
            (index, size, root, some_hash, proof.clone(), "wrong leaf".into()),
            (index, size, EMPTY_ROOT, leaf, proof.clone(), "empty root".into()),
            (index, size, some_hash, leaf, proof.clone(), "other root".into()),
            (index, size, root, leaf, [proof.clone(), vec![root]].concat(), "trailing root".into()),
            (index, size, root, leaf, [vec![root], proof.clone()].concat(), "preceding root".into()),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 8;
            probes.push((index, size, root, leaf, p, format!("bit flipped in proof[{i}]")));
        }
        if !proof.is_empty() {
            probes.push((index, size, root, leaf, proof[..proof.len() - 1].to_vec(), "removed hash".into()));
        }
        if proof.len() > 1 {
            let p = [vec![proof[0], some_hash], proof[1..].to_vec()].concat();
            probes.push((index, size, root, leaf, p, "inserted hash".into()));
        }
        for (i, s, r, l, p, what) in probes {
            assert!(verify_inclusion(&l, i, s, &p, &r).is_err(), "leaf {index} in {size}: {what} verified");
        }
    }
}

/// Every way of breaking a good consistency proof, as the reference tests break them.
#[test]
fn a_corrupted_reference_consistency_proof_never_verifies() {
    for (m, n, proof) in CONSISTENCY {
        let proof = hashes(proof);
        if proof.is_empty() {
            continue;
        }
        let (r1, r2) = (h(ROOTS[m as usize]), h(ROOTS[n as usize]));
        let wrong = leaf_hash(b"WrongRoot");
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>, String)> = vec![
            (m - 1, n, r1, r2, proof.clone(), "m - 1".into()),
            (m + 1, n, r1, r2, proof.clone(), "m + 1".into()),
            (m ^ 2, n, r1, r2, proof.clone(), "m ^ 2".into()),
            (m, n * 2, r1, r2, proof.clone(), "n * 2".into()),
            (m, n / 2, r1, r2, proof.clone(), "n / 2".into()),
            (m, n, wrong, r2, proof.clone(), "wrong old root".into()),
            (m, n, r1, wrong, proof.clone(), "wrong new root".into()),
            (m, n, r2, r1, proof.clone(), "swapped roots".into()),
            (m, n, r1, r2, vec![], "empty proof".into()),
            (m, n, r1, r2, [proof.clone(), vec![r1]].concat(), "trailing old root".into()),
            (m, n, r1, r2, [proof.clone(), vec![r2]].concat(), "trailing new root".into()),
            (m, n, r1, r2, [vec![r1], proof.clone()].concat(), "preceding old root".into()),
            (m, n, r1, r2, [vec![r2], proof.clone()].concat(), "preceding new root".into()),
            (m, n, r1, r2, [vec![proof[0]], proof.clone()].concat(), "preceding proof[0]".into()),
            (m, n, r1, r2, proof[..proof.len() - 1].to_vec(), "truncated".into()),
        ];
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i][0] ^= 16;
            probes.push((m, n, r1, r2, p, format!("bit flipped in proof[{i}]")));
        }
        for (a, b, x, y, p, what) in probes {
            assert!(verify_consistency(a, b, &x, &y, &p).is_err(), "{m} to {n}: {what} verified");
        }
    }
}

#[test]
fn the_edge_cases_of_consistency_are_strict() {
    let (r1, r2) = (leaf_hash(b"one"), leaf_hash(b"two"));
    // Equal sizes: equal roots and an empty proof.
    assert_eq!(verify_consistency(1, 1, &r1, &r1, &[]), Ok(()));
    assert_eq!(verify_consistency(1, 1, &r1, &r2, &[]), Err(ProofError::RootMismatch));
    assert_eq!(verify_consistency(1, 1, &r1, &r1, &[EMPTY_ROOT]), Err(ProofError::NotEmpty));
    // From the empty tree: the empty root and an empty proof.
    assert_eq!(verify_consistency(0, 1, &EMPTY_ROOT, &r2, &[]), Ok(()));
    assert_eq!(verify_consistency(0, 1, &r1, &r2, &[]), Err(ProofError::OldRootMismatch));
    assert_eq!(verify_consistency(0, 0, &r1, &r1, &[]), Err(ProofError::OldRootMismatch));
    assert_eq!(verify_consistency(0, 1, &EMPTY_ROOT, &r2, &[EMPTY_ROOT]), Err(ProofError::NotEmpty));
    // Back in time.
    assert_eq!(verify_consistency(2, 1, &r1, &r2, &[]), Err(ProofError::SizesOutOfOrder { old: 2, new: 1 }));
    // Growth needs a proof.
    assert_eq!(verify_consistency(1, 2, &r1, &r2, &[]), Err(ProofError::TooShort));
    // An inclusion proof in an empty tree, or past the end, is refused.
    assert!(matches!(verify_inclusion(&r1, 0, 0, &[], &EMPTY_ROOT), Err(ProofError::IndexOutOfRange { .. })));
    assert!(matches!(verify_inclusion(&r1, 2, 1, &[], &r1), Err(ProofError::IndexOutOfRange { .. })));
    assert_eq!(verify_inclusion(&r1, 0, 1, &[], &r1), Ok(()));
}

// --- Signed notes, keys and checkpoints ---

/// The example of `c2sp.org/signed-note`.
const NOTE_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

#[test]
fn the_signed_note_example_verifies_and_its_key_parses() {
    let key = VerifierKey::parse(NOTE_VKEY).unwrap();
    assert_eq!(key.name(), "example.com/foo");
    assert_eq!(key.key_id(), 0x530d_903a);
    assert_eq!(key.kind(), KeyType::Ed25519);
    assert_eq!(hex::encode(key.public_key()), "e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4");
    assert_eq!(key.encode(), NOTE_VKEY);
    let note = Note::parse(NOTE.as_bytes()).unwrap();
    assert_eq!(note.text(), "This is an example message.\n");
    assert_eq!(note.verify(std::slice::from_ref(&key)).unwrap().len(), 1);
    assert_eq!(note.encode(), NOTE);
    // The same signature over another text fails, and fails the whole note.
    let tampered = NOTE.replace("an example", "another");
    let err = Note::parse(tampered.as_bytes()).unwrap().verify(&[key]).unwrap_err();
    assert!(matches!(err, NoteError::InvalidSignature { key_id: 0x530d_903a, .. }));
}

/// Key pairs written by Go's `golang.org/x/mod/sumdb/note` (`note.GenerateKey`), found in public
/// repositories' documentation and tests.
const GO_KEY_PAIRS: [(&str, &str); 2] = [
    (
        "PRIVATE+KEY+binarytransparency.log/example+5de0f997+AXNNv9racVtMynH7oHIogZ4xS5sAIHBl47hlrcf6vsfu",
        "binarytransparency.log/example+5de0f997+AcPfp2roeTxqSqmPdDkA9rIAd0pe3C5Je6Rze2SqBDUp",
    ),
    (
        "PRIVATE+KEY+Test-Betty+df84580a+Afge8kCzBXU7jb3cV2Q363oNXCufJ6u9mjOY1BGRY9E2",
        "Test-Betty+df84580a+AQQASqPUZoIHcJAF5mBOryctwFdTV1E0GRY4kEAtTzwB",
    ),
];

#[test]
fn go_signer_keys_give_their_verifier_keys() {
    for (skey, vkey) in GO_KEY_PAIRS {
        let signer = SignerKey::parse(skey).unwrap();
        assert_eq!(signer.verifier().encode(), vkey);
        assert_eq!(signer.encode_secret(), skey);
        assert_eq!(VerifierKey::parse(vkey).unwrap(), signer.verifier());
        // A note it signs opens with the verifier key.
        let mut note = Note::new("vigie\n").unwrap();
        note.sign(&signer).unwrap();
        let opened = Note::parse(note.encode().as_bytes()).unwrap();
        opened.verify(&[VerifierKey::parse(vkey).unwrap()]).unwrap();
    }
    // A signer key from another project's tests: its key ID must match its seed's public key.
    SignerKey::parse("PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg")
        .unwrap();
}

#[test]
fn verifier_keys_parse_as_go_and_the_specification_write_them() {
    // Ed25519 (0x01): a base64 part that holds plus signs.
    let k = VerifierKey::parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6").unwrap();
    assert_eq!((k.kind(), k.key_id()), (KeyType::Ed25519, 0x7997_405c));
    let k = VerifierKey::parse("foo+1573814f+ATnT68N1+aPhXIQhFQ0X6jekt0UsUk/iyE8dWHb3g9GN").unwrap();
    assert_eq!(k.key_id(), 0x1573_814f);
    // A public witness's cosignature key (0x04).
    let w = VerifierKey::parse("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2").unwrap();
    assert_eq!((w.kind(), w.key_id()), (KeyType::CosignatureV1, 0xda77_ade7));

    let refused = [
        ("bananas.sigstore.dev+12344556", "two parts"),
        ("rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!", "not base64"),
        ("rekor.sigstore.dev+12345678+AwEB", "unknown type 0x03"),
        ("rekor.sigstore.dev+NOT_A_NU+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "key ID not hex"),
        ("TEST+0000000+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "key ID of 7 digits"),
        ("TEST+00000000+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "key ID that does not match"),
        ("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmt", "key cut short"),
        ("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr7", "non-canonical base64"),
        ("+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "empty name"),
        ("a b+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "a space in the name"),
    ];
    for (vkey, why) in refused {
        assert!(VerifierKey::parse(vkey).is_err(), "{why}: {vkey}");
    }
}

/// A checkpoint of Google's staging certificate-transparency log `arche2025h1`, with the log's
/// Ed25519 signature, an RFC 6962 tree head signature (type 0x05, unknown here) and four witness
/// cosignatures, as a public test suite pins it.
const REAL_CHECKPOINT: &str = "arche2025h1.staging.ct.transparency.dev
1432088532
U7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=

\u{2014} arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
\u{2014} arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
\u{2014} transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
\u{2014} witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
\u{2014} remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
\u{2014} witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
";
const REAL_LOG_VKEY: &str =
    "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f";
const REAL_WITNESS_VKEY: &str = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2";

#[test]
fn a_real_checkpoint_opens_with_its_log_key_and_its_witness_cosignature_verifies() {
    let origin = "arche2025h1.staging.ct.transparency.dev";
    let log = VerifierKey::parse(REAL_LOG_VKEY).unwrap();
    let witness = VerifierKey::parse(REAL_WITNESS_VKEY).unwrap();
    let signed = Checkpoint::open(REAL_CHECKPOINT.as_bytes(), origin, std::slice::from_ref(&log)).unwrap();
    let cp = signed.checkpoint();
    assert_eq!((cp.origin(), cp.size()), (origin, 1_432_088_532));
    assert_eq!(cp.extensions(), &[] as &[String]);
    assert_eq!(signed.encode(), REAL_CHECKPOINT);
    let by = signed.witnessed_by(std::slice::from_ref(&witness)).unwrap();
    assert_eq!(by.len(), 1);
    assert_eq!((by[0].witness.as_str(), by[0].time), ("remora.n621.de", 1_779_573_024));
    let line = signed.note().signatures().iter().find(|s| s.name() == "remora.n621.de").unwrap();
    assert_eq!(cosignature_time(line).unwrap(), 1_779_573_024);

    // The same lines over another size verify neither for the log nor for the witness.
    let clobbered = REAL_CHECKPOINT.replace("1432088532", "42");
    assert!(Checkpoint::open(clobbered.as_bytes(), origin, std::slice::from_ref(&log)).is_err());
    let unsigned_cp = Checkpoint::parse_body(&clobbered[..clobbered.find("\n\n").unwrap() + 1]).unwrap();
    let forged = vigie_log::verify_cosignature(&unsigned_cp, line, &witness);
    assert!(forged.is_err());
    // Another key does not open it, and a cosignature key cannot stand for the log's.
    assert!(Checkpoint::open(REAL_CHECKPOINT.as_bytes(), origin, &[VerifierKey::parse(NOTE_VKEY).unwrap()]).is_err());
    assert!(Checkpoint::open(REAL_CHECKPOINT.as_bytes(), origin, &[witness]).is_err());
    // Nor does the wrong origin.
    assert!(Checkpoint::open(REAL_CHECKPOINT.as_bytes(), "example.com/log", &[log]).is_err());
}

#[test]
fn cosignature_times_read_as_go_reads_them() {
    let sig = "\u{2014} w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==\n";
    let note = Note::parse(format!("x\n\n{sig}").as_bytes()).unwrap();
    assert_eq!(cosignature_time(&note.signatures()[0]).unwrap(), 1_727_964_367);
    // A plain Ed25519 signature (64 bytes after the key ID) is not a cosignature.
    let plain =
        "\u{2014} w eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=\n";
    let note = Note::parse(format!("x\n\n{plain}").as_bytes()).unwrap();
    assert!(cosignature_time(&note.signatures()[0]).is_err());
}
