//! The account network (`docs/graph.md`): the accounts linked to one account by the media hashes,
//! URLs and handles their cases share, a breadth-first walk a few steps deep, bounded in size.
//!
//! Who sees it: a platform's moderators, among the platform's own cases; an authority, across
//! platforms, only with a recorded case reference and reason (processing under the Law
//! Enforcement Directive). Every view is a `graph.viewed` event, its personal values sealed.
//!
//! The network is for people to read, never an input to automated action: its reads
//! ([`vigie_store::GraphReads`]) are only on read connections ([`vigie_store::Store::read_graph`]),
//! never in a write transaction, and only this module asks for them (`tests` below check it).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use vigie_model::decision::{Action, Purpose};
use vigie_model::event::{Word, kinds as k};
use vigie_model::graph::{
    DEFAULT_DEPTH, DEFAULT_NODES, MAX_CASES_PER_KEY, MAX_DEPTH, MAX_NODES, MAX_SHARES_PER_EDGE, ShareKind, handle_of,
};
use vigie_model::location::TargetKind;
use vigie_model::org::{OrgKind, Role};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::{CaseRecord, GraphScope, ReadConn, StoreError};

use crate::cases::parse_case_id;
use crate::{Actor, App, AppError, AppResult, Events, keep_personal};

/// How long the sealed values of a view (the account asked about, an authority's reference and
/// reason) are kept: three years, the period for which the logs of processing under the Law
/// Enforcement Directive serve to verify its lawfulness (art. 25; `docs/privacy.md`).
pub const VIEW_RETENTION: Duration = Duration::from_days(3 * 365);

/// What a view starts from, and its bounds, as asked.
#[derive(Clone, Debug, Default)]
pub struct GraphInput {
    /// An account: its id on its platform, or its profile URL (canonical) when it has no id.
    pub account: Option<String>,
    /// A case: the accounts it names.
    pub case: Option<String>,
    pub depth: Option<u32>,
    pub max_nodes: Option<u32>,
    /// An authority's view: the reference of the case it records the view for.
    pub reference: Option<String>,
    /// An authority's view: why.
    pub reason: Option<String>,
}

/// One case of an account, as a view shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphCase {
    pub id: CaseId,
    pub kind: TargetKind,
    pub url: Option<String>,
    /// The purpose of an art. 1(3) exemption its current decision recorded (journalism,
    /// research, education, art ...), if it was decided exempt.
    pub exempt: Option<Purpose>,
}

/// An account: `account` on `platform`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    pub platform: OrgId,
    pub account: String,
    /// The handle of its profile URL, when one of its cases has one.
    pub handle: Option<String>,
    /// Steps from the account asked about (0 for it).
    pub distance: u32,
    /// Its cases that the view read, oldest first.
    pub cases: Vec<GraphCase>,
}

impl GraphNode {
    /// The art. 1(3) purposes its cases were decided exempt for: a reporter who posted the same
    /// footage is not a member.
    pub fn exempt_purposes(&self) -> Vec<Purpose> {
        let mut out: Vec<Purpose> = Vec::new();
        for p in self.cases.iter().filter_map(|c| c.exempt) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }
}

/// One thing two accounts share, and the case of each that carries it (the same case twice when
/// one case names both accounts).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GraphShare {
    pub kind: ShareKind,
    /// For a hash: its type (`sha256`, `md5`, `pdq`, `vpdq` ...).
    pub hash_type: Option<String>,
    pub value: String,
    pub cases: (CaseId, CaseId),
}

/// A link between two accounts (indexes into [`GraphView::nodes`], `from < to`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: usize,
    pub to: usize,
    pub shares: Vec<GraphShare>,
}

/// The scope a view was taken in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewScope {
    /// A platform's moderators, among its own cases.
    Platform,
    /// An authority, across platforms, for a recorded case.
    CrossPlatform,
}

impl ViewScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ViewScope::Platform => "platform",
            ViewScope::CrossPlatform => "cross_platform",
        }
    }
}

/// A view of the network: nodes by distance then platform and account, edges by their nodes.
#[derive(Clone, Debug)]
pub struct GraphView {
    pub scope: ViewScope,
    pub depth: u32,
    pub max_nodes: u32,
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Whether a bound cut the view short: more accounts than `max_nodes`, more cases for one
    /// account or key than [`MAX_CASES_PER_KEY`], or more shares on a link than
    /// [`MAX_SHARES_PER_EDGE`]. Accounts beyond `depth` do not make it truncated.
    pub truncated: bool,
    /// The `graph.viewed` event that records this view.
    pub event_seq: i64,
}

