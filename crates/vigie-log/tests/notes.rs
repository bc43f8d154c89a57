//! Signed notes, checkpoints and cosignatures: round trips, the rules on unknown and failing
//! signatures, and hostile input.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use vigie_log::checkpoint::CheckpointError;
use vigie_log::cosignature::{CosignatureError, MAX_TIMESTAMP, signed_message};
use vigie_log::note::{MAX_NOTE_BYTES, MAX_SIGNATURES};
use vigie_log::{
    Checkpoint, EMPTY_ROOT, KeyType, Note, NoteError, NoteSignature, SignerKey, VerifierKey, cosign, leaf_hash,
    verify_cosignature,
};

fn key(name: &str, seed: u8) -> SignerKey {
    SignerKey::from_seed(name, &[seed; 32]).unwrap()
}

fn signed(text: &str, keys: &[&SignerKey]) -> Note {
    let mut note = Note::new(text).unwrap();
    for k in keys {
        note.sign(k).unwrap();
    }
    note
}

#[test]
fn a_note_signed_by_two_keys_opens_with_either() {
    let (a, b) = (key("a.example/log", 1), key("b.example/w", 2));
    let note = signed("line one\n\nline three after a blank line\n", &[&a, &b]);
    let text = note.encode();
    let back = Note::parse(text.as_bytes()).unwrap();
    assert_eq!(back, note);
    assert_eq!(back.text(), "line one\n\nline three after a blank line\n");
    assert_eq!(back.verify(&[a.verifier()]).unwrap().len(), 1);
    assert_eq!(back.verify(&[b.verifier()]).unwrap().len(), 1);
    assert_eq!(back.verify(&[a.verifier(), b.verifier()]).unwrap().len(), 2);
}

#[test]
fn unknown_keys_are_ignored_and_a_failing_known_key_rejects_the_note() {
    let a = key("a.example/log", 1);
    let rotated = key("a.example/log", 3); // same name, another key (another ID)
    let other = key("c.example/x", 4);
    let note = signed("text\n", &[&a, &other]);
    // Only unknown keys: rejected.
    assert_eq!(note.verify(&[rotated.verifier()]), Err(NoteError::NoKnownSignature));
    assert_eq!(note.verify(&[]), Err(NoteError::NoKnownSignature));
    // A key with the same ID under another name is not the same key.
    let same_id_other_name = VerifierKey::new("z.example/log", KeyType::Ed25519, &a.verifier().public_key()).unwrap();
    assert_eq!(note.verify(&[same_id_other_name]), Err(NoteError::NoKnownSignature));

    // A known key whose signature fails rejects the note, whatever else verifies.
    let mut forged = Note::new("text\n").unwrap();
    forged.push_signature(NoteSignature::new("a.example/log", a.verifier().key_id(), vec![0; 64]).unwrap()).unwrap();
    forged.sign(&other).unwrap();
    let forged = Note::parse(forged.encode().as_bytes()).unwrap();
    assert!(matches!(forged.verify(&[a.verifier(), other.verifier()]), Err(NoteError::InvalidSignature { .. })));
    // A signature of the wrong length by a known key fails too, without panicking.
    let mut short = Note::new("text\n").unwrap();
    short.push_signature(NoteSignature::new("a.example/log", a.verifier().key_id(), vec![1; 3]).unwrap()).unwrap();
    assert!(matches!(short.verify(&[a.verifier()]), Err(NoteError::InvalidSignature { .. })));
}

