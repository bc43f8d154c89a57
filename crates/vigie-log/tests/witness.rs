//! The witness's rules, refusal by refusal, with real trees, real signatures and real proofs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use vigie_log::witness::{MAX_PROOF_HASHES, RequestError, WitnessError};
use vigie_log::{
    AddCheckpoint, Checkpoint, ForkKind, Hash, MemoryStore, Refusal, SignedCheckpoint, SignerKey, Tree, Witness,
    verify_cosignature,
};

const ORIGIN: &str = "vigie.example/log";
const T0: u64 = 1_800_000_000;
const MAX_STALENESS: u64 = 3600;

fn log_key() -> SignerKey {
    SignerKey::from_seed(ORIGIN, &[1; 32]).unwrap()
}

fn witness() -> Witness {
    let mut w = Witness::new(SignerKey::from_seed("witness.example/w1", &[2; 32]).unwrap());
    w.watch(ORIGIN, vec![log_key().verifier()], T0).unwrap();
    w
}

/// A log's tree; `fork` changes its leaves from that index on (another history).
fn tree(size: u64, fork: Option<u64>) -> Tree<MemoryStore> {
    let mut t = Tree::new(MemoryStore::new());
    for i in 0..size {
        let forked = fork.is_some_and(|f| i >= f);
        t.append(&[&i.to_be_bytes()[..], &[u8::from(forked)]].concat()).unwrap();
    }
    t
}

fn checkpoint(t: &Tree<MemoryStore>, size: u64, key: &SignerKey) -> SignedCheckpoint {
    Checkpoint::new(ORIGIN, size, t.root_at(size).unwrap()).unwrap().sign(key).unwrap()
}

fn add(w: &mut Witness, old: u64, proof: &[Hash], cp: &SignedCheckpoint, now: u64) -> Result<(), Refusal> {
    let line = w.add_checkpoint(old, proof, cp.encode().as_bytes(), now)?;
    // Every cosignature given verifies with the witness's key and carries `now`.
    assert_eq!(verify_cosignature(cp.checkpoint(), &line, &w.verifier()), Ok(now));
    Ok(())
}

fn latest(w: &Witness) -> Option<SignedCheckpoint> {
    w.log(ORIGIN).unwrap().latest().cloned()
}

#[test]
fn a_log_that_grows_consistently_is_cosigned_each_time() {
    let mut w = witness();
    let t = tree(1000, None);
    let key = log_key();
    add(&mut w, 0, &[], &checkpoint(&t, 10, &key), T0 + 1).unwrap();
    let mut last = 10;
    for (i, size) in [11u64, 16, 17, 300, 301, 999, 1000].into_iter().enumerate() {
        let proof = t.consistency_proof(last, size).unwrap();
        add(&mut w, last, &proof, &checkpoint(&t, size, &key), T0 + 10 + i as u64).unwrap();
        assert_eq!(w.log(ORIGIN).unwrap().latest_size(), size);
        last = size;
    }
    // The same checkpoint again is cosigned again (it is still the largest seen).
    add(&mut w, 1000, &[], &checkpoint(&t, 1000, &key), T0 + 100).unwrap();
    assert_eq!(w.log(ORIGIN).unwrap().seen_at(), Some(T0 + 100));
    assert_eq!(w.log(ORIGIN).unwrap().grew_at(), T0 + 16, "no growth since");
}

#[test]
fn an_unknown_log_and_a_bad_signature_are_refused_and_change_nothing() {
    let mut w = witness();
    let t = tree(8, None);
    add(&mut w, 0, &[], &checkpoint(&t, 4, &log_key()), T0).unwrap();
    let before = latest(&w);

    let stranger = SignerKey::from_seed("other.example/log", &[3; 32]).unwrap();
    let other_log = Checkpoint::new("other.example/log", 8, t.root()).unwrap().sign(&stranger).unwrap();
    let r = w.add_checkpoint(4, &[], other_log.encode().as_bytes(), T0).unwrap_err();
    assert_eq!((r.http_status(), &r), (404, &Refusal::UnknownLog { origin: "other.example/log".into() }));

    // Signed by a key of the right name that the witness does not know (an impostor).
    let impostor = SignerKey::from_seed(ORIGIN, &[4; 32]).unwrap();
    let proof = t.consistency_proof(4, 8).unwrap();
    let r = w.add_checkpoint(4, &proof, checkpoint(&t, 8, &impostor).encode().as_bytes(), T0).unwrap_err();
    assert!(matches!(r, Refusal::BadSignature(_)) && r.http_status() == 403, "{r:?}");

    // A known key's signature over another text.
    let good = checkpoint(&t, 8, &log_key()).encode();
    let tampered = good.replacen("\n8\n", "\n9\n", 1);
    let r = w.add_checkpoint(4, &proof, tampered.as_bytes(), T0).unwrap_err();
    assert!(matches!(r, Refusal::BadSignature(_)), "{r:?}");

    // Not a checkpoint at all.
    let r = w.add_checkpoint(4, &proof, b"hello\n", T0).unwrap_err();
    assert!(matches!(r, Refusal::Malformed(_)) && r.http_status() == 400, "{r:?}");
    assert_eq!(latest(&w), before, "refusals record nothing");
}