fn scope_of(p: &Principal) -> AppResult<ViewScope> {
    match p.org_kind {
        OrgKind::Platform if p.roles.contains(&Role::Moderator) => Ok(ViewScope::Platform),
        OrgKind::Authority if p.roles.iter().any(|r| matches!(r, Role::Reporter | Role::Viewer)) => {
            Ok(ViewScope::CrossPlatform)
        }
        _ => Err(AppError::Forbidden(
            "only a platform's moderators (its own cases) and an authority (for a recorded case) see the account network",
        )),
    }
}

/// The checked request.
struct Checked {
    start: Start,
    depth: u32,
    max_nodes: u32,
    reference: Option<String>,
    reason: Option<String>,
}

enum Start {
    Account(String),
    Case(CaseId),
}

fn check(input: GraphInput, scope: ViewScope) -> AppResult<Checked> {
    let mut c = Checker::new();
    let account = input.account.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let case = input.case.as_deref().map(str::trim).filter(|a| !a.is_empty());
    c.optional_text(account, "account", 4096);
    c.check(
        account.is_some() != case.is_some(),
        "account",
        "one_of",
        "give either an account or a case, not both and not neither",
    );
    let depth = input.depth.unwrap_or(DEFAULT_DEPTH);
    c.check((1..=MAX_DEPTH).contains(&depth), "depth", "out_of_range", &format!("from 1 to {MAX_DEPTH}"));
    let max_nodes = input.max_nodes.unwrap_or(DEFAULT_NODES);
    c.check((1..=MAX_NODES).contains(&max_nodes), "max_nodes", "out_of_range", &format!("from 1 to {MAX_NODES}"));
    let (reference, reason) = match scope {
        ViewScope::CrossPlatform => {
            c.text(input.reference.as_deref(), "reference", 200);
            c.text(input.reason.as_deref(), "reason", 2000);
            (input.reference.map(|r| r.trim().to_owned()), input.reason.map(|r| r.trim().to_owned()))
        }
        ViewScope::Platform => {
            c.check(input.reference.is_none(), "reference", "not_applicable", "only an authority's view records one");
            c.check(input.reason.is_none(), "reason", "not_applicable", "only an authority's view records one");
            (None, None)
        }
    };
    let start = match (account, case) {
        (Some(a), _) => Some(Start::Account(a.to_owned())),
        (None, Some(raw)) => Some(Start::Case(parse_case_id(raw)?)),
        (None, None) => None,
    };
    c.finish()?;
    let start = start.ok_or(AppError::Internal("a checked graph request has a start"))?;
    Ok(Checked { start, depth, max_nodes, reference, reason })
}

impl App {
    /// A view of the account network around one account (or the accounts one case names), and
    /// the `graph.viewed` event that records it. A platform's moderators see the links among its
    /// own cases; an authority sees across platforms, giving the reference and reason of the case
    /// it records the view for. Nobody else (a hub, an overseer, a trusted flagger, a platform's
    /// other roles) sees it.
    pub async fn account_network(&self, p: &Principal, input: GraphInput) -> AppResult<GraphView> {
        let scope = scope_of(p)?;
        let checked = check(input, scope)?;
        let principal = p.clone();
        let start_case = match &checked.start {
            Start::Case(id) => Some(id.clone()),
            Start::Account(_) => None,
        };
        let start_text = match &checked.start {
            Start::Account(a) => a.clone(),
            Start::Case(id) => id.as_str().to_owned(),
        };
        let (depth, max_nodes) = (checked.depth, checked.max_nodes);
        let (reference, reason) = (checked.reference.clone(), checked.reason.clone());
        let mut view = self.store().read_graph(move |r| Ok(walk(r, &principal, scope, &checked))).await??;

        let (clock, actor) = (self.clock().clone(), Actor::of(p));
        let (nodes, edges, truncated) = (view.nodes.len() as u64, view.edges.len() as u64, view.truncated);
        let subject = p.org.clone();
        view.event_seq = self
            .store()
            .write(move |tx| {
                let now = clock.now();
                let until = now.plus(VIEW_RETENTION);
                let (_, start) = keep_personal(tx, now, "graph.view.start", &start_text, until)?;
                let reference = match reference {
                    Some(r) => Some(keep_personal(tx, now, "graph.view.reference", &r, until)?.1),
                    None => None,
                };
                let reason = match reason {
                    Some(r) => Some(keep_personal(tx, now, "graph.view.reason", &r, until)?.1),
                    None => None,
                };
                let ev = Events { clock: &*clock, now, actor: &actor };
                let facts = k::GraphViewed {
                    scope: Word::new(scope.as_str()),
                    start,
                    case: start_case,
                    depth,
                    nodes,
                    edges,
                    truncated,
                    reference,
                    reason,
                };
                Ok::<_, AppError>(ev.emit(tx, subject.as_str(), facts)?)
            })
            .await?;
        view.max_nodes = max_nodes;
        Ok(view)
    }
}

