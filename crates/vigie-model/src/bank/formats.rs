//! The two bank file formats of python-threatexchange, which HMA and hash-sharing programmes use:
//!
//! - `local_file`: one signal per line, `<signal_type> <value>` (or a bare value when the reader
//!   is told the type);
//! - CSV, as `threatexchange dataset -P --csv` prints it: a header
//!   `signal_type,signal_str,collab,category,tags`, tags separated by spaces.
//!
//! Reading is strict: an unknown signal type or a malformed value is an error naming its line,
//! and nothing of a file with errors is imported (unless the caller asks to skip unknown types).
//!
//! TMK+PDQF is binary and lives in neither: a bank's `.tmk` files travel as a directory of the
//! files and a [`TmkManifest`] (`manifest.json`) naming each with its SHA-256 and metadata.

use super::SignalType;
use crate::validation::{Checker, Invalid, spreadsheet_safe};

/// The CSV header python-threatexchange writes and reads.
pub const CSV_HEADER: &str = "signal_type,signal_str,collab,category,tags";

/// Most errors listed for one file.
const MAX_ERRORS: usize = 20;

/// One signal read from a file, with what the file says of its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSignal {
    pub signal_type: SignalType,
    /// Canonical (lower-case hex).
    pub value: String,
    /// The collaboration (exchange) it came from, when the file says.
    pub collab: Option<String>,
    /// python-threatexchange's opinion category, e.g. `POSITIVE_CLASS`.
    pub category: Option<String>,
    pub tags: Vec<String>,
    /// 1-based line in the file.
    pub line: usize,
}

/// What a file held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedFile {
    pub signals: Vec<FileSignal>,
    /// Lines skipped because their signal type is one Vigie does not hold (when allowed).
    pub skipped_unknown: usize,
}

/// Which format a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    LocalFile,
    Csv,
}

impl Format {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "local_file" | "txt" => Some(Format::LocalFile),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::LocalFile => "local_file",
            Format::Csv => "csv",
        }
    }
}

struct Errors(Checker, usize);

impl Errors {
    fn push(&mut self, line: usize, code: &'static str, message: String) {
        self.1 += 1;
        if self.1 <= MAX_ERRORS {
            self.0.push(format!("line {line}"), code, message);
        }
    }
    fn finish(self, parsed: ParsedFile) -> Result<ParsedFile, Invalid> {
        let Errors(mut c, n) = self;
        if n > MAX_ERRORS {
            c.push("file", "more_errors", format!("{} more lines have errors", n - MAX_ERRORS));
        }
        c.finish().map(|()| parsed)
    }
}

fn signal(
    errors: &mut Errors,
    out: &mut ParsedFile,
    line: usize,
    raw_type: &str,
    raw_value: &str,
    skip_unknown: bool,
) -> Option<(SignalType, String)> {
    let Some(t) = SignalType::parse(raw_type) else {
        if skip_unknown {
            out.skipped_unknown += 1;
        } else {
            errors.push(
                line,
                "unknown_signal_type",
                format!("unknown signal type {raw_type:?}: pdq, video_md5, video_sha256, vpdq, url, url_md5, raw_text or text_tlsh"),
            );
        }
        return None;
    };
    if t.is_file() {
        // A `.tmk` file is binary: it travels on its own endpoint, never as a line of a list.
        if skip_unknown {
            out.skipped_unknown += 1;
        } else {
            errors.push(
                line,
                "file_signal_type",
                format!("{raw_type:?} signals are binary files: add each one on its own endpoint"),
            );
        }
        return None;
    }
    match t.normalise(raw_value) {
        Ok(v) => Some((t, v)),
        Err(msg) => {
            errors.push(line, "invalid_hash", msg);
            None
        }
    }
}

/// Reads a `local_file`. `default_type` reads lines that hold a bare value.
pub fn read_local_file(
    text: &str,
    default_type: Option<SignalType>,
    skip_unknown: bool,
) -> Result<ParsedFile, Invalid> {
    let mut out = ParsedFile::default();
    let mut errors = Errors(Checker::new(), 0);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (t, v) = match (l.split_once(char::is_whitespace), default_type) {
            (Some((t, v)), _) => (t, v.trim()),
            (None, Some(t)) => (t.as_str(), l),
            (None, None) => {
                errors.push(line, "missing_signal_type", "expected \"<signal_type> <hash>\"".into());
                continue;
            }
        };
        if let Some((signal_type, value)) = signal(&mut errors, &mut out, line, t, v, skip_unknown) {
            out.signals.push(FileSignal { signal_type, value, collab: None, category: None, tags: Vec::new(), line });
        }
    }
    errors.finish(out)
}

