//! The in-memory matcher: every live bank entry in one index per signal type, shared by all
//! organisations, with the bank settings and shares needed to filter a lookup to its caller.
//!
//! The store is the truth; the matcher is a copy kept current by applying each committed change
//! in commit order (see `vigie_store::Store::write_applied`), so an entry is matchable as soon as
//! the call that added it returns. Lookups take a read lock; changes take the write lock for
//! microseconds per entry (imports apply in chunks), so lookups go on while a bank grows.
//!
//! Disabled, timed-disabled, quarantined and removed entries stay in the index and are filtered
//! per lookup: a change of state is one field, never a rebuild.
//!
//! Banked videos (vPDQ) have their own index ([`vigie_video::VideoIndex`]: every banked video's
//! frames in one PDQ index, the percentages of python-threatexchange's rule computed from the
//! frame pairs it finds), searched once per set of bank thresholds among the banks a lookup may
//! use. It is not in the snapshot: it is rebuilt from the store's video entries at start. URL
//! entries are exact keys (the SHA-256 of the canonical URL; python-threatexchange's MD5), also
//! left out of the snapshot and reloaded, as are texts: a near-duplicate index of `raw_text`
//! entries (`vigie_text::TextIndex`, MinHash with banding, candidates verified) and a scan of
//! `text_tlsh` digests under python-threatexchange's rule. Text hits are for review only.
//!
//! Banked TMK+PDQF videos keep only their level-1 vector here (the pure average, 1 KB each:
//! [`vigie_hash::tmk::index::TmkIndex`]) and their file's SHA-256; a TMK lookup scans level 1
//! exactly ([`Matcher::tmk_candidates`]) and the caller scores level 2 on the survivors with their
//! full features read from the store (263 KB each, never all in memory). They are not in the
//! snapshot: their vectors are reloaded from the store at start.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use vigie_hash::tmk::{Incompatible, TmkFeatures, index::TmkIndex};
use vigie_hash::vpdq::{Comparison, Feature, Thresholds};
use vigie_index::{Code, Index, Mih};
use vigie_model::bank::{Access, BankSpec, EntryState, ShareMode, SignalType};
use vigie_model::{BankId, OrgId, Timestamp};
use vigie_store::{BankEntryRecord, BankRecord, BankShareRecord};
use vigie_video::index::{Segment, VideoIndex};

use super::video::features_of_value;

/// A bank as the matcher knows it.
#[derive(Clone, Debug)]
pub struct BankMeta {
    pub id: BankId,
    pub owner: OrgId,
    pub spec: BankSpec,
    pub shares: HashMap<OrgId, ShareMode>,
    pub deleted: bool,
}

impl BankMeta {
    /// What `org` may do with the bank; `None`: it does not know the bank exists.
    pub fn access(&self, org: &OrgId) -> Option<Access> {
        if self.deleted {
            None
        } else if &self.owner == org {
            Some(Access::Own)
        } else {
            self.shares.get(org).map(|m| Access::from_share(*m))
        }
    }
}

/// The parts of the matcher a snapshot holds (`snapshot.rs` writes and reads them).
pub(crate) struct Image {
    pub(crate) seq: i64,
    pub(crate) banks: Vec<BankId>,
    pub(crate) pdq: Mih,
    pub(crate) pdq_slots: Vec<Slot>,
    pub(crate) md5: Exact<16>,
    pub(crate) sha256: Exact<32>,
}

/// One entry's place in an index. Slots are appended in entry-id order (the order of commits),
/// so an entry's slot is found by binary search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) entry: i64,
    pub(crate) bank: u32,
    /// Micros; `i64::MIN` when never disabled (see `EntryState::at`).
    pub(crate) disabled_until: i64,
    pub(crate) quarantined: bool,
    pub(crate) removed: bool,
}

impl Slot {
    fn live(&self, now: Timestamp) -> bool {
        EntryState::at(self.removed, self.quarantined, Some(Timestamp::from_micros(self.disabled_until)), now).matches()
    }
}

/// An exact-digest index and its slots (entry `i` of the index is slot `i`).
#[derive(Clone, Default)]
pub(crate) struct Exact<const N: usize> {
    pub(crate) index: vigie_index::Exact<N>,
    pub(crate) slots: Vec<Slot>,
}

struct State {
    banks: Vec<BankMeta>,
    bank_pos: HashMap<BankId, u32>,
    pdq: Mih,
    pdq_slots: Vec<Slot>,
    md5: Exact<16>,
    sha256: Exact<32>,
    /// Banked videos: video `i` of the index is slot `i`.
    vpdq: VideoIndex,
    vpdq_slots: Vec<Slot>,
    /// URLs: by the SHA-256 of their canonical form, and python-threatexchange's MD5.
    url: Exact<32>,
    url_md5: Exact<16>,
    /// Texts: `raw_text` entries by their slot's position, and `text_tlsh` digests beside theirs.
    text: vigie_text::TextIndex<u32>,
    text_slots: Vec<Slot>,
    tlsh: Vec<vigie_text::Tlsh>,
    tlsh_slots: Vec<Slot>,
    /// TMK+PDQF: the banked videos' level-1 vectors (video `i` of the index is slot `i`) and the
    /// SHA-256 of each one's `.tmk` file, by which the store gives its full features.
    tmk: TmkIndex,
    tmk_slots: Vec<Slot>,
    tmk_files: Vec<[u8; 32]>,
    /// When the matcher last applied a change.
    updated_at: Option<Timestamp>,
    /// The largest `changed_seq` applied: every change up to it is in the matcher.
    applied_seq: i64,
    /// Entries refused because they arrived out of id order (always 0 unless a bug).
    out_of_order: u64,
    /// The number of PDQ codes the index's tables were chosen for.
    laid_for: usize,
    /// Changes when the whole state is replaced, so a background layout of the old one is dropped.
    generation: u64,
}

/// What to look for.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// One PDQ hash, or the eight dihedral variants (the first is the original): of what the
    /// eye sees, when Vigie hashed the media.
    pub pdq: Vec<Code>,
    /// python-threatexchange's PDQ hash of the same media, where its convention gives another
    /// hash (`vigie_hash::ImageHashes::pdq_pytx`): looked up too, so that banks built by HMA
    /// match.
    pub pdq_pytx: Option<Code>,
    pub md5: Option<[u8; 16]>,
    pub sha256: Option<[u8; 32]>,
    /// A video's vPDQ frames (empty: not a video lookup).
    pub vpdq: Vec<Feature>,
    /// URLs: the SHA-256 of each one's canonical form ([`url_key`]) and the MD5 of its
    /// python-threatexchange form, in the same order; a hit's `variant` says which.
    pub urls: Vec<[u8; 32]>,
    pub url_md5s: Vec<[u8; 16]>,
    /// A text (a post, a notice's statement), looked up by near-duplicate similarity and by its
    /// TLSH.
    pub text: Option<String>,
    /// A TLSH digest alone (python-threatexchange's `text_tlsh` lookup).
    pub text_tlsh: Option<vigie_text::Tlsh>,
}

/// A link's two keys: its canonical form's ([`url_key`]) and python-threatexchange's `url_md5`.
pub fn link_keys(raw: &str) -> Result<([u8; 32], [u8; 16]), vigie_model::location::UrlError> {
    let canonical = vigie_model::location::CanonicalUrl::parse(raw)?;
    let md5 = vigie_hash::md5_hex(vigie_model::bank::url::pytx_normalise(raw).as_bytes());
    let mut bytes = [0u8; 16];
    hex::decode_to_slice(md5, &mut bytes).expect("an MD5 is 32 hex digits");
    Ok((url_key(canonical.as_str()), bytes))
}