/// What the walk keeps of each case it read.
struct CaseFacts {
    record: CaseRecord,
    accounts: Vec<String>,
    exempt: Option<Purpose>,
}

type NodeKey = (OrgId, String);

struct Walk<'r> {
    r: &'r dyn ReadConn,
    scope: GraphScope<'r>,
    cases: BTreeMap<CaseId, CaseFacts>,
    nodes: BTreeMap<NodeKey, (u32, BTreeSet<CaseId>)>,
    shares: BTreeMap<(NodeKey, NodeKey), BTreeSet<GraphShare>>,
    truncated: bool,
}

impl Walk<'_> {
    fn case(&mut self, id: &CaseId) -> Result<Option<&CaseFacts>, StoreError> {
        if !self.cases.contains_key(id) {
            let Some(record) = self.r.get_case(id)? else { return Ok(None) };
            let accounts = self.r.graph_case_accounts(id)?;
            let exempt = self
                .r
                .case_decision(id)?
                .filter(|d| d.action == Action::Exempt && d.reversed_at.is_none())
                .and_then(|d| d.purpose);
            self.cases.insert(id.clone(), CaseFacts { record, accounts, exempt });
        }
        Ok(self.cases.get(id))
    }

    /// Caps a list read with `limit + 1`, noting that the view was cut.
    fn capped<T>(&mut self, mut list: Vec<T>) -> Vec<T> {
        if list.len() > MAX_CASES_PER_KEY as usize {
            list.truncate(MAX_CASES_PER_KEY as usize);
            self.truncated = true;
        }
        list
    }

    fn share(&mut self, a: &NodeKey, b: &NodeKey, share: GraphShare) {
        if a == b {
            return;
        }
        let (key, share) = if a < b {
            ((a.clone(), b.clone()), share)
        } else {
            let (x, y) = share.cases.clone();
            ((b.clone(), a.clone()), GraphShare { cases: (y, x), ..share })
        };
        self.shares.entry(key).or_default().insert(share);
    }
}

/// The breadth-first walk from the start, level by level up to `depth`.
fn walk(r: &dyn ReadConn, p: &Principal, scope: ViewScope, req: &Checked) -> AppResult<GraphView> {
    let graph_scope = match scope {
        ViewScope::Platform => GraphScope::Platform(&p.org),
        ViewScope::CrossPlatform => GraphScope::AllPlatforms,
    };
    let mut w = Walk {
        r,
        scope: graph_scope,
        cases: BTreeMap::new(),
        nodes: BTreeMap::new(),
        shares: BTreeMap::new(),
        truncated: false,
    };
    let limit = MAX_CASES_PER_KEY + 1;

    // The starting accounts.
    let mut start: BTreeSet<NodeKey> = BTreeSet::new();
    match &req.start {
        Start::Account(account) => {
            let found = r.graph_account_cases(w.scope, account, limit)?;
            for id in w.capped(found) {
                if let Some(f) = w.case(&id)?
                    && let Some(platform) = f.record.platform.clone()
                {
                    start.insert((platform, account.clone()));
                }
            }
        }
        Start::Case(id) => {
            let f = w.case(id)?.ok_or(AppError::NotFound("case"))?;
            let platform = f.record.platform.clone().ok_or(AppError::NotFound("case"))?;
            let accounts = f.accounts.clone();
            // The case must be one the view may see: not another platform's for a platform, and
            // never a held or erased one.
            if !r.graph_case_visible(w.scope, id)? {
                return Err(AppError::NotFound("case"));
            }
            for a in accounts {
                start.insert((platform.clone(), a));
            }
        }
    }
    let mut queue: VecDeque<NodeKey> = VecDeque::new();
    for key in start {
        if w.nodes.len() as u32 >= req.max_nodes {
            w.truncated = true;
            break;
        }
        w.nodes.insert(key.clone(), (0, BTreeSet::new()));
        queue.push_back(key);
    }

    while let Some(node) = queue.pop_front() {
        let distance = w.nodes[&node].0;
        let (platform, account) = &node;
        let found = r.graph_account_cases(GraphScope::Platform(platform), account, limit)?;
        let own = w.capped(found);
        for case in &own {
            if let Some(entry) = w.nodes.get_mut(&node) {
                entry.1.insert(case.clone());
            }
        }
        if distance >= req.depth {
            continue;
        }
        for case in own {
            let Some(f) = w.case(&case)? else { continue };
            let record = f.record.clone();
            let mut linked: Vec<(CaseId, ShareKind, Option<String>, String)> = Vec::new();
            // Accounts named on this same case: linked by its URL.
            if let Some(url) = &record.url {
                linked.push((case.clone(), ShareKind::Url, None, url.clone()));
                let found = r.graph_url_cases(w.scope, url, limit)?;
                for other in w.capped(found) {
                    if other != case {
                        linked.push((other, ShareKind::Url, None, url.clone()));
                    }
                }
            }
            for h in r.graph_case_hashes(&case)? {
                let found = r.graph_hash_cases(w.scope, &h.value, limit)?;
                for other in w.capped(found) {
                    if other != case {
                        linked.push((other, ShareKind::Hash, Some(h.hash_type.clone()), h.value.clone()));
                    }
                }
            }
            if record.kind == TargetKind::Account
                && let Some(handle) = record.url.as_deref().and_then(handle_of)
            {
                let found = r.graph_profile_cases(w.scope, &handle, limit)?;
                for (other, url) in w.capped(found) {
                    if other != case && handle_of(&url).as_deref() == Some(handle.as_str()) {
                        linked.push((other, ShareKind::Handle, None, handle.clone()));
                    }
                }
            }
            for (other, kind, hash_type, value) in linked {
                let Some(of) = w.case(&other)? else { continue };
                let Some(other_platform) = of.record.platform.clone() else { continue };
                for other_account in of.accounts.clone() {
                    let key = (other_platform.clone(), other_account);
                    if !w.nodes.contains_key(&key) {
                        if w.nodes.len() as u32 >= req.max_nodes {
                            w.truncated = true;
                            continue;
                        }
                        w.nodes.insert(key.clone(), (distance + 1, BTreeSet::new()));
                        queue.push_back(key.clone());
                    }
                    let share = GraphShare {
                        kind,
                        hash_type: hash_type.clone(),
                        value: value.clone(),
                        cases: (case.clone(), other.clone()),
                    };
                    w.share(&node, &key, share);
                }
            }
        }
    }
    Ok(assemble(&mut w, scope, req))
}