#[test]
fn hostile_notes_are_refused_with_a_reason() {
    let a = key("a.example/log", 1);
    let good = signed("text\n", &[&a]).encode();
    let line = good.split("\n\n").nth(1).unwrap().to_owned();
    let sig_b64 = line.trim_end().rsplit(' ').next().unwrap().to_owned();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![b'a'; MAX_NOTE_BYTES + 1], "too large"),
        (b"text\n\n\xe2\x80\x94 a \xff\xfe\n".to_vec(), "not UTF-8"),
        (format!("te\rxt\n\n{line}").into_bytes(), "carriage return"),
        (format!("te\0xt\n\n{line}").into_bytes(), "NUL"),
        (format!("te\txt\n\n{line}").into_bytes(), "tab"),
        (good.trim_end().as_bytes().to_vec(), "no final newline"),
        (format!("text\n{line}").into_bytes(), "no blank line"),
        (b"text\n\n".to_vec(), "no signature"),
        (format!("text\n\n- a.example/log {sig_b64}\n").into_bytes(), "hyphen, not em dash"),
        (format!("text\n\n\u{2014}a.example/log {sig_b64}\n").into_bytes(), "no space after the dash"),
        (format!("text\n\n\u{2014} a.example/log{sig_b64}\n").into_bytes(), "no space before the signature"),
        (format!("text\n\n\u{2014} a.example/log {sig_b64} extra\n").into_bytes(), "three fields"),
        (format!("text\n\n\u{2014} a.example/log  {sig_b64}\n").into_bytes(), "two spaces"),
        (format!("text\n\n\u{2014} a+b {sig_b64}\n").into_bytes(), "plus in the name"),
        (format!("text\n\n\u{2014}  {sig_b64}\n").into_bytes(), "empty name"),
        ("text\n\n\u{2014} a.example/log AAAAAA==\n".to_string().into_bytes(), "four bytes: no signature"),
        ("text\n\n\u{2014} a.example/log AAAAAAA\n".to_string().into_bytes(), "unpadded base64"),
        ("text\n\n\u{2014} a.example/log AAAAAAB=\n".to_string().into_bytes(), "non-canonical base64"),
        ("text\n\n\u{2014} a.example/log AAAA_AAA\n".to_string().into_bytes(), "URL-safe base64"),
        (format!("text\n\n{line}\n").into_bytes(), "a blank line after the signatures"),
    ];
    for (bytes, why) in cases {
        assert!(Note::parse(&bytes).is_err(), "{why} was accepted");
    }
    // More signatures than the cap.
    let many = format!("text\n\n{}", line.repeat(MAX_SIGNATURES + 1));
    assert_eq!(Note::parse(many.as_bytes()), Err(NoteError::TooManySignatures { max: MAX_SIGNATURES }));
    let enough = format!("text\n\n{}", line.repeat(MAX_SIGNATURES));
    assert_eq!(Note::parse(enough.as_bytes()).unwrap().signatures().len(), MAX_SIGNATURES);
    // An unsigned text that does not end with a newline, or holds a control character.
    assert_eq!(Note::new("text"), Err(NoteError::NoFinalNewline));
    assert!(Note::new("te\u{7}xt\n").is_err());
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[test]
fn a_mutated_note_never_panics_and_never_verifies_another_text() {
    let (a, b) = (key("a.example/log", 1), key("b.example/w", 2));
    let note = signed("vigie.example/log\n12\nroot\nextension\n", &[&a, &b]);
    let original = note.encode().into_bytes();
    let mut rng = Rng(99);
    for _ in 0..20_000 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.next() % 3 {
            let at = (rng.next() % bytes.len() as u64) as usize;
            match rng.next() % 3 {
                0 => bytes[at] = rng.next() as u8,
                1 => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, rng.next() as u8),
            }
        }
        let Ok(parsed) = Note::parse(&bytes) else { continue };
        if let Ok(verified) = parsed.verify(&[a.verifier(), b.verifier()]) {
            assert_eq!(parsed.text(), note.text(), "a mutation verified with another text");
            assert!(!verified.is_empty());
        }
    }
}

fn root_of(n: u8) -> [u8; 32] {
    leaf_hash(&[n])
}