#[test]
fn sizes_that_do_not_follow_the_latest_are_refused() {
    let mut w = witness();
    let t = tree(64, None);
    let key = log_key();
    add(&mut w, 0, &[], &checkpoint(&t, 20, &key), T0).unwrap();
    let before = latest(&w);

    // Smaller than the latest seen.
    let r = w.add_checkpoint(20, &[], checkpoint(&t, 10, &key).encode().as_bytes(), T0).unwrap_err();
    assert_eq!(r, Refusal::BadRequest("the old size is larger than the checkpoint's size"));
    let r = w.add_checkpoint(5, &t.consistency_proof(5, 10).unwrap(), checkpoint(&t, 10, &key).encode().as_bytes(), T0);
    assert_eq!(r.unwrap_err(), Refusal::Smaller { latest: 20, offered: 10 });

    // An old size that is not the latest seen: the log is told the latest.
    let cp30 = checkpoint(&t, 30, &key);
    let r = w.add_checkpoint(25, &t.consistency_proof(25, 30).unwrap(), cp30.encode().as_bytes(), T0).unwrap_err();
    assert_eq!((r.http_status(), &r), (409, &Refusal::OldSizeMismatch { latest: 20 }));
    let r = w.add_checkpoint(0, &[], cp30.encode().as_bytes(), T0).unwrap_err();
    assert_eq!(r, Refusal::OldSizeMismatch { latest: 20 });

    // Malformed requests.
    let long = vec![[0u8; 32]; MAX_PROOF_HASHES + 1];
    assert!(matches!(w.add_checkpoint(20, &long, cp30.encode().as_bytes(), T0), Err(Refusal::BadRequest(_))));
    assert!(matches!(w.add_checkpoint(0, &[[0; 32]], cp30.encode().as_bytes(), T0), Err(Refusal::BadRequest(_))));
    let cp20 = checkpoint(&t, 20, &key);
    assert!(matches!(w.add_checkpoint(20, &[[0; 32]], cp20.encode().as_bytes(), T0), Err(Refusal::BadRequest(_))));
    assert_eq!(latest(&w), before);
}

#[test]
fn two_roots_for_one_size_are_a_fork_with_both_checkpoints_as_evidence() {
    let mut w = witness();
    let key = log_key();
    let honest = tree(40, None);
    let forked = tree(40, Some(25));
    add(&mut w, 0, &[], &checkpoint(&honest, 30, &key), T0).unwrap();
    let before = latest(&w);

    let other = checkpoint(&forked, 30, &key);
    let r = w.add_checkpoint(30, &[], other.encode().as_bytes(), T0 + 5).unwrap_err();
    assert_eq!(r.http_status(), 409);
    let fork = r.fork().expect("an alarm");
    assert_eq!(fork.kind, ForkKind::SameSizeDifferentRoot);
    assert_eq!((fork.origin.as_str(), fork.at), (ORIGIN, T0 + 5));
    // The evidence stands on its own: both open with the log's key, same size, different roots.
    for cp in [&fork.previous, &fork.offered] {
        Checkpoint::open(cp.encode().as_bytes(), ORIGIN, &[key.verifier()]).unwrap();
    }
    assert_eq!(fork.previous.checkpoint().size(), fork.offered.checkpoint().size());
    assert_ne!(fork.previous.checkpoint().root(), fork.offered.checkpoint().root());
    assert_eq!(latest(&w), before, "the witness keeps the history it saw first");
}