/// A canonical URL's key in the index: the SHA-256 of its form without the scheme, so that the
/// same page over http and https is one entry.
pub fn url_key(canonical: &str) -> [u8; 32] {
    use sha2::Digest as _;
    let rest = canonical.strip_prefix("https://").or_else(|| canonical.strip_prefix("http://")).unwrap_or(canonical);
    sha2::Sha256::digest(rest.as_bytes()).into()
}

impl Query {
    /// The lookup for a hashed image: its PDQ hashes of quality 50 or more, the eye's and
    /// python-threatexchange's when it differs; `None` when neither is reliable.
    pub fn of_image(h: &vigie_hash::ImageHashes) -> Option<Query> {
        let code = |p: &vigie_hash::Pdq| p.is_reliable().then(|| vigie_index::code_from_bytes(p.hash.as_bytes()));
        let q = Query {
            pdq: code(&h.pdq).into_iter().collect(),
            pdq_pytx: h.pdq_pytx.as_ref().and_then(code),
            ..Default::default()
        };
        (!q.pdq.is_empty() || q.pdq_pytx.is_some()).then_some(q)
    }
}

/// Which banks a lookup searches.
#[derive(Clone, Debug)]
pub struct Scope<'a> {
    pub org: &'a OrgId,
    /// Only these banks (by id), when the caller names some.
    pub only: Option<&'a [BankId]>,
    /// HMA's sampling: skip banks whose `enabled_ratio` loses this lookup's coin flip
    /// (`coin` in 0..1, so a ratio of 0 always loses); `None` bypasses it and searches them all.
    pub coin: Option<f64>,
    /// Search disabled and timed-disabled entries too (HMA's raw lookup); never quarantined or
    /// removed ones.
    pub include_disabled: bool,
}

/// One entry within its bank's threshold.
#[derive(Clone, Debug)]
pub struct Hit {
    pub bank: BankMeta,
    pub access: Access,
    pub entry: i64,
    pub signal_type: SignalType,
    pub distance: u32,
    /// Which query hash matched (0 unless dihedral variants were given).
    pub variant: usize,
    /// The match came from the query's `pdq_pytx`.
    pub pytx: bool,
    /// For a banked video: how the videos compare.
    pub video: Option<VideoHit>,
    /// For a banked text: its similarity with the query (0 to 1; `raw_text`), the TLSH distance
    /// being `distance` (`text_tlsh`).
    pub similarity: Option<f64>,
    /// A still matched one frame of a video: the frame's time (seconds) in the banked video (an
    /// image query and a `vpdq` entry) or in the query's video (a video query and a `pdq` entry).
    pub frame_at: Option<f64>,
    /// For a banked TMK+PDQF video: its two scores with the query.
    pub tmk: Option<TmkScores>,
}

/// How a query video's TMK+PDQF compares with a banked one's (`tmk-two-level-score`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TmkScores {
    /// The cosine of the pure averages.
    pub level1: f32,
    /// The best time alignment; 0 until it is scored (only candidates past level 1 are).
    pub level2: f32,
}

/// A banked TMK video past its bank's level-1 threshold, to score at level 2 with its file.
#[derive(Clone, Debug)]
pub struct TmkCandidate {
    pub hit: Hit,
    /// Lower-case hex of the SHA-256 of its `.tmk` file (the entry's value).
    pub sha256: String,
    /// Its bank's level-2 threshold.
    pub level2_threshold: f32,
}

/// How a query video compares with a banked one (the hit's `distance` is 0 for them).
#[derive(Clone, Debug, PartialEq)]
pub struct VideoHit {
    pub comparison: Comparison,
    /// The whole videos match under the bank's thresholds (python-threatexchange's decision).
    pub is_match: bool,
    /// The banked video is inside a longer query, which does not match as a whole: a clip, for
    /// review only, never for automatic action.
    pub is_clip: bool,
    /// Where they match: time ranges in the query and in the banked video.
    pub segments: Vec<Segment>,
}

impl Hit {
    /// Whether it is for a person to review, never automatic action: a banked video found as a
    /// clip inside the query, or a text.
    pub fn is_for_review(&self) -> bool {
        self.video.as_ref().is_some_and(|v| v.is_clip) || self.signal_type.is_text()
    }

    /// Which of the query's hashes matched: `pdq`, `pdq_pytx`, `md5`, `sha256` or `vpdq`.
    pub fn hash_name(&self) -> &'static str {
        match (self.signal_type, self.pytx) {
            (SignalType::Pdq, false) => "pdq",
            (SignalType::Pdq, true) => "pdq_pytx",
            (SignalType::Md5, _) => "md5",
            (SignalType::Sha256, _) => "sha256",
            (SignalType::Vpdq, _) => "vpdq",
            (SignalType::Url, _) => "url",
            (SignalType::UrlMd5, _) => "url_md5",
            (SignalType::RawText, _) => "raw_text",
            (SignalType::TextTlsh, _) => "text_tlsh",
            (SignalType::Tmk, _) => "tmk",
        }
    }
}

/// Sizes per signal type, for status pages.
#[derive(Clone, Debug)]
pub struct MatcherStatus {
    pub pdq: usize,
    pub md5: usize,
    pub sha256: usize,
    /// Banked videos.
    pub vpdq: usize,
    pub url: usize,
    pub url_md5: usize,
    pub raw_text: usize,
    pub text_tlsh: usize,
    /// Banked TMK+PDQF videos (their level-1 vectors).
    pub tmk: usize,
    pub banks: usize,
    pub updated_at: Option<Timestamp>,
}

pub struct Matcher {
    state: Arc<RwLock<State>>,
    /// Held by whoever changes entries (the store's writer, in commit order; the loader at
    /// start; the background layout when it swaps its copy in).
    mutating: Arc<Mutex<()>>,
    /// A background layout is running.
    laying_out: Arc<AtomicBool>,
}

fn write(state: &RwLock<State>) -> std::sync::RwLockWriteGuard<'_, State> {
    // A panic while holding the lock cannot leave a half-applied slot: every change is one push
    // or one field; keep serving.
    state.write().unwrap_or_else(|e| e.into_inner())
}

fn read(state: &RwLock<State>) -> std::sync::RwLockReadGuard<'_, State> {
    state.read().unwrap_or_else(|e| e.into_inner())
}

fn lock(m: &Mutex<()>) -> std::sync::MutexGuard<'_, ()> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn slot_of(slots: &[Slot], entry: i64) -> Option<usize> {
    slots.binary_search_by_key(&entry, |s| s.entry).ok()
}

fn decode<const N: usize>(hex_value: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(hex_value, &mut out).ok()?;
    Some(out)
}