/// Writes a `local_file`, with python-threatexchange's signal type names.
pub fn write_local_file<'a>(signals: impl IntoIterator<Item = (SignalType, &'a str)>) -> String {
    let mut out = String::new();
    for (t, v) in signals {
        out.push_str(t.pytx_name());
        out.push(' ');
        out.push_str(&t.exchange_form(v));
        out.push('\n');
    }
    out
}

/// Splits one CSV record (RFC 4180: quoted fields, doubled quotes inside them).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => {
                quoted = false;
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err("a quoted field must end at a comma".into());
                }
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut cur));
                at_start = true;
            }
            (_, c) => {
                cur.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("an unterminated quoted field".into());
    }
    fields.push(cur);
    Ok(fields)
}

fn csv_quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Reads python-threatexchange's CSV. The header is required, so a file in another shape is
/// refused rather than misread.
pub fn read_csv(text: &str, skip_unknown: bool) -> Result<ParsedFile, Invalid> {
    let mut out = ParsedFile::default();
    let mut errors = Errors(Checker::new(), 0);
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, h)) if h.trim().trim_start_matches('\u{feff}') == CSV_HEADER => {}
        _ => return Err(Invalid::one("line 1", "missing_header", format!("the first line must be {CSV_HEADER}"))),
    }
    for (i, raw) in lines {
        let line = i + 1;
        let fields = match csv_fields(raw.trim_end_matches('\r')) {
            Ok(f) if f.len() == 5 => f,
            Ok(f) => {
                errors.push(line, "wrong_field_count", format!("expected 5 fields, found {}", f.len()));
                continue;
            }
            Err(e) => {
                errors.push(line, "malformed_csv", e);
                continue;
            }
        };
        let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let tags: Vec<String> = fields[4].split_whitespace().map(str::to_owned).collect();
        let formula = [&fields[2], &fields[3]].into_iter().chain(&tags).find(|f| !spreadsheet_safe(f.trim()));
        if let Some(f) = formula {
            errors.push(
                line,
                "formula_like",
                format!(
                    "{f:?} begins with '=', '+', '-', '@', a tab or a carriage return (a spreadsheet would run it)"
                ),
            );
            continue;
        }
        if let Some((signal_type, value)) = signal(&mut errors, &mut out, line, &fields[0], &fields[1], skip_unknown) {
            out.signals.push(FileSignal {
                signal_type,
                value,
                collab: non_empty(&fields[2]),
                category: non_empty(&fields[3]),
                tags,
                line,
            });
        }
    }
    errors.finish(out)
}