#[test]
fn a_checkpoint_round_trips_and_its_log_signature_covers_every_line() {
    let log = key("vigie.example/log", 5);
    let cp = Checkpoint::new("vigie.example/log", 12, root_of(1)).unwrap().with_extension("lineage 2").unwrap();
    assert_eq!(
        cp.body(),
        format!("vigie.example/log\n12\n{}\nlineage 2\n", B64.encode(root_of(1))),
        "origin, size, root in base64, extension lines"
    );
    let signed = cp.sign(&log).unwrap();
    let text = signed.encode();
    let opened = Checkpoint::open(text.as_bytes(), "vigie.example/log", &[log.verifier()]).unwrap();
    assert_eq!(opened.checkpoint(), &cp);
    assert_eq!(opened, signed);
    for (from, to) in [("\n12\n", "\n13\n"), ("lineage 2", "lineage 3")] {
        let tampered = text.replacen(from, to, 1);
        assert!(
            Checkpoint::open(tampered.as_bytes(), "vigie.example/log", &[log.verifier()]).is_err(),
            "{from} → {to}"
        );
    }
    // The log's key must be named after the origin.
    let stranger = key("other.example/log", 5);
    assert!(matches!(cp.sign(&stranger), Err(CheckpointError::KeyNotOrigin { .. })));
}

#[test]
fn checkpoint_bodies_are_read_strictly() {
    let root = B64.encode(root_of(1));
    let empty = B64.encode(EMPTY_ROOT);
    assert!(Checkpoint::parse_body(&format!("o\n7\n{root}\n")).is_ok());
    assert!(Checkpoint::parse_body(&format!("o\n0\n{empty}\n")).is_ok());
    assert!(Checkpoint::parse_body(&format!("o\n18446744073709551615\n{root}\n")).is_ok());
    let short_root = B64.encode(&root_of(1)[..31]);
    let cases = [
        (format!("o\n7\n{root}"), "no final newline"),
        ("o\n7\n".to_string(), "two lines"),
        (format!("\n7\n{root}\n"), "empty origin"),
        (format!("o\n07\n{root}\n"), "leading zero"),
        (format!("o\n-7\n{root}\n"), "negative"),
        (format!("o\n+7\n{root}\n"), "plus sign"),
        (format!("o\n 7\n{root}\n"), "space"),
        (format!("o\n\n{root}\n"), "empty size"),
        (format!("o\n18446744073709551616\n{root}\n"), "past 64 bits"),
        (format!("o\n7\n{short_root}\n"), "31-byte root"),
        (format!("o\n7\n{}\n", root.trim_end_matches('=')), "unpadded root"),
        (format!("o\n7\n{root}\n\nextension\n"), "empty extension line"),
        (format!("o\n0\n{root}\n"), "size 0 without the empty root"),
        (format!("o\n7\n{root}\nex\ttension\n"), "tab in an extension"),
    ];
    for (body, why) in cases {
        assert!(Checkpoint::parse_body(&body).is_err(), "{why} was accepted");
    }
    assert!(Checkpoint::new("vigie.example/log", 0, root_of(1)).is_err());
    assert!(Checkpoint::new("vigie example", 1, root_of(1)).is_err());
    assert!(Checkpoint::new("a", 1, root_of(1)).unwrap().with_extension("").is_err());
    assert!(Checkpoint::new("a", 1, root_of(1)).unwrap().with_extension("two\nlines").is_err());
}

