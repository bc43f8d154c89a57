//! The value types an event's data is made of, and how each describes itself as JSON Schema.
//!
//! An event field is an id, a [`Word`] (an enumeration value, a code, a host), a count, a flag, a
//! time, a [`Sealed`] personal value or free text, or a list, map or option of those. `String` has
//! no [`Describe`] impl on purpose: free text cannot be put into an event unsealed, because the
//! event's struct would not compile.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Timestamp;
use crate::ids::*;

/// How a field's type appears in the published JSON Schema, and whether the public may see it.
pub trait Describe {
    /// The JSON Schema of one value.
    fn schema() -> Value;
    /// Whether a value of this type may appear in the public export: ids, enumerations, counts,
    /// flags and times may; sealed values may not.
    const DISCLOSABLE: bool;
    /// Whether the field must be present (an `Option` may be absent or `null`).
    const REQUIRED: bool = true;
}

/// One field of an event's data, as its type describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldInfo {
    pub name: &'static str,
    pub schema: Value,
    pub disclosable: bool,
    pub required: bool,
}

/// The JSON Schema of an object whose fields are `fields`.
pub fn object_schema(fields: &[FieldInfo]) -> Value {
    let properties: serde_json::Map<String, Value> =
        fields.iter().map(|f| (f.name.to_owned(), f.schema.clone())).collect();
    let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name).collect();
    json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
}

/// A machine word: an enumeration value, a code, a host name or a hash in hex. Never prose: a
/// value with white space in it is refused by the schema.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Word(String);

impl Word {
    pub const PATTERN: &'static str = "^[A-Za-z0-9_.:/-]*$";

    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Word {
    fn from(raw: &str) -> Self {
        Self(raw.to_owned())
    }
}

impl PartialEq<str> for Word {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Word {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Describe for Word {
    fn schema() -> Value {
        json!({ "type": "string", "pattern": Word::PATTERN })
    }
    const DISCLOSABLE: bool = true;
}

/// A personal value or a free text as the log holds it: the erasable value's reference and its
/// salted hash ([`super::seal`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    #[serde(rename = "ref")]
    pub reference: PersonalRef,
    pub sealed: String,
}

impl Describe for Sealed {
    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "ref": { "type": "string", "pattern": "^pii_[0-9a-f]{32}$" },
                "sealed": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
            },
            "required": ["ref", "sealed"],
            "additionalProperties": false,
        })
    }
    const DISCLOSABLE: bool = false;
}

impl Describe for bool {
    fn schema() -> Value {
        json!({ "type": "boolean" })
    }
    const DISCLOSABLE: bool = true;
}

macro_rules! describe_integer {
    ($($t:ty),*) => {$(
        impl Describe for $t {
            fn schema() -> Value {
                json!({ "type": "integer" })
            }
            const DISCLOSABLE: bool = true;
        }
    )*};
}
describe_integer!(u8, u32, u64, usize, i64);

impl Describe for f64 {
    fn schema() -> Value {
        json!({ "type": "number" })
    }
    const DISCLOSABLE: bool = true;
}

impl Describe for Timestamp {
    fn schema() -> Value {
        json!({ "type": "string", "format": "date-time" })
    }
    const DISCLOSABLE: bool = true;
}

impl<T: Describe> Describe for Option<T> {
    fn schema() -> Value {
        json!({ "anyOf": [T::schema(), { "type": "null" }] })
    }
    const DISCLOSABLE: bool = T::DISCLOSABLE;
    const REQUIRED: bool = false;
}

impl<T: Describe> Describe for Vec<T> {
    fn schema() -> Value {
        json!({ "type": "array", "items": T::schema() })
    }
    const DISCLOSABLE: bool = T::DISCLOSABLE;
}

impl<T: Describe> Describe for BTreeMap<Word, T> {
    fn schema() -> Value {
        json!({ "type": "object", "additionalProperties": T::schema() })
    }
    const DISCLOSABLE: bool = T::DISCLOSABLE;
}

macro_rules! describe_ids {
    ($($t:ident),*) => {$(
        impl Describe for $t {
            fn schema() -> Value {
                json!({ "type": "string", "pattern": format!("^{}_[0-9a-f]{{32}}$", $t::PREFIX) })
            }
            const DISCLOSABLE: bool = true;
        }
    )*};
}
describe_ids!(
    OrgId,
    UserId,
    TokenId,
    SignalId,
    CaseId,
    DecisionId,
    WebhookId,
    DeliveryId,
    PersonalRef,
    AdvanceNoticeId,
    BankId,
    TermsClauseId,
    UploaderNoticeId,
    ComplaintId,
    ScrutinyId,
    WatchlistId,
    HoldId,
    LawEnforcementReferralId,
    MisuseActionId,
    MediaId,
    ChallengeId,
    NoteId,
    EvidenceId,
    EvidenceRequestId,
    EvidenceExportId
);

/// Declares a plain data struct whose fields describe themselves (for nested values of events).
macro_rules! data_struct {
    ($(#[$sm:meta])* $name:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)? }) => {
        $(#[$sm])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name { $( $(#[$fm])* pub $field: $ty, )* }

        impl $name {
            /// Every field, in order, as its type describes it.
            pub fn fields() -> Vec<$crate::event::data::FieldInfo> {
                vec![$(
                    $crate::event::data::FieldInfo {
                        name: stringify!($field),
                        schema: <$ty as $crate::event::data::Describe>::schema(),
                        disclosable: <$ty as $crate::event::data::Describe>::DISCLOSABLE,
                        required: <$ty as $crate::event::data::Describe>::REQUIRED,
                    },
                )*]
            }
        }

        impl $crate::event::data::Describe for $name {
            fn schema() -> serde_json::Value {
                $crate::event::data::object_schema(&Self::fields())
            }
            const DISCLOSABLE: bool = true $(&& <$ty as $crate::event::data::Describe>::DISCLOSABLE)*;
        }
    };
}
pub(crate) use data_struct;
