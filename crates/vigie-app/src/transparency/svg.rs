//! Server-drawn SVG charts: no script, no external asset, readable without colour.

use std::fmt::Write;

/// Escapes text for HTML and SVG content and attribute values.
pub(crate) fn esc(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const ROW: u32 = 26;
const LABEL: u32 = 190;
const BAR: u32 = 300;
const WIDTH: u32 = LABEL + BAR + 80;

/// A horizontal bar chart of labelled values; each bar carries its number in text, so the chart
/// reads the same in greyscale and to a screen reader (the `<title>` and `<desc>` say it all).
pub(crate) fn bars(title: &str, rows: &[(String, f64, String)]) -> String {
    let max = rows.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let height = ROW * rows.len().max(1) as u32 + 8;
    let desc: Vec<String> = rows.iter().map(|(l, _, shown)| format!("{l}: {shown}")).collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" aria-labelledby="t d"><title>{}</title><desc>{}</desc>"#,
        esc(title),
        esc(&desc.join("; "))
    );
    if rows.is_empty() {
        let _ = write!(s, r##"<text x="0" y="18" fill="#333">No data in this period</text>"##);
    }
    for (i, (label, value, shown)) in rows.iter().enumerate() {
        let y = i as u32 * ROW + 4;
        let w = if max > 0.0 { (value / max * f64::from(BAR)).round() as u32 } else { 0 };
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" fill="#1a1a1a" font-size="13">{label}</text><rect x="{LABEL}" y="{y}" width="{w}" height="{bh}" fill="#1f5f8b"/><text x="{vx}" y="{ty}" fill="#1a1a1a" font-size="13">{shown}</text>"##,
            lx = LABEL - 8,
            ty = y + 15,
            label = esc(label),
            bh = ROW - 8,
            vx = LABEL + w + 6,
            shown = esc(shown),
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_largest() {
        let svg = bars("T<1>", &[("<script>".into(), 10.0, "10".into()), ("b".into(), 5.0, "5".into())]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(&format!(r#"width="{BAR}""#)));
        assert!(svg.contains(&format!(r#"width="{}""#, BAR / 2)));
    }
}