impl Matcher {
    /// An empty matcher whose PDQ index is sized for about `expected` hashes.
    pub fn new(expected: usize) -> Self {
        Self {
            state: Arc::new(RwLock::new(State::empty(expected))),
            mutating: Arc::new(Mutex::new(())),
            laying_out: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Empties the matcher, sizing its PDQ index for about `expected` hashes.
    pub fn reset(&self, expected: usize) {
        let _serial = lock(&self.mutating);
        let generation = self.read().generation + 1;
        *self.write() = State { generation, ..State::empty(expected) };
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        write(&self.state)
    }
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        read(&self.state)
    }

    /// Adds or replaces a bank's settings.
    pub fn put_bank(&self, r: &BankRecord, shares: &[BankShareRecord], at: Timestamp) {
        let meta = BankMeta {
            id: r.id.clone(),
            owner: r.owner.clone(),
            spec: r.spec.clone(),
            shares: shares.iter().map(|s| (s.org.clone(), s.mode)).collect(),
            deleted: false,
        };
        let mut st = self.write();
        match st.bank_pos.get(&r.id) {
            Some(&i) => st.banks[i as usize] = meta,
            None => {
                let i = st.banks.len() as u32;
                st.banks.push(meta);
                st.bank_pos.insert(r.id.clone(), i);
            }
        }
        st.updated_at = Some(at);
    }

    /// Hides a deleted bank from every lookup.
    pub fn delete_bank(&self, id: &BankId, at: Timestamp) {
        let mut st = self.write();
        if let Some(&i) = st.bank_pos.get(id) {
            st.banks[i as usize].deleted = true;
        }
        st.updated_at = Some(at);
    }

    /// Adds entries, or updates the state of ones already in the index. Takes the write lock per
    /// chunk, so lookups interleave with a large import. New entries go to the index's tails and
    /// match at once; laying them out into its tables runs in the background, on a copy that is
    /// swapped in, so neither an add nor a lookup waits for it.
    pub fn apply_entries(&self, entries: &[BankEntryRecord], at: Timestamp) {
        self.apply(entries, at, true);
    }

    /// Like [`Matcher::apply_entries`], laying the tables out in place: for loading at start,
    /// when nothing waits on the index.
    pub(crate) fn load_entries(&self, entries: &[BankEntryRecord], at: Timestamp) {
        self.apply(entries, at, false);
    }

    fn apply(&self, entries: &[BankEntryRecord], at: Timestamp, background: bool) {
        let serial = lock(&self.mutating);
        let started = std::time::Instant::now();
        let mut codes = Vec::new();
        for chunk in entries.chunks(4096) {
            let mut st = self.write();
            for e in chunk {
                st.apply_entry(e, &mut codes);
            }
            st.updated_at = Some(at);
            // New PDQ codes go in once their slots are in place (slots beyond the index's
            // length are never looked at).
            if background {
                st.pdq.push_unmerged(codes.drain(..));
            } else {
                st.pdq.extend(codes.drain(..));
                let n = st.pdq.len();
                if n >= 4 * st.laid_for {
                    if Mih::tables_for(n) != st.pdq.tables() {
                        st.pdq = st.pdq.relaid();
                    }
                    st.laid_for = n;
                }
            }
        }
        drop(serial);
        if background {
            self.lay_out_in_background();
        }
        let took = started.elapsed();
        if took > std::time::Duration::from_millis(200) {
            tracing::info!(entries = entries.len(), ms = took.as_millis() as u64, "a bank index change took long");
        }
    }

    /// When the tails are due for layout (or the bank has outgrown its tables), starts a thread
    /// that lays out a copy of the index and swaps it in, with the codes added meanwhile.
    fn lay_out_in_background(&self) {
        let due = {
            let st = self.read();
            st.pdq.merge_due(0) || st.pdq.len() >= 4 * st.laid_for
        };
        if !due || self.laying_out.swap(true, Ordering::AcqRel) {
            return;
        }
        let (state, mutating, laying_out) = (self.state.clone(), self.mutating.clone(), self.laying_out.clone());
        let spawned = std::thread::Builder::new().name("vigie-index-layout".into()).spawn(move || {
            let started = std::time::Instant::now();
            // The copy is taken under the read lock: lookups go on; a change waits for the copy.
            let (mut copy, from, generation, grown) = {
                let st = read(&state);
                let n = st.pdq.len();
                (st.pdq.clone(), n, st.generation, n >= 4 * st.laid_for)
            };
            if grown && Mih::tables_for(from) != copy.tables() {
                copy = copy.relaid();
            } else {
                copy.merge_tails();
            }
            {
                let _serial = lock(&mutating);
                let mut st = write(&state);
                if st.generation == generation {
                    // Entries added while the copy was laid out join it, in order, in its tails.
                    let added: Vec<Code> = (from..st.pdq.len()).filter_map(|e| st.pdq.code(e as u32)).collect();
                    copy.push_unmerged(added);
                    st.pdq = copy;
                    if grown {
                        st.laid_for = from;
                    }
                }
            }
            laying_out.store(false, Ordering::Release);
            tracing::debug!(entries = from, ms = started.elapsed().as_millis() as u64, "bank index laid out");
        });
        if spawned.is_err() {
            tracing::warn!("could not start the index layout thread; the tails grow until the next change");
            self.laying_out.store(false, Ordering::Release);
        }
    }

    /// Waits until no background layout runs (tests, and the snapshot on a clean stop).
    pub fn wait_for_layout(&self) {
        while self.laying_out.load(Ordering::Acquire) {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// The largest change sequence applied, and how many entries were refused out of order.
    pub fn applied(&self) -> (i64, u64) {
        let st = self.read();
        (st.applied_seq, st.out_of_order)
    }

    /// A copy of the index parts, for a snapshot (taken under the read lock: lookups go on;
    /// changes wait for the copy, not for the disk).
    pub(crate) fn image(&self) -> Image {
        let st = self.read();
        Image {
            seq: st.applied_seq,
            banks: st.banks.iter().map(|b| b.id.clone()).collect(),
            pdq: st.pdq.clone(),
            pdq_slots: st.pdq_slots.clone(),
            md5: st.md5.clone(),
            sha256: st.sha256.clone(),
        }
    }

    /// Replaces the index with a snapshot's, with the banks' current settings from `banks`
    /// (a bank the snapshot knows and the store no longer has stays, deleted, so slots keep
    /// their bank positions).
    pub(crate) fn restore(&self, image: Image, banks: &[(BankRecord, Vec<BankShareRecord>)], at: Timestamp) {
        let serial = lock(&self.mutating);
        // An index saved while small keeps the tables it was made with; lay it out for its size.
        let pdq = if image.pdq.tables() == Mih::tables_for(image.pdq.len()) { image.pdq } else { image.pdq.relaid() };
        let mut st = self.write();
        st.banks.clear();
        st.bank_pos.clear();
        for id in image.banks {
            let meta = match banks.iter().find(|(b, _)| b.id == id) {
                Some((b, shares)) => BankMeta {
                    id: b.id.clone(),
                    owner: b.owner.clone(),
                    spec: b.spec.clone(),
                    shares: shares.iter().map(|s| (s.org.clone(), s.mode)).collect(),
                    deleted: false,
                },
                None => BankMeta {
                    id: id.clone(),
                    owner: OrgId::from_trusted(String::new()),
                    spec: BankSpec {
                        name: String::new(),
                        kind: vigie_model::bank::BankKind::Block,
                        threshold: 0,
                        stay_down: false,
                        enabled_ratio: 0.0,
                        labels: Default::default(),
                        description: None,
                        flood_limit: 0,
                        vpdq_query_percent: vigie_model::bank::DEFAULT_VPDQ_QUERY_PERCENT,
                        vpdq_compared_percent: vigie_model::bank::DEFAULT_VPDQ_COMPARED_PERCENT,
                        tmk_level1: vigie_model::bank::DEFAULT_TMK_LEVEL1,
                        tmk_level2: vigie_model::bank::DEFAULT_TMK_LEVEL2,
                    },
                    shares: HashMap::new(),
                    deleted: true,
                },
            };
            let pos = st.banks.len() as u32;
            st.bank_pos.insert(id, pos);
            st.banks.push(meta);
        }
        st.pdq = pdq;
        st.generation += 1;
        st.laid_for = st.pdq.len().max(1 << 16);
        st.pdq_slots = image.pdq_slots;
        st.md5 = image.md5;
        st.sha256 = image.sha256;
        // Videos are not in snapshots: the caller loads them from the store next.
        st.vpdq = VideoIndex::new();
        st.vpdq_slots.clear();
        st.url = Exact::default();
        st.url_md5 = Exact::default();
        st.text = vigie_text::TextIndex::new();
        st.text_slots.clear();
        st.tlsh.clear();
        st.tlsh_slots.clear();
        st.applied_seq = image.seq;
        st.updated_at = Some(at);
        drop(st);
        drop(serial);
        for (b, shares) in banks {
            self.put_bank(b, shares, at);
        }
    }

    pub fn status(&self) -> MatcherStatus {
        let st = self.read();
        MatcherStatus {
            pdq: st.pdq_slots.len(),
            md5: st.md5.slots.len(),
            sha256: st.sha256.slots.len(),
            vpdq: st.vpdq_slots.len(),
            url: st.url.slots.len(),
            url_md5: st.url_md5.slots.len(),
            raw_text: st.text_slots.len(),
            text_tlsh: st.tlsh_slots.len(),
            tmk: st.tmk_slots.len(),
            banks: st.banks.iter().filter(|b| !b.deleted).count(),
            updated_at: st.updated_at,
        }
    }

    /// The bank's settings, if `org` may know it exists.
    pub fn bank(&self, id: &BankId, org: &OrgId) -> Option<(BankMeta, Access)> {
        let st = self.read();
        let b = &st.banks[*st.bank_pos.get(id)? as usize];
        b.access(org).map(|a| (b.clone(), a))
    }

    /// The banks `org` may see, from memory (no store read on the lookup path).
    pub fn visible_banks(&self, org: &OrgId) -> Vec<(BankMeta, Access)> {
        let st = self.read();
        st.banks.iter().filter_map(|b| b.access(org).map(|a| (b.clone(), a))).collect()
    }

    /// Every entry within its bank's threshold of the query, in the banks `scope` allows,
    /// sorted by (distance, entry).
    pub fn lookup(&self, q: &Query, scope: &Scope<'_>, now: Timestamp) -> Vec<Hit> {
        let st = self.read();
        // The banks this lookup may search, by position; and the largest threshold among them.
        let usable = st.usable(scope);
        let radius = st.banks.iter().zip(&usable).filter(|(_, u)| u.is_some()).map(|(b, _)| b.spec.threshold).max();
        let Some(radius) = radius else { return Vec::new() };
        let live = |s: &Slot| {
            if scope.include_disabled { !s.removed && !s.quarantined } else { s.live(now) }
        };
        let mut hits = Vec::new();
        let mut push = |slot: &Slot, signal_type, distance, variant, pytx| {
            let within = signal_type != SignalType::Pdq || distance <= st.banks[slot.bank as usize].spec.threshold;
            if let Some(hit) = st.hit_on(slot, &usable, &live, signal_type, distance).filter(|_| within) {
                hits.push(Hit { variant, pytx, ..hit });
            }
        };
        let pdq = q.pdq.iter().enumerate().map(|(variant, code)| (variant, code, false));
        for (variant, code, pytx) in pdq.chain(q.pdq_pytx.iter().map(|code| (0, code, true))) {
            for m in st.pdq.query(code, radius) {
                push(&st.pdq_slots[m.entry as usize], SignalType::Pdq, m.distance, variant, pytx);
            }
        }
        if let Some(k) = &q.md5 {
            for &i in st.md5.index.get(k) {
                push(&st.md5.slots[i as usize], SignalType::Md5, 0, 0, false);
            }
        }
        if let Some(k) = &q.sha256 {
            for &i in st.sha256.index.get(k) {
                push(&st.sha256.slots[i as usize], SignalType::Sha256, 0, 0, false);
            }
        }
        for (i, k) in q.urls.iter().enumerate() {
            for &e in st.url.index.get(k) {
                push(&st.url.slots[e as usize], SignalType::Url, 0, i, false);
            }
        }
        for (i, k) in q.url_md5s.iter().enumerate() {
            for &e in st.url_md5.index.get(k) {
                push(&st.url_md5.slots[e as usize], SignalType::UrlMd5, 0, i, false);
            }
        }
        if !q.vpdq.is_empty() {
            hits.extend(st.video_hits(&q.vpdq, &usable, &live));
            hits.extend(st.stills_in_video(&q.vpdq, &usable, &live));
        }
        for code in q.pdq.iter().take(1).chain(q.pdq_pytx.iter()) {
            hits.extend(st.frames_of_still(code, radius, &usable, &live));
        }
        if q.text.is_some() || q.text_tlsh.is_some() {
            let digest = q.text_tlsh.or_else(|| q.text.as_deref().and_then(|t| vigie_text::Tlsh::of(t.as_bytes())));
            hits.extend(st.text_hits(q.text.as_deref(), digest.as_ref(), &usable, &live));
        }
        // One hit per entry: the closest hash (the eye's first, then the original variant).
        hits.sort_by_key(|h| (h.entry, h.distance, h.pytx, h.variant));
        hits.dedup_by_key(|h| h.entry);
        hits.sort_by_key(|h| (h.distance, h.entry));
        hits
    }
}

impl Matcher {
    /// Adds TMK entries with their files' level-1 vectors (little-endian `f32`s, as the store
    /// keeps them), or updates the state of ones already in the index.
    pub fn apply_tmk(&self, entries: &[(BankEntryRecord, Vec<f32>)], at: Timestamp) {
        let _serial = lock(&self.mutating);
        for chunk in entries.chunks(4096) {
            let mut st = self.write();
            for (e, level1) in chunk {
                st.apply_tmk(e, level1);
            }
            st.updated_at = Some(at);
        }
    }

    /// Level 1 of a TMK lookup: the banked videos, in the banks `scope` allows, whose level-1
    /// score with `query` reaches their own bank's level-1 threshold, in the order they were
    /// added. The caller scores level 2 on these with their files.
    pub fn tmk_candidates(
        &self,
        query: &TmkFeatures,
        scope: &Scope<'_>,
        now: Timestamp,
    ) -> Result<Vec<TmkCandidate>, Incompatible> {
        let st = self.read();
        let usable = st.usable(scope);
        let min = st
            .banks
            .iter()
            .zip(&usable)
            .filter(|(_, u)| u.is_some())
            .map(|(b, _)| b.spec.tmk_level1 as f32)
            .reduce(f32::min);
        let Some(min) = min else { return Ok(Vec::new()) };
        let live = |s: &Slot| {
            if scope.include_disabled { !s.removed && !s.quarantined } else { s.live(now) }
        };
        let mut out = Vec::new();
        for (video, level1) in st.tmk.level1_at_least(query, min)? {
            let slot = &st.tmk_slots[video as usize];
            let spec = &st.banks[slot.bank as usize].spec;
            // `tmk-two-level-score` compares in `f32`, thresholds too.
            if level1 < spec.tmk_level1 as f32 {
                continue;
            }
            let level2_threshold = spec.tmk_level2 as f32;
            if let Some(hit) = st.hit_on(slot, &usable, &live, SignalType::Tmk, 0) {
                out.push(TmkCandidate {
                    hit: Hit { tmk: Some(TmkScores { level1, level2: 0.0 }), ..hit },
                    sha256: hex::encode(st.tmk_files[video as usize]),
                    level2_threshold,
                });
            }
        }
        Ok(out)
    }
}

impl State {
    /// The banks a lookup in `scope` may search, by position, with what it may do with each.
    fn usable(&self, scope: &Scope<'_>) -> Vec<Option<Access>> {
        self.banks
            .iter()
            .map(|b| {
                let access = b.access(scope.org)?;
                if scope.only.is_some_and(|only| !only.contains(&b.id)) {
                    return None;
                }
                let sampled_in = scope.coin.is_none_or(|coin| coin < b.spec.enabled_ratio);
                sampled_in.then_some(access)
            })
            .collect()
    }

    fn empty(expected: usize) -> Self {
        State {
            banks: Vec::new(),
            bank_pos: HashMap::new(),
            pdq: Mih::for_size(expected.max(1 << 16)),
            pdq_slots: Vec::new(),
            md5: Exact::default(),
            sha256: Exact::default(),
            vpdq: VideoIndex::new(),
            vpdq_slots: Vec::new(),
            url: Exact::default(),
            url_md5: Exact::default(),
            text: vigie_text::TextIndex::new(),
            text_slots: Vec::new(),
            tlsh: Vec::new(),
            tlsh_slots: Vec::new(),
            tmk: TmkIndex::standard(),
            tmk_slots: Vec::new(),
            tmk_files: Vec::new(),
            updated_at: None,
            applied_seq: 0,
            out_of_order: 0,
            laid_for: expected.max(1 << 16),
            generation: 0,
        }
    }

    /// Applies one entry; a new PDQ entry's code is pushed on `new_codes` (its slot is already
    /// in place), for the caller to add to the index before anyone looks.
    fn apply_entry(&mut self, e: &BankEntryRecord, new_codes: &mut Vec<Code>) {
        self.applied_seq = self.applied_seq.max(e.changed_seq);
        let Some(&bank) = self.bank_pos.get(&e.bank) else {
            tracing::error!(entry = e.id, "an entry of an unknown bank was not indexed");
            return;
        };
        let slot = Slot {
            entry: e.id,
            bank,
            disabled_until: e.disabled_until.map_or(i64::MIN, Timestamp::as_micros),
            quarantined: e.quarantined_at.is_some(),
            removed: e.removed_at.is_some(),
        };
        let slots = match e.signal_type {
            SignalType::Pdq => &mut self.pdq_slots,
            SignalType::Md5 => &mut self.md5.slots,
            SignalType::Sha256 => &mut self.sha256.slots,
            SignalType::Vpdq => &mut self.vpdq_slots,
            SignalType::Url => &mut self.url.slots,
            SignalType::UrlMd5 => &mut self.url_md5.slots,
            SignalType::RawText => &mut self.text_slots,
            SignalType::TextTlsh => &mut self.tlsh_slots,
            SignalType::Tmk => &mut self.tmk_slots,
        };
        if let Some(i) = slot_of(slots, e.id) {
            slots[i] = slot;
            return;
        }
        if e.signal_type == SignalType::Tmk {
            // A new TMK entry comes with its level-1 vector, through `apply_tmk`.
            return;
        }
        if slots.last().is_some_and(|last| last.entry > e.id) {
            // Cannot happen with commit-ordered application (ids grow with commits); refuse
            // rather than break the order that `slot_of` relies on. `load` rebuilds on it.
            tracing::error!(entry = e.id, "an entry arrived out of order and was not indexed");
            self.out_of_order += 1;
            return;
        }
        match e.signal_type {
            SignalType::Pdq => {
                let Some(bytes) = decode::<32>(&e.value) else { return };
                new_codes.push(vigie_index::code_from_bytes(&bytes));
                self.pdq_slots.push(slot);
            }
            SignalType::Md5 => {
                let Some(k) = decode::<16>(&e.value) else { return };
                self.md5.index.add(k);
                self.md5.slots.push(slot);
            }
            SignalType::Sha256 => {
                let Some(k) = decode::<32>(&e.value) else { return };
                self.sha256.index.add(k);
                self.sha256.slots.push(slot);
            }
            SignalType::RawText => {
                self.text.add(self.text_slots.len() as u32, &e.value);
                self.text_slots.push(slot);
            }
            SignalType::TextTlsh => {
                let Ok(digest) = e.value.parse::<vigie_text::Tlsh>() else { return };
                self.tlsh.push(digest);
                self.tlsh_slots.push(slot);
            }
            SignalType::Url => {
                self.url.index.add(url_key(&e.value));
                self.url.slots.push(slot);
            }
            SignalType::UrlMd5 => {
                let Some(k) = decode::<16>(&e.value) else { return };
                self.url_md5.index.add(k);
                self.url_md5.slots.push(slot);
            }
            SignalType::Vpdq => {
                let Some(features) = features_of_value(&e.value) else {
                    tracing::error!(entry = e.id, "a video entry's frames did not read and were not indexed");
                    return;
                };
                let video = self.vpdq.add(&features);
                debug_assert_eq!(video as usize, self.vpdq_slots.len());
                self.vpdq_slots.push(slot);
            }
            SignalType::Tmk => {}
        }
    }

    /// Applies one TMK entry with its file's level-1 vector: a new video joins the index, a
    /// known one has its state updated. An entry without a vector (removed, its file deleted) is
    /// left out: it could never match.
    fn apply_tmk(&mut self, e: &BankEntryRecord, level1: &[f32]) {
        if slot_of(&self.tmk_slots, e.id).is_some() {
            self.apply_entry(e, &mut Vec::new());
            return;
        }
        self.applied_seq = self.applied_seq.max(e.changed_seq);
        let Some(&bank) = self.bank_pos.get(&e.bank) else {
            tracing::error!(entry = e.id, "an entry of an unknown bank was not indexed");
            return;
        };
        if level1.is_empty() && e.removed_at.is_some() {
            return;
        }
        if self.tmk_slots.last().is_some_and(|last| last.entry > e.id) {
            tracing::error!(entry = e.id, "an entry arrived out of order and was not indexed");
            self.out_of_order += 1;
            return;
        }
        let Some(file) = decode::<32>(&e.value) else { return };
        if let Err(err) = self.tmk.add_average(self.tmk_slots.len() as u64, level1) {
            tracing::error!(entry = e.id, error = %err, "a TMK entry's level-1 vector was not indexed");
            return;
        }
        self.tmk_slots.push(Slot {
            entry: e.id,
            bank,
            disabled_until: e.disabled_until.map_or(i64::MIN, Timestamp::as_micros),
            quarantined: e.quarantined_at.is_some(),
            removed: e.removed_at.is_some(),
        });
        self.tmk_files.push(file);
    }

    /// The banked videos that match or contain the query, in the banks `usable` allows, each
    /// under its own bank's thresholds: one index search per distinct set of thresholds.
    fn video_hits(&self, query: &[Feature], usable: &[Option<Access>], live: &dyn Fn(&Slot) -> bool) -> Vec<Hit> {
        let mut sets: Vec<Thresholds> = Vec::new();
        for (b, _) in self.banks.iter().zip(usable).filter(|(_, u)| u.is_some()) {
            let t = thresholds(&b.spec);
            if !sets.contains(&t) {
                sets.push(t);
            }
        }
        let mut hits = Vec::new();
        for t in sets {
            let Ok(matches) = self.vpdq.query(query, &t) else { continue };
            for m in matches.into_iter().filter(|m| m.is_match || m.is_clip) {
                let slot = &self.vpdq_slots[m.video as usize];
                if thresholds(&self.banks[slot.bank as usize].spec) != t {
                    continue;
                }
                let Some(hit) = self.hit_on(slot, usable, live, SignalType::Vpdq, 0) else { continue };
                let (comparison, is_match, is_clip, segments) = (m.comparison, m.is_match, m.is_clip, m.segments);
                hits.push(Hit { video: Some(VideoHit { comparison, is_match, is_clip, segments }), ..hit });
            }
        }
        hits
    }
}

impl State {
    /// The banked texts near `text`: `raw_text` entries at least [`TEXT_SIMILARITY`] similar
    /// (Jaccard of word 3-shingles of the normal forms), and `text_tlsh` digests within
    /// python-threatexchange's distance of the text's TLSH.
    fn text_hits(
        &self,
        text: Option<&str>,
        digest: Option<&vigie_text::Tlsh>,
        usable: &[Option<Access>],
        live: &dyn Fn(&Slot) -> bool,
    ) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut push = |slot: &Slot, signal_type, distance, similarity| {
            if let Some(hit) = self.hit_on(slot, usable, live, signal_type, distance) {
                hits.push(Hit { similarity, ..hit });
            }
        };
        if let Some(text) = text
            && !self.text_slots.is_empty()
            && let Ok(found) = self.text.query(text, TEXT_SIMILARITY)
        {
            for (pos, similarity) in found {
                push(&self.text_slots[pos as usize], SignalType::RawText, 0, Some(similarity));
            }
        }
        if let Some(query) = digest {
            for (digest, slot) in self.tlsh.iter().zip(&self.tlsh_slots) {
                let d = query.distance(digest, false);
                if d <= vigie_text::TEXT_TLSH_THRESHOLD {
                    push(slot, SignalType::TextTlsh, d, None);
                }
            }
        }
        hits
    }
}

impl State {
    /// A hit on `slot`, when its bank is among those the lookup may use and the entry matches
    /// now; the fields a kind of match adds are the caller's to set.
    fn hit_on(
        &self,
        slot: &Slot,
        usable: &[Option<Access>],
        live: &dyn Fn(&Slot) -> bool,
        signal_type: SignalType,
        distance: u32,
    ) -> Option<Hit> {
        let access = usable[slot.bank as usize].filter(|_| live(slot))?;
        Some(Hit {
            bank: self.banks[slot.bank as usize].clone(),
            access,
            entry: slot.entry,
            signal_type,
            distance,
            variant: 0,
            pytx: false,
            video: None,
            similarity: None,
            frame_at: None,
            tmk: None,
        })
    }

    /// A still (an image query) against the frames of banked videos, each within its bank's
    /// distance: a full-frame still of a banked video matches it.
    fn frames_of_still(
        &self,
        code: &Code,
        radius: u32,
        usable: &[Option<Access>],
        live: &dyn Fn(&Slot) -> bool,
    ) -> Vec<Hit> {
        if self.vpdq_slots.is_empty() {
            return Vec::new();
        }
        let hash = vigie_hash::PdqHash::from_bytes(code_bytes(code));
        let mut hits: Vec<Hit> = Vec::new();
        for f in self.vpdq.frames_near(&hash, radius, vigie_hash::vpdq::QUALITY_THRESHOLD) {
            let slot = &self.vpdq_slots[f.video as usize];
            if f.distance > self.banks[slot.bank as usize].spec.threshold || hits.iter().any(|h| h.entry == slot.entry)
            {
                continue;
            }
            if let Some(hit) = self.hit_on(slot, usable, live, SignalType::Vpdq, f.distance) {
                hits.push(Hit { frame_at: Some(f.timestamp), ..hit });
            }
        }
        hits
    }

    /// A video query's frames against banked images: a video made of (or showing, full frame) a
    /// banked still matches it, with the first such frame's time.
    fn stills_in_video(&self, frames: &[Feature], usable: &[Option<Access>], live: &dyn Fn(&Slot) -> bool) -> Vec<Hit> {
        let radius = self.banks.iter().zip(usable).filter(|(_, u)| u.is_some()).map(|(b, _)| b.spec.threshold).max();
        let Some(radius) = radius else { return Vec::new() };
        let mut hits: Vec<Hit> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for f in frames.iter().filter(|f| f.quality >= vigie_hash::vpdq::QUALITY_THRESHOLD && seen.insert(f.hash)) {
            for m in self.pdq.query(&vigie_index::code_from_bytes(f.hash.as_bytes()), radius) {
                let slot = &self.pdq_slots[m.entry as usize];
                if m.distance > self.banks[slot.bank as usize].spec.threshold
                    || hits.iter().any(|h| h.entry == slot.entry)
                {
                    continue;
                }
                if let Some(hit) = self.hit_on(slot, usable, live, SignalType::Pdq, m.distance) {
                    hits.push(Hit { frame_at: Some(f.timestamp), ..hit });
                }
            }
        }
        hits
    }
}

/// A code's 32 bytes, as `vigie_index::code_from_bytes` reads them.
fn code_bytes(code: &Code) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(8).zip(code) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// How similar a text must be to a banked one to match (`vigie_text`'s threshold, chosen on its
/// generated corpus: `docs/text.md`).
pub const TEXT_SIMILARITY: f64 = vigie_text::index::DEFAULT_THRESHOLD;

/// A bank's vPDQ thresholds: python-threatexchange's quality floor, the bank's frame distance and
/// its two shares.
fn thresholds(spec: &BankSpec) -> Thresholds {
    Thresholds {
        distance: spec.threshold,
        query_match_percent: spec.vpdq_query_percent,
        compared_match_percent: spec.vpdq_compared_percent,
        ..Thresholds::default()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use vigie_model::UserId;
    use vigie_model::bank::{BankKind, BankLabels};

    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn code(&mut self) -> Code {
            [self.next(), self.next(), self.next(), self.next()]
        }
    }

    fn org(n: u8) -> OrgId {
        OrgId::from_random([n; 16])
    }

    fn bank(n: u8, owner: u8, threshold: u32) -> BankRecord {
        BankRecord {
            id: BankId::from_random([n; 16]),
            owner: org(owner),
            spec: BankSpec {
                name: format!("b{n}"),
                kind: BankKind::Block,
                threshold,
                stay_down: false,
                enabled_ratio: 1.0,
                labels: BankLabels::default(),
                description: None,
                flood_limit: 0,
                vpdq_query_percent: 80.0,
                vpdq_compared_percent: 0.0,
                tmk_level1: 0.7,
                tmk_level2: 0.7,
            },
            created_at: Timestamp::from_micros(0),
            created_by: UserId::from_random([0; 16]),
            updated_at: Timestamp::from_micros(0),
        }
    }

    fn hex_of(code: &Code) -> String {
        code.iter().map(|w| format!("{w:016x}")).collect()
    }

    fn entry(id: i64, bank: &BankId, code: &Code) -> BankEntryRecord {
        BankEntryRecord {
            id,
            bank: bank.clone(),
            signal_type: SignalType::Pdq,
            value: hex_of(code),
            quality: None,
            source: "test".into(),
            provenance: None,
            content_id: None,
            content_uri: None,
            note: None,
            added_at: Timestamp::from_micros(0),
            added_by: None,
            disabled_until: None,
            quarantined_at: None,
            removed_at: None,
            case: None,
            changed_seq: id,
        }
    }

    fn scope(org: &OrgId) -> Scope<'_> {
        Scope { org, only: None, coin: None, include_disabled: false }
    }

    /// Flips `n` distinct low bits of a code.
    fn near(code: &Code, n: u32) -> Code {
        let mut c = *code;
        for k in 0..n {
            c[(k / 64) as usize] ^= 1 << (k % 64);
        }
        c
    }

    #[test]
    fn lookups_equal_a_brute_force_filter_over_banks_access_thresholds_and_states() {
        let m = Matcher::new(0);
        let now = Timestamp::from_micros(1_000);
        // Banks of three owners; bank 3 shared with org 2 for matching.
        let banks = [bank(1, 1, 31), bank(2, 1, 8), bank(3, 2, 63), bank(4, 3, 20)];
        for b in &banks {
            let shares = if b.id == banks[2].id {
                vec![BankShareRecord {
                    bank: b.id.clone(),
                    org: org(1),
                    mode: ShareMode::Match,
                    granted_at: now,
                    granted_by: UserId::from_random([0; 16]),
                }]
            } else {
                Vec::new()
            };
            m.put_bank(b, &shares, now);
        }
        let mut rng = Rng(99);
        let centres: Vec<Code> = (0..20).map(|_| rng.code()).collect();
        let mut all = Vec::new();
        for id in 1..=3000i64 {
            let centre = centres[(rng.next() % 20) as usize];
            let mut e = entry(id, &banks[(rng.next() % 4) as usize].id, &near(&centre, (rng.next() % 70) as u32));
            match rng.next() % 10 {
                0 => e.disabled_until = Some(Timestamp::from_micros(5_000)),
                1 => e.disabled_until = Some(Timestamp::from_micros(500)),
                2 => e.quarantined_at = Some(now),
                3 => e.removed_at = Some(now),
                _ => {}
            }
            all.push(e);
        }
        m.apply_entries(&all[..1000], now);
        m.wait_for_layout();
        m.apply_entries(&all[1000..], now);
        // While the background layout may still run, and after it.
        let extra = rng.code();
        let queries: Vec<Code> = centres.iter().copied().chain([extra]).collect();
        for (pass, q) in queries.iter().chain(queries.iter()).enumerate() {
            if pass == queries.len() {
                m.wait_for_layout();
            }
            let got: Vec<(i64, u32)> = m
                .lookup(&Query { pdq: vec![*q], ..Default::default() }, &scope(&org(1)), now)
                .iter()
                .map(|h| (h.entry, h.distance))
                .collect();
            let mut want: Vec<(u32, i64)> = all
                .iter()
                .filter_map(|e| {
                    let b = banks.iter().position(|b| b.id == e.bank).unwrap();
                    let visible = b < 3; // org 1 owns banks 1 and 2 and may match bank 3
                    let live =
                        EntryState::at(e.removed_at.is_some(), e.quarantined_at.is_some(), e.disabled_until, now)
                            .matches();
                    let mut bytes = [0u8; 32];
                    hex::decode_to_slice(&e.value, &mut bytes).unwrap();
                    let d = vigie_index::distance(q, &vigie_index::code_from_bytes(&bytes));
                    (visible && live && d <= banks[b].spec.threshold).then_some((d, e.id))
                })
                .collect();
            want.sort();
            assert_eq!(got, want.into_iter().map(|(d, id)| (id, d)).collect::<Vec<_>>());
        }
    }

    /// A video entry of `frames` (each code with quality 90, one a second).
    fn video_entry(id: i64, bank: &BankId, frames: &[Code]) -> BankEntryRecord {
        let frames: Vec<vigie_model::bank::vpdq::Frame> = frames
            .iter()
            .enumerate()
            .map(|(i, c)| vigie_model::bank::vpdq::Frame { hash: hex_of(c), quality: 90, timestamp: i as f64 })
            .collect();
        BankEntryRecord {
            signal_type: SignalType::Vpdq,
            value: vigie_model::bank::vpdq::canonical(&frames),
            ..entry(id, bank, &[0; 4])
        }
    }

    #[test]
    fn video_lookups_equal_the_brute_force_rule_per_bank_thresholds_access_and_states() {
        let m = Matcher::new(0);
        let now = Timestamp::from_micros(1_000);
        // Banks with different distances and shares; bank 4 belongs to someone else.
        let mut banks = [bank(1, 1, 31), bank(2, 1, 10), bank(3, 1, 31), bank(4, 3, 31)];
        banks[2].spec.vpdq_query_percent = 30.0;
        banks[2].spec.vpdq_compared_percent = 50.0;
        for b in &banks {
            m.put_bank(b, &[], now);
        }
        let mut rng = Rng(7);
        // Scenes shared between videos, so that videos overlap in part.
        let scenes: Vec<Code> = (0..60).map(|_| rng.code()).collect();
        let mut entries = Vec::new();
        let mut videos: Vec<Vec<Code>> = Vec::new();
        for id in 1..=200i64 {
            let len = 2 + (rng.next() % 12) as usize;
            let first = (rng.next() % 50) as usize;
            let frames: Vec<Code> =
                (0..len).map(|i| near(&scenes[(first + i) % 60], (rng.next() % 24) as u32)).collect();
            let mut e = video_entry(id, &banks[(rng.next() % 4) as usize].id, &frames);
            match rng.next() % 8 {
                0 => e.disabled_until = Some(Timestamp::from_micros(5_000)),
                1 => e.removed_at = Some(now),
                _ => {}
            }
            entries.push(e);
            videos.push(frames);
        }
        m.apply_entries(&entries, now);
        let features = |codes: &[Code]| -> Vec<Feature> {
            codes
                .iter()
                .enumerate()
                .map(|(i, c)| Feature {
                    hash: vigie_hash::PdqHash::from_bytes(
                        c.iter().flat_map(|w| w.to_be_bytes()).collect::<Vec<u8>>().try_into().unwrap(),
                    ),
                    quality: 90,
                    frame: i as u64,
                    timestamp: i as f64,
                })
                .collect()
        };
        let mut decided = 0;
        for q in 0..60 {
            // A run of scenes, some drifted, some from nowhere: copies, clips and strangers.
            let len = 1 + (rng.next() % 30) as usize;
            let first = (rng.next() % 60) as usize;
            let query: Vec<Code> = (0..len)
                .map(|i| {
                    if rng.next().is_multiple_of(5) {
                        rng.code()
                    } else {
                        near(&scenes[(first + i) % 60], (rng.next() % 24) as u32)
                    }
                })
                .collect();
            let qf = features(&query);
            let got: Vec<(i64, bool, bool)> = m
                .lookup(&Query { vpdq: qf.clone(), ..Default::default() }, &scope(&org(1)), now)
                .iter()
                .map(|h| {
                    let v = h.video.as_ref().unwrap();
                    (h.entry, v.is_match, v.is_clip)
                })
                .collect();
            let mut want: Vec<(i64, bool, bool)> = entries
                .iter()
                .zip(&videos)
                .filter_map(|(e, frames)| {
                    let b = banks.iter().position(|b| b.id == e.bank).unwrap();
                    let live = EntryState::at(e.removed_at.is_some(), false, e.disabled_until, now).matches();
                    if b == 3 || !live {
                        return None;
                    }
                    let t = thresholds(&banks[b].spec);
                    let c = vigie_hash::vpdq::compare(&qf, &features(frames), &t);
                    let is_match = c.is_match(&t);
                    let is_clip = !is_match
                        && c.query_match_percent > 0.0
                        && c.compared_match_percent >= vigie_video::index::CLIP_MATCH_PERCENT;
                    (is_match || is_clip).then_some((e.id, is_match, is_clip))
                })
                .collect();
            want.sort();
            let mut got_sorted = got.clone();
            got_sorted.sort();
            assert_eq!(got_sorted, want, "query {q}");
            decided += want.len();
        }
        assert!(decided > 20, "the random library gives matches and clips to check ({decided})");
    }

    #[test]
    fn a_still_matches_a_banked_videos_frame_and_a_video_matches_a_banked_still() {
        let m = Matcher::new(0);
        let now = Timestamp::from_micros(0);
        let b = bank(1, 1, 31);
        m.put_bank(&b, &[], now);
        let mut rng = Rng(5);
        let frames: Vec<Code> = (0..5).map(|_| rng.code()).collect();
        let still = rng.code();
        m.apply_entries(&[video_entry(1, &b.id, &frames), entry(2, &b.id, &still)], now);
        // A still near the video's fourth frame (3 s): the video entry, at that time.
        let hits = m.lookup(&Query { pdq: vec![near(&frames[3], 9)], ..Default::default() }, &scope(&org(1)), now);
        let h: Vec<(i64, u32, Option<f64>)> = hits.iter().map(|h| (h.entry, h.distance, h.frame_at)).collect();
        assert_eq!(h, [(1, 9, Some(3.0))]);
        assert_eq!(
            m.lookup(&Query { pdq: vec![near(&frames[3], 40)], ..Default::default() }, &scope(&org(1)), now).len(),
            0
        );
        // A video one of whose frames (at 2 s) is near the banked still: the still's entry, at that time.
        let video = [rng.code(), rng.code(), near(&still, 4)];
        let q = video
            .iter()
            .enumerate()
            .map(|(i, c)| Feature {
                hash: vigie_hash::PdqHash::from_bytes(code_bytes(c)),
                quality: 90,
                frame: i as u64,
                timestamp: i as f64,
            })
            .collect();
        let hits = m.lookup(&Query { vpdq: q, ..Default::default() }, &scope(&org(1)), now);
        let h: Vec<(i64, u32, Option<f64>)> = hits.iter().map(|h| (h.entry, h.distance, h.frame_at)).collect();
        assert_eq!(h, [(2, 4, Some(2.0))], "the banked video shares no frame with it; the still does");
        // Another organisation's lookup sees neither.
        assert!(m.lookup(&Query { pdq: vec![frames[3]], ..Default::default() }, &scope(&org(9)), now).is_empty());
    }

    #[test]
    fn pytxs_hash_is_looked_up_too_and_each_entry_answers_once_for_its_closest_hash() {
        let m = Matcher::new(0);
        let now = Timestamp::from_micros(0);
        let b = bank(1, 1, 31);
        m.put_bank(&b, &[], now);
        let mut rng = Rng(11);
        let (eye, pytx) = (rng.code(), rng.code());
        // 1, 3 and 4 are near the eye's hash (3 is it), 2 near pytx's only.
        let entries = [
            entry(1, &b.id, &near(&eye, 5)),
            entry(2, &b.id, &near(&pytx, 7)),
            entry(3, &b.id, &eye),
            entry(4, &b.id, &near(&eye, 3)),
        ];
        m.apply_entries(&entries, now);
        let answer = |q: &Query| -> Vec<(i64, u32, bool)> {
            let mut hits: Vec<_> =
                m.lookup(q, &scope(&org(1)), now).iter().map(|h| (h.entry, h.distance, h.pytx)).collect();
            hits.sort();
            hits
        };
        let eye_only = Query { pdq: vec![eye], ..Default::default() };
        assert_eq!(answer(&eye_only), vec![(1, 5, false), (3, 0, false), (4, 3, false)]);
        let with_pytx = Query { pdq: vec![eye], pdq_pytx: Some(pytx), ..Default::default() };
        assert_eq!(answer(&with_pytx), vec![(1, 5, false), (2, 7, true), (3, 0, false), (4, 3, false)]);
        // When pytx's hash is the closer one, it is the one reported.
        let swapped = Query { pdq: vec![near(&eye, 20)], pdq_pytx: Some(eye), ..Default::default() };
        let got = answer(&swapped);
        assert!(got.contains(&(3, 0, true)) && got.contains(&(4, 3, true)), "{got:?}");
        // A tie goes to the eye's hash.
        let tie = Query { pdq: vec![eye], pdq_pytx: Some(eye), ..Default::default() };
        assert!(answer(&tie).iter().all(|(_, _, pytx)| !pytx));
    }

    #[test]
    fn lookups_go_on_while_entries_are_added_and_each_is_matchable_once_applied() {
        let m = Arc::new(Matcher::new(0));
        let now = Timestamp::from_micros(0);
        let b = bank(1, 1, 31);
        m.put_bank(&b, &[], now);
        let mut rng = Rng(7);
        let first = rng.code();
        m.apply_entries(&[entry(1, &b.id, &first)], now);
        let done = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let (m, done) = (m.clone(), done.clone());
                std::thread::spawn(move || {
                    let mut lookups = 0u64;
                    while !done.load(Ordering::Relaxed) || lookups == 0 {
                        let hits = m.lookup(&Query { pdq: vec![first], ..Default::default() }, &scope(&org(1)), now);
                        assert_eq!(hits.first().map(|h| h.entry), Some(1), "an applied entry never disappears");
                        lookups += 1;
                    }
                    lookups
                })
            })
            .collect();
        let codes: Vec<Code> = (0..40_000).map(|_| rng.code()).collect();
        for (i, chunk) in codes.chunks(1000).enumerate() {
            let entries: Vec<_> =
                chunk.iter().enumerate().map(|(j, c)| entry(2 + (i * 1000 + j) as i64, &b.id, c)).collect();
            m.apply_entries(&entries, now);
            // Matchable as soon as the call returns.
            let last = entries.last().unwrap();
            let q = Query { pdq: vec![*chunk.last().unwrap()], ..Default::default() };
            assert_eq!(m.lookup(&q, &scope(&org(1)), now).first().map(|h| h.entry), Some(last.id));
        }
        done.store(true, Ordering::Relaxed);
        for r in readers {
            assert!(r.join().unwrap() > 0);
        }
        assert_eq!(m.status().pdq, 40_001);
        // Once laid out in the background and swapped in, every entry is still found.
        m.wait_for_layout();
        for (i, c) in codes.iter().enumerate().step_by(997) {
            let q = Query { pdq: vec![*c], ..Default::default() };
            assert_eq!(m.lookup(&q, &scope(&org(1)), now).first().map(|h| h.entry), Some(2 + i as i64));
        }
    }

    #[test]
    fn a_snapshot_restores_the_same_lookups_and_refuses_a_damaged_file() {
        let m = Matcher::new(0);
        let now = Timestamp::from_micros(0);
        let (b1, b2) = (bank(1, 1, 31), bank(2, 1, 10));
        m.put_bank(&b1, &[], now);
        m.put_bank(&b2, &[], now);
        let mut rng = Rng(5);
        let codes: Vec<Code> = (0..2000).map(|_| rng.code()).collect();
        let mut entries: Vec<_> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| entry(i as i64 + 1, if i % 2 == 0 { &b1.id } else { &b2.id }, c))
            .collect();
        entries[3].quarantined_at = Some(now);
        let mut md5 = entry(5000, &b1.id, &codes[0]);
        md5.signal_type = SignalType::Md5;
        md5.value = "d41d8cd98f00b204e9800998ecf8427e".into();
        entries.push(md5);
        m.apply_entries(&entries, now);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.snapshot");
        super::super::snapshot::write(&path, &m.image()).unwrap();

        let restored = Matcher::new(0);
        let image = super::super::snapshot::read(&path).unwrap();
        assert_eq!(image.seq, 5000);
        restored.restore(image, &[(b1.clone(), Vec::new()), (b2.clone(), Vec::new())], now);
        let q = |m: &Matcher, c: &Code| -> Vec<(i64, u32)> {
            let query = Query {
                pdq: vec![near(c, 12)],
                md5: Some([
                    0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e,
                ]),
                ..Default::default()
            };
            m.lookup(&query, &scope(&org(1)), now).iter().map(|h| (h.entry, h.distance)).collect()
        };
        for c in codes.iter().take(50) {
            assert_eq!(q(&m, c), q(&restored, c));
        }
        assert_eq!(q(&restored, &codes[0]).len(), 2, "PDQ and MD5 entries both restored");
        assert!(q(&restored, &codes[3]).iter().all(|(e, _)| *e != 4), "a quarantined entry stays quarantined");
        let got = q(&restored, &codes[1]);
        assert!(got.iter().all(|(e, _)| *e != 2), "bank 2 threshold of 10 still applies: {got:?}");
        // Catching up: a change after the snapshot applies on top of it.
        let mut later = entries[0].clone();
        later.removed_at = Some(now);
        later.changed_seq = 6000;
        restored.apply_entries(&[later], now);
        assert!(q(&restored, &codes[0]).iter().all(|(e, _)| *e != 1));

        // One flipped byte anywhere fails the checksum or the checks.
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        assert!(super::super::snapshot::read(&path).is_err());
        std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
        assert!(super::super::snapshot::read(&path).is_err());
    }
}