#[test]
fn a_larger_checkpoint_that_does_not_extend_the_latest_is_a_fork() {
    let mut w = witness();
    let key = log_key();
    let honest = tree(40, None);
    let forked = tree(40, Some(25)); // rewrites leaves 25.. : events edited or removed
    add(&mut w, 0, &[], &checkpoint(&honest, 30, &key), T0).unwrap();
    let before = latest(&w);
    let forked_cp = checkpoint(&forked, 40, &key);

    // The forked log's own proof leads from its own root at 30, not from the one the witness saw.
    let r = w.add_checkpoint(30, &forked.consistency_proof(30, 40).unwrap(), forked_cp.encode().as_bytes(), T0);
    let r = r.unwrap_err();
    let fork = r.fork().expect("an alarm");
    assert!(matches!(fork.kind, ForkKind::InconsistentProof(_)), "{:?}", fork.kind);
    assert_eq!(r.http_status(), 422);
    assert_eq!(fork.proof, forked.consistency_proof(30, 40).unwrap());
    // The honest proof does not lead to the forked root either.
    let r = w.add_checkpoint(30, &honest.consistency_proof(30, 40).unwrap(), forked_cp.encode().as_bytes(), T0);
    assert!(matches!(r.unwrap_err().fork().map(|f| f.kind), Some(ForkKind::InconsistentProof(_))));
    // A truncated log (leaves removed, then regrown) is the same.
    let truncated = tree(40, Some(29));
    let cp = checkpoint(&truncated, 35, &key);
    let r = w.add_checkpoint(30, &truncated.consistency_proof(30, 35).unwrap(), cp.encode().as_bytes(), T0);
    assert!(r.unwrap_err().fork().is_some());
    assert_eq!(latest(&w), before);
    // The honest continuation is still cosigned.
    add(&mut w, 30, &honest.consistency_proof(30, 40).unwrap(), &checkpoint(&honest, 40, &key), T0 + 1).unwrap();
}

#[test]
fn a_log_that_stops_growing_is_stale() {
    let mut w = witness();
    let key = log_key();
    let t = tree(100, None);
    // Watched but never seen: stale once the allowance has passed since watching began.
    assert_eq!(w.check_staleness(ORIGIN, T0 + MAX_STALENESS, MAX_STALENESS), Some(Ok(())));
    let stale = w.check_staleness(ORIGIN, T0 + MAX_STALENESS + 1, MAX_STALENESS).unwrap().unwrap_err();
    assert_eq!((stale.size, stale.grew_at, stale.seen_at), (0, T0, None));
    assert_eq!(w.check_staleness("not.watched", T0, MAX_STALENESS), None);

    let t1 = T0 + 10;
    add(&mut w, 0, &[], &checkpoint(&t, 50, &key), t1).unwrap();
    assert_eq!(w.check_staleness(ORIGIN, t1 + MAX_STALENESS, MAX_STALENESS), Some(Ok(())));
    // The same checkpoint again is seen, but the log has not grown.
    add(&mut w, 50, &[], &checkpoint(&t, 50, &key), t1 + 3000).unwrap();
    let stale = w.check_staleness(ORIGIN, t1 + MAX_STALENESS + 1, MAX_STALENESS).unwrap().unwrap_err();
    assert_eq!((stale.size, stale.grew_at, stale.seen_at), (50, t1, Some(t1 + 3000)));
    assert_eq!(w.stale_logs(t1 + MAX_STALENESS + 1, MAX_STALENESS), vec![stale]);
    // Growth resets it.
    let t2 = t1 + MAX_STALENESS + 2;
    add(&mut w, 50, &t.consistency_proof(50, 51).unwrap(), &checkpoint(&t, 51, &key), t2).unwrap();
    assert_eq!(w.check_staleness(ORIGIN, t2 + 1, MAX_STALENESS), Some(Ok(())));
    assert!(w.stale_logs(t2 + 1, MAX_STALENESS).is_empty());
}