/// Orders the nodes (distance, platform, account), numbers them, and lays out the edges.
fn assemble(w: &mut Walk<'_>, scope: ViewScope, req: &Checked) -> GraphView {
    let mut keys: Vec<(&NodeKey, &(u32, BTreeSet<CaseId>))> = w.nodes.iter().collect();
    keys.sort_by(|a, b| (a.1.0, a.0).cmp(&(b.1.0, b.0)));
    let index: BTreeMap<NodeKey, usize> = keys.iter().enumerate().map(|(i, (k, _))| ((*k).clone(), i)).collect();
    let nodes: Vec<GraphNode> = keys
        .iter()
        .map(|((platform, account), (distance, cases))| {
            let cases: Vec<GraphCase> = cases
                .iter()
                .filter_map(|id| w.cases.get(id))
                .map(|f| GraphCase {
                    id: f.record.id.clone(),
                    kind: f.record.kind,
                    url: f.record.url.clone(),
                    exempt: f.exempt,
                })
                .collect();
            let handle = w
                .cases
                .values()
                .filter(|f| f.record.kind == TargetKind::Account && f.accounts.contains(account))
                .filter(|f| f.record.platform.as_ref() == Some(platform))
                .find_map(|f| f.record.url.as_deref().and_then(handle_of));
            GraphNode { platform: platform.clone(), account: account.clone(), handle, distance: *distance, cases }
        })
        .collect();
    let mut truncated = w.truncated;
    let mut edges: Vec<GraphEdge> = Vec::new();
    for ((a, b), shares) in &w.shares {
        let (Some(&ia), Some(&ib)) = (index.get(a), index.get(b)) else { continue };
        let mut shares: Vec<GraphShare> = shares.iter().cloned().collect();
        if shares.len() > MAX_SHARES_PER_EDGE {
            shares.truncate(MAX_SHARES_PER_EDGE);
            truncated = true;
        }
        let (from, to, shares) = if ia < ib {
            (ia, ib, shares)
        } else {
            let flipped =
                shares.into_iter().map(|s| GraphShare { cases: (s.cases.1.clone(), s.cases.0.clone()), ..s }).collect();
            (ib, ia, flipped)
        };
        edges.push(GraphEdge { from, to, shares });
    }
    edges.sort_by_key(|e| (e.from, e.to));
    GraphView { scope, depth: req.depth, max_nodes: req.max_nodes, nodes, edges, truncated, event_seq: 0 }
}

#[cfg(test)]
mod tests {
    /// Only this module reads the account network: no other source file of this crate names the
    /// store's graph reads, so the matcher, folding, routing and every automated action cannot
    /// take it as an input.
    #[test]
    fn nothing_but_this_module_reads_the_network() {
        let src = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
        let mut readers = Vec::new();
        let mut stack = vec![src.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if ["read_graph", "GraphReads", "graph_account_cases", "graph_hash_cases", "ReadConn"]
                        .iter()
                        .any(|needle| text.contains(needle))
                    {
                        readers.push(path.strip_prefix(src).unwrap().display().to_string());
                    }
                }
            }
        }
        assert_eq!(readers, ["graph.rs"], "only graph.rs may read the account network");
    }
}