/// Writes python-threatexchange's CSV.
pub fn write_csv<'a>(rows: impl IntoIterator<Item = &'a FileSignal>) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for r in rows {
        let fields = [
            r.signal_type.pytx_name().to_owned(),
            r.signal_type.exchange_form(&r.value).into_owned(),
            r.collab.clone().unwrap_or_default(),
            r.category.clone().unwrap_or_default(),
            r.tags.join(" "),
        ];
        out.push_str(&fields.iter().map(|f| csv_quote(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// The name of a TMK directory's manifest.
pub const TMK_MANIFEST: &str = "manifest.json";
/// The manifest's `format`.
pub const TMK_MANIFEST_FORMAT: &str = "vigie-tmk";
/// Most files one manifest names.
pub const MAX_TMK_FILES: usize = 100_000;

/// A directory of `.tmk` files (`vigie bank export --format tmk`): each file named, with its
/// SHA-256 and size, so an importer checks every file before sending any.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TmkManifest {
    /// Always [`TMK_MANIFEST_FORMAT`].
    pub format: String,
    /// 1.
    pub version: u32,
    /// The bank the files were exported from, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    pub files: Vec<TmkManifestFile>,
}

/// One `.tmk` file of a [`TmkManifest`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TmkManifestFile {
    /// A plain file name in the manifest's directory (no directory part).
    pub file: String,
    /// Lower-case hex of the file's SHA-256.
    pub sha256: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_uri: Option<String>,
}

/// Whether `name` names a file in the same directory, and nothing else: no separator, no `..`,
/// not hidden, printable.
fn plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains(['/', '\\', ':'])
        && !name.chars().any(char::is_control)
}

impl TmkManifest {
    pub fn new(bank: Option<String>, files: Vec<TmkManifestFile>) -> Self {
        TmkManifest { format: TMK_MANIFEST_FORMAT.into(), version: 1, bank, files }
    }

    /// Reads a manifest strictly: its format and version, each file's name (a plain name, once)
    /// and SHA-256 (64 hex digits, stored lower-case).
    pub fn read(text: &str) -> Result<TmkManifest, Invalid> {
        let mut m: TmkManifest = serde_json::from_str(text)
            .map_err(|e| Invalid::one("manifest", "invalid_manifest", format!("not a TMK manifest: {e}")))?;
        let mut c = Checker::new();
        c.check(m.format == TMK_MANIFEST_FORMAT, "format", "unknown_format", &format!("\"{TMK_MANIFEST_FORMAT}\""));
        c.check(m.version == 1, "version", "unknown_version", "1");
        c.check(m.files.len() <= MAX_TMK_FILES, "files", "too_many", &format!("at most {MAX_TMK_FILES} files"));
        let mut seen = std::collections::HashSet::new();
        for (i, f) in m.files.iter_mut().enumerate() {
            let field = format!("files[{i}]");
            if !plain_file_name(&f.file) {
                c.push(format!("{field}.file"), "invalid_file_name", "a file name in the manifest's directory");
            } else if !seen.insert(f.file.clone()) {
                c.push(format!("{field}.file"), "duplicate_file", "named twice");
            }
            f.sha256 = f.sha256.trim().to_ascii_lowercase();
            if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                c.push(format!("{field}.sha256"), "invalid_hash", "64 hexadecimal digits");
            }
        }
        c.finish()?;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDQ: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

    #[test]
    fn local_files_read_typed_and_bare_lines_and_round_trip() {
        let text = format!("# a comment\npdq {PDQ}\n\nvideo_md5 D41D8CD98F00B204E9800998ECF8427E\n{PDQ}\n");
        let parsed = read_local_file(&text, Some(SignalType::Pdq), false).unwrap();
        assert_eq!(parsed.signals.len(), 3);
        assert_eq!(parsed.signals[1].signal_type, SignalType::Md5);
        assert_eq!(parsed.signals[1].line, 4);
        let written = write_local_file(parsed.signals.iter().map(|s| (s.signal_type, s.value.as_str())));
        assert_eq!(read_local_file(&written, None, false).unwrap().signals.len(), 3);
        assert!(written.starts_with(&format!("pdq {PDQ}\nvideo_md5 d41d8")));
    }

    #[test]
    fn a_file_with_errors_names_each_line_and_imports_nothing() {
        let text = format!("pdq {PDQ}\nphotodna abc\npdq 1234\n{PDQ}\n");
        let err = read_local_file(&text, None, false).unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [("line 2", "unknown_signal_type"), ("line 3", "invalid_hash"), ("line 4", "missing_signal_type")]
        );
        let lenient = read_local_file(&format!("pdq {PDQ}\nphotodna abc\n"), None, true).unwrap();
        assert_eq!((lenient.signals.len(), lenient.skipped_unknown), (1, 1));
    }

    #[test]
    fn many_errors_are_capped_with_a_count() {
        let text = "pdq x\n".repeat(30);
        let err = read_local_file(&text, None, false).unwrap_err();
        assert_eq!(err.errors().len(), 21);
        assert_eq!(err.errors()[20].code, "more_errors");
    }

    #[test]
    fn csv_round_trips_with_quoting_and_tags() {
        let rows = vec![FileSignal {
            signal_type: SignalType::Pdq,
            value: PDQ.into(),
            collab: Some("Hash list, \"2026\"".into()),
            category: Some("POSITIVE_CLASS".into()),
            tags: vec!["crisis-a".into(), "tier1".into()],
            line: 2,
        }];
        let text = write_csv(&rows);
        assert!(text.starts_with(CSV_HEADER));
        assert_eq!(read_csv(&text, false).unwrap().signals, rows);
    }

    #[test]
    fn a_video_signal_travels_in_both_formats_with_three_digit_timestamps() {
        let stored = SignalType::Vpdq.normalise(&format!("[\"{PDQ},90,0.0\", \"{PDQ},85,0.3333333\"]")).unwrap();
        let exchanged = format!("[\"{PDQ},90,0.0\", \"{PDQ},85,0.333\"]");
        let local = write_local_file([(SignalType::Vpdq, stored.as_str())]);
        assert_eq!(local, format!("vpdq {exchanged}\n"));
        let read = read_local_file(&local, None, false).unwrap().signals;
        assert_eq!(
            (read[0].signal_type, SignalType::Vpdq.exchange_form(&read[0].value)),
            (SignalType::Vpdq, exchanged.clone().into())
        );
        let row = FileSignal {
            signal_type: SignalType::Vpdq,
            value: stored,
            collab: None,
            category: None,
            tags: vec![],
            line: 2,
        };
        let csv = write_csv([&row]);
        assert!(csv.contains(&format!("vpdq,\"{}\"", exchanged.replace('"', "\"\""))), "{csv}");
        assert_eq!(SignalType::Vpdq.exchange_form(&read_csv(&csv, false).unwrap().signals[0].value), exchanged);
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_refused_with_their_line() {
        for bad in ["=HYPERLINK(\"https://x.example\")", "+1", "-2+3", "@SUM(A1)", "\"\t=1\""] {
            for (collab, category, tags) in
                [(bad, "", ""), ("", bad, ""), ("", "", bad), ("", "", "ok =cmd|' /C calc'!A0")]
            {
                let text = format!("{CSV_HEADER}\npdq,{PDQ},,,\npdq,{PDQ},{collab},{category},{tags}\n");
                let err = read_csv(&text, false).unwrap_err();
                let found: Vec<_> = err.errors().iter().map(|e| (e.field.as_str(), e.code)).collect();
                assert_eq!(found, [("line 3", "formula_like")], "{text}");
            }
        }
        // Inner signs are harmless: only the first character of a cell counts.
        let ok = read_csv(&format!("{CSV_HEADER}\npdq,{PDQ},list-a,POSITIVE_CLASS,tier-1 a=b\n"), false).unwrap();
        assert_eq!(ok.signals[0].tags, ["tier-1", "a=b"]);
    }

    #[test]
    fn csv_needs_its_header_and_five_fields() {
        assert_eq!(read_csv(&format!("pdq,{PDQ},,,\n"), false).unwrap_err().errors()[0].code, "missing_header");
        let err = read_csv(&format!("{CSV_HEADER}\npdq,{PDQ}\npdq,\"{PDQ},x,y,z\n"), false).unwrap_err();
        let codes: Vec<_> = err.errors().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["wrong_field_count", "malformed_csv"]);
    }

    #[test]
    fn a_tmk_manifest_round_trips_and_refuses_names_outside_its_directory() {
        let file = |name: &str| TmkManifestFile {
            file: name.into(),
            sha256: "AB".repeat(32),
            bytes: 263_344,
            note: Some("n".into()),
            content_id: None,
            content_uri: None,
        };
        let m = TmkManifest::new(Some("B".into()), vec![file("a.tmk"), file("b.tmk")]);
        let read = TmkManifest::read(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(read.files[0].sha256, "ab".repeat(32), "stored lower-case");
        assert_eq!(read.files.len(), 2);
        for bad in ["../x.tmk", "/etc/passwd", "d/x.tmk", ".hidden", "", "a\\b", "c:x"] {
            let m = TmkManifest::new(None, vec![file(bad)]);
            let err = TmkManifest::read(&serde_json::to_string(&m).unwrap()).unwrap_err();
            assert_eq!(err.errors()[0].code, "invalid_file_name", "{bad:?}");
        }
        let twice = TmkManifest::new(None, vec![file("a.tmk"), file("a.tmk")]);
        assert_eq!(
            TmkManifest::read(&serde_json::to_string(&twice).unwrap()).unwrap_err().errors()[0].code,
            "duplicate_file"
        );
        assert!(TmkManifest::read("{\"format\":\"other\",\"version\":1,\"files\":[]}").is_err());
        assert!(TmkManifest::read("{\"format\":\"vigie-tmk\",\"version\":1,\"files\":[],\"extra\":1}").is_err());
        assert!(TmkManifest::read("not json").is_err());
        let mut short = file("a.tmk");
        short.sha256 = "abc".into();
        assert!(TmkManifest::read(&serde_json::to_string(&TmkManifest::new(None, vec![short])).unwrap()).is_err());
    }

    #[test]
    fn a_tmk_line_in_a_hash_list_is_refused_or_skipped() {
        let line = format!("tmk {}\n", "ab".repeat(32));
        let err = read_local_file(&line, None, false).unwrap_err();
        assert_eq!(err.errors()[0].code, "file_signal_type");
        let skipped = read_local_file(&line, None, true).unwrap();
        assert_eq!((skipped.signals.len(), skipped.skipped_unknown), (0, 1));
    }
}