#[test]
fn a_restored_witness_goes_on_from_what_it_had_recorded() {
    let key = log_key();
    let t = tree(20, None);
    let mut first = witness();
    add(&mut first, 0, &[], &checkpoint(&t, 12, &key), T0).unwrap();
    let record = first.log(ORIGIN).unwrap();
    let (saved, grew_at, seen_at) = (record.latest().unwrap().clone(), record.grew_at(), record.seen_at());

    let mut second = witness();
    second.restore(saved, grew_at, seen_at).unwrap();
    assert_eq!(second.log(ORIGIN).unwrap().latest_size(), 12);
    assert_eq!(
        second.add_checkpoint(0, &[], checkpoint(&t, 20, &key).encode().as_bytes(), T0).unwrap_err(),
        Refusal::OldSizeMismatch { latest: 12 }
    );
    add(&mut second, 12, &t.consistency_proof(12, 20).unwrap(), &checkpoint(&t, 20, &key), T0 + 1).unwrap();

    // A record that does not open with the log's keys is not restored.
    let impostor = SignerKey::from_seed(ORIGIN, &[9; 32]).unwrap();
    let mut third = witness();
    assert!(matches!(third.restore(checkpoint(&t, 12, &impostor), T0, None), Err(WitnessError::BadRestore(_))));
}

#[test]
fn watching_needs_log_keys_named_after_the_origin() {
    let mut w = Witness::new(SignerKey::from_seed("w", &[2; 32]).unwrap());
    assert_eq!(w.watch(ORIGIN, vec![], T0), Err(WitnessError::NoKey));
    let cosigner = SignerKey::from_seed(ORIGIN, &[1; 32]).unwrap().cosigner_verifier();
    assert!(matches!(w.watch(ORIGIN, vec![cosigner], T0), Err(WitnessError::NotALogKey(_))));
    let misnamed = SignerKey::from_seed("other.example", &[1; 32]).unwrap().verifier();
    assert!(matches!(w.watch(ORIGIN, vec![misnamed], T0), Err(WitnessError::KeyNotOrigin { .. })));
    w.watch(ORIGIN, vec![log_key().verifier()], T0).unwrap();
    assert!(matches!(w.watch(ORIGIN, vec![log_key().verifier()], T0), Err(WitnessError::AlreadyWatched(_))));
    assert_eq!(w.logs().count(), 1);
}

/// The example request of `c2sp.org/tlog-witness`.
const SPEC_REQUEST: &str = "old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
\u{2014} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
";

#[test]
fn add_checkpoint_bodies_read_as_the_specification_writes_them() {
    let req = AddCheckpoint::parse(SPEC_REQUEST.as_bytes()).unwrap();
    assert_eq!(req.old_size, 20_852_014);
    assert_eq!(req.proof.len(), 4);
    assert_eq!(B64.encode(req.proof[3]), "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=");
    assert!(req.checkpoint.starts_with(b"example.com/behind-the-sofa\n20852163\n"));
    assert_eq!(req.encode(), SPEC_REQUEST.as_bytes());
    let note = vigie_log::Note::parse(&req.checkpoint).unwrap();
    assert_eq!(note.signatures().len(), 2);
    let cp = Checkpoint::parse_body(note.text()).unwrap();
    assert_eq!((cp.origin(), cp.size()), ("example.com/behind-the-sofa", 20_852_163));

    let no_proof = AddCheckpoint { old_size: 0, proof: vec![], checkpoint: b"cp\n".to_vec() };
    assert_eq!(no_proof.encode(), b"old 0\n\ncp\n");
    assert_eq!(AddCheckpoint::parse(&no_proof.encode()).unwrap(), no_proof);

    let line = "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n";
    let cases: Vec<(String, RequestError)> = vec![
        ("old 01\n\ncp\n".into(), RequestError::BadOldSize),
        ("old\n\ncp\n".into(), RequestError::BadOldSize),
        ("new 1\n\ncp\n".into(), RequestError::BadOldSize),
        ("old -1\n\ncp\n".into(), RequestError::BadOldSize),
        ("old 1\nPlRN\n\ncp\n".into(), RequestError::BadProofLine(1)),
        (format!("old 1\n{line}{line}"), RequestError::NoCheckpoint),
        (format!("old 1\n{}\ncp\n", line.repeat(64)), RequestError::TooManyProofHashes),
    ];
    for (body, err) in cases {
        assert_eq!(AddCheckpoint::parse(body.as_bytes()), Err(err), "{body:?}");
    }
    assert_eq!(AddCheckpoint::parse(format!("old 1\n{}\ncp\n", line.repeat(63)).as_bytes()).unwrap().proof.len(), 63);
    assert!(matches!(
        AddCheckpoint::parse(&vec![b'a'; AddCheckpoint::MAX_BYTES + 1]),
        Err(RequestError::TooLarge { .. })
    ));
}
