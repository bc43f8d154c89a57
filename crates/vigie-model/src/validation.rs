//! Field-by-field validation errors, collected rather than stopping at the first.

use std::fmt;

/// One thing wrong with one field of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// A JSON-pointer-like path, e.g. `locations[1].url`.
    pub field: String,
    /// A stable snake_case code, e.g. `required`, `not_on_addressee_host`.
    pub code: &'static str,
    pub message: String,
}

/// Everything wrong with a request. Never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid(Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldError { field: field.into(), code, message: message.into() }])
    }
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.field, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Invalid {}

/// Accumulates field errors while a request is checked.
#[derive(Default, Debug)]
pub struct Checker(Vec<FieldError>);

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.into(), code, message: message.into() });
    }
    /// Records an error when `ok` is false.
    pub fn check(&mut self, ok: bool, field: &str, code: &'static str, message: &str) {
        if !ok {
            self.push(field, code, message);
        }
    }
    /// Checks that a text is present, not blank and at most `max` characters.
    pub fn text(&mut self, value: Option<&str>, field: &str, max: usize) {
        match value {
            None => self.push(field, "required", "is required"),
            Some(v) if v.trim().is_empty() => self.push(field, "blank", "must not be blank"),
            Some(v) if v.chars().count() > max => {
                self.push(field, "too_long", format!("must be at most {max} characters"))
            }
            Some(_) => {}
        }
    }
    /// Checks an optional text's length when it is present.
    pub fn optional_text(&mut self, value: Option<&str>, field: &str, max: usize) {
        if let Some(v) = value
            && v.chars().count() > max
        {
            self.push(field, "too_long", format!("must be at most {max} characters"));
        }
    }
    /// Refuses a value that a spreadsheet would read as a formula (it begins with `=`, `+`, `-`,
    /// `@`, a tab or a carriage return; OWASP's CSV-injection list). Values that reach an export a
    /// person may open in a spreadsheet (bank labels, tags, notes, provenance) are checked where
    /// they enter, so that exports stay safe without escaping, and round-trip unchanged.
    pub fn spreadsheet_safe(&mut self, value: Option<&str>, field: &str) {
        if let Some(v) = value
            && !spreadsheet_safe(v)
        {
            self.push(
                field,
                "formula_like",
                "must not begin with '=', '+', '-', '@', a tab or a carriage return (a spreadsheet would run it)",
            );
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() { Ok(()) } else { Err(Invalid(self.0)) }
    }
}

/// Whether a spreadsheet would take `value` as text, not as a formula (see
/// [`Checker::spreadsheet_safe`]).
pub fn spreadsheet_safe(value: &str) -> bool {
    !value.starts_with(['=', '+', '-', '@', '\t', '\r'])
}
