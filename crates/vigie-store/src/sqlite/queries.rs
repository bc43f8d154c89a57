//! The SQL behind [`Reads`] and [`Tx`].

use vigie_model::bank::{Access, SignalType as BankSignalType};
use vigie_model::event::{ChainedEvent, NewEvent};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx};
use crate::*;

/// The queries, area by area (`orgs.rs`, `cases.rs`, `orders.rs`, `events.rs`, `banks.rs`), are
/// inherent methods; the traits call them, on a read connection and inside a transaction alike.
macro_rules! delegate_reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl Reads for SqliteRead<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { SqliteRead::$name(self, $($arg),*) })*
        }
        /// Inside a transaction the same queries run on the writer connection.
        impl Reads for SqliteTx<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { SqliteRead::$name(&self.read, $($arg),*) })*
        }
    };
}

delegate_reads! {
    count_orgs() -> Result<i64>;
    get_org(id: &OrgId) -> Result<Option<OrgRecord>>;
    list_orgs() -> Result<Vec<OrgRecord>>;
    get_user(id: &UserId) -> Result<Option<UserRecord>>;
    find_principal(token_hash: &str, now: Timestamp) -> Result<Option<Principal>>;
    get_host(host: &str) -> Result<Option<HostRecord>>;
    list_hosts(org: Option<&OrgId>) -> Result<Vec<HostRecord>>;
    route_host(candidates: &[&str]) -> Result<Option<OrgId>>;
    get_signal(id: &SignalId) -> Result<Option<SignalRecord>>;
    find_signal_by_tracking(tracking_hash: &str) -> Result<Option<SignalRecord>>;
    list_signals(after: Option<&SignalId>, limit: u32) -> Result<Vec<SignalRecord>>;
    signal_cases(id: &SignalId) -> Result<Vec<CaseId>>;
    get_case(id: &CaseId) -> Result<Option<CaseRecord>>;
    find_case(platform: Option<&OrgId>, key: &str) -> Result<Option<CaseRecord>>;
    case_signals(id: &CaseId) -> Result<Vec<SignalRecord>>;
    case_orders(id: &CaseId) -> Result<Vec<OrderRecord>>;
    inbox(platform: &OrgId, cursor: Option<&InboxCursor>, limit: u32) -> Result<Vec<CaseRecord>>;
    parked_cases(limit: u32) -> Result<Vec<CaseRecord>>;
    get_order(id: &SignalId) -> Result<Option<OrderRecord>>;
    due_orders(now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>>;
    has_orders_between(authority: &OrgId, platform: &OrgId) -> Result<bool>;
    latest_advance_notice(authority: &OrgId, platform: &OrgId) -> Result<Option<AdvanceNoticeRecord>>;
    case_decision(id: &CaseId) -> Result<Option<DecisionRecord>>;
    webhooks_of(org: &OrgId) -> Result<Vec<WebhookRecord>>;
    get_webhook(id: &WebhookId) -> Result<Option<WebhookRecord>>;
    get_delivery(id: &DeliveryId) -> Result<Option<DeliveryRecord>>;
    events_after(seq: i64, limit: u32) -> Result<Vec<ChainedEvent>>;
    personal_value(id: &PersonalRef) -> Result<Option<String>>;
    get_bank(id: &BankId) -> Result<Option<BankRecord>>;
    find_bank(owner: &OrgId, name: &str) -> Result<Option<BankRecord>>;
    banks_for(org: &OrgId) -> Result<Vec<(BankRecord, Access)>>;
    all_banks() -> Result<Vec<BankRecord>>;
    bank_shares(bank: &BankId) -> Result<Vec<BankShareRecord>>;
    all_shares() -> Result<Vec<BankShareRecord>>;
    get_entry(id: i64) -> Result<Option<BankEntryRecord>>;
    bank_entries(bank: &BankId, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    count_entries(bank: &BankId) -> Result<i64>;
    entries_after(after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    entries_changed_since(seq: i64) -> Result<Vec<BankEntryRecord>>;
    entries_outside_snapshot(after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    count_all_entries() -> Result<i64>;
    find_entry(bank: &BankId, signal_type: BankSignalType, value: &str) -> Result<Option<BankEntryRecord>>;
    entry_feedback(entry: i64) -> Result<Vec<FeedbackRecord>>;
    tmk_file(sha256: &str) -> Result<Option<Vec<u8>>>;
    tmk_entries_after(after: i64, limit: u32) -> Result<Vec<(BankEntryRecord, Vec<u8>)>>;
}

macro_rules! delegate_writes {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl Tx for SqliteTx<'_> {
            $(fn $name(&mut self, $($arg: $ty),*) -> $ret { SqliteTx::$name(self, $($arg),*) })*
        }
    };
}

delegate_writes! {
    insert_org(r: &OrgRecord) -> Result<()>;
    update_org(r: &OrgRecord) -> Result<()>;
    insert_user(r: &UserRecord) -> Result<()>;
    insert_token(r: &TokenRecord) -> Result<()>;
    insert_host(r: &HostRecord) -> Result<()>;
    update_host(r: &HostRecord) -> Result<()>;
    insert_signal(r: &SignalRecord) -> Result<()>;
    link_signal_case(signal: &SignalRecord, idx: u32, case: &CaseId) -> Result<()>;
    insert_case(r: &CaseRecord) -> Result<()>;
    update_case(r: &CaseRecord) -> Result<()>;
    add_case_source(case: &CaseId, source: &str) -> Result<bool>;
    parked_cases_on(host: &str) -> Result<Vec<CaseRecord>>;
    insert_order(r: &OrderRecord) -> Result<()>;
    update_order(r: &OrderRecord) -> Result<()>;
    insert_advance_notice(r: &AdvanceNoticeRecord) -> Result<()>;
    insert_decision(r: &DecisionRecord) -> Result<()>;
    insert_webhook(r: &WebhookRecord) -> Result<()>;
    insert_delivery(r: &DeliveryRecord) -> Result<()>;
    update_delivery(r: &DeliveryRecord) -> Result<()>;
    insert_personal(r: &PersonalRecord) -> Result<()>;
    erase_expired_personal(now: Timestamp, limit: u32) -> Result<Vec<PersonalRef>>;
    append_event(id: &EventId, e: &NewEvent) -> Result<i64>;
    insert_bank(r: &BankRecord) -> Result<()>;
    update_bank(r: &BankRecord) -> Result<()>;
    delete_bank(id: &BankId, at: Timestamp) -> Result<()>;
    put_share(r: &BankShareRecord) -> Result<()>;
    delete_share(bank: &BankId, org: &OrgId) -> Result<bool>;
    insert_entry(r: &BankEntryRecord) -> Result<Option<i64>>;
    update_entry(r: &BankEntryRecord) -> Result<()>;
    insert_feedback(r: &FeedbackRecord) -> Result<()>;
    put_tmk_file(file: &TmkFileRecord) -> Result<()>;
}