#[test]
fn a_cosignature_signs_the_specified_message_and_carries_its_time() {
    let log = key("vigie.example/log", 5);
    let witness = key("witness.example/w1", 6);
    let cp = Checkpoint::new("vigie.example/log", 12, root_of(1)).unwrap().with_extension("ext").unwrap();
    let t = 1_779_573_024;
    let line = cosign(&cp, &witness, t).unwrap();
    assert_eq!(line.key_id(), witness.cosigner_verifier().key_id());
    assert_eq!(line.signature().len(), 72);
    assert_eq!(&line.signature()[..8], &t.to_be_bytes());
    assert_eq!(verify_cosignature(&cp, &line, &witness.cosigner_verifier()), Ok(t));

    // The message is exactly `cosignature/v1\ntime <t>\n` and the whole body, extension included.
    let expected = format!("cosignature/v1\ntime {t}\nvigie.example/log\n12\n{}\next\n", B64.encode(root_of(1)));
    assert_eq!(signed_message(&cp.body(), t), expected.as_bytes());
    let raw = ed25519_dalek::VerifyingKey::from_bytes(&witness.cosigner_verifier().public_key()).unwrap();
    let sig = ed25519_dalek::Signature::from_slice(&line.signature()[8..]).unwrap();
    raw.verify_strict(expected.as_bytes(), &sig).unwrap();

    // Another time, another body, another key: refused.
    let mut moved = line.signature().to_vec();
    moved[..8].copy_from_slice(&(t + 1).to_be_bytes());
    let moved = NoteSignature::new(line.name(), line.key_id(), moved).unwrap();
    assert_eq!(verify_cosignature(&cp, &moved, &witness.cosigner_verifier()), Err(CosignatureError::Invalid));
    let other = Checkpoint::new("vigie.example/log", 12, root_of(1)).unwrap();
    assert_eq!(verify_cosignature(&other, &line, &witness.cosigner_verifier()), Err(CosignatureError::Invalid));
    assert_eq!(verify_cosignature(&cp, &line, &witness.verifier()), Err(CosignatureError::NotACosignerKey));
    assert!(matches!(
        verify_cosignature(&cp, &line, &key("witness.example/w2", 7).cosigner_verifier()),
        Err(CosignatureError::OtherKey { .. })
    ));
    // A log's plain signature is no cosignature, even by the same key pair.
    let plain = log.sign_text(&cp.body());
    let as_cosigner =
        VerifierKey::new("vigie.example/log", KeyType::CosignatureV1, &log.verifier().public_key()).unwrap();
    assert!(verify_cosignature(&cp, &plain, &as_cosigner).is_err());

    // Times past 2^63 - 1 are neither made nor accepted.
    assert_eq!(cosign(&cp, &witness, MAX_TIMESTAMP + 1), Err(CosignatureError::TimeOutOfRange(MAX_TIMESTAMP + 1)));
    assert!(cosign(&cp, &witness, MAX_TIMESTAMP).is_ok());
}

#[test]
fn a_signed_checkpoint_carries_its_witnesses_and_a_bad_cosignature_is_an_error() {
    let log = key("vigie.example/log", 5);
    let (w1, w2, w3) = (key("w1.example", 6), key("w2.example", 7), key("w3.example", 8));
    let cp = Checkpoint::new("vigie.example/log", 3, root_of(2)).unwrap();
    let mut signed = cp.sign(&log).unwrap();
    signed.add_signature(cosign(&cp, &w1, 100).unwrap()).unwrap();
    signed.add_signature(cosign(&cp, &w2, 101).unwrap()).unwrap();
    let text = signed.encode();
    let opened = Checkpoint::open(text.as_bytes(), "vigie.example/log", &[log.verifier()]).unwrap();
    let by = opened.witnessed_by(&[w1.cosigner_verifier(), w2.cosigner_verifier(), w3.cosigner_verifier()]).unwrap();
    let names: Vec<(&str, u64)> = by.iter().map(|w| (w.witness.as_str(), w.time)).collect();
    assert_eq!(names, [("w1.example", 100), ("w2.example", 101)]);
    // The log key opens it even with the cosignatures present; a witness key alone does not open it.
    assert!(Checkpoint::open(text.as_bytes(), "vigie.example/log", &[w1.cosigner_verifier()]).is_err());

    // A cosignature by a known witness over another checkpoint is an error, not a silent skip.
    let other = Checkpoint::new("vigie.example/log", 4, root_of(3)).unwrap();
    let mut mixed = cp.sign(&log).unwrap();
    mixed.add_signature(cosign(&other, &w1, 100).unwrap()).unwrap();
    assert!(matches!(mixed.witnessed_by(&[w1.cosigner_verifier()]), Err(CosignatureError::InvalidBy { .. })));
}
