//! Server-drawn SVG charts: no script, no external asset, readable without colour.

use std::fmt::Write;

/// Escapes text for HTML and SVG content and attribute values.
pub fn esc(raw: &str) -> String {
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

fn open(s: &mut String, id: &str, title: &str, desc: &str, width: u32, height: u32) {
    let id = esc(id);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

/// A horizontal bar chart of labelled values; each bar carries its number in text, so the chart
/// reads the same in greyscale and to a screen reader (the `<title>` and `<desc>` say it all).
/// `id` must be unique in the page.
pub fn bars(id: &str, title: &str, rows: &[(String, f64, String)]) -> String {
    let max = rows.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let height = ROW * rows.len().max(1) as u32 + 8;
    let desc: Vec<String> = rows.iter().map(|(l, _, shown)| format!("{l}: {shown}")).collect();
    let mut s = String::new();
    open(&mut s, id, title, &desc.join("; "), WIDTH, height);
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

/// Fills for the series of a stacked chart: distinct hues, each at least 3:1 against the white
/// page (WCAG 1.4.11), and told apart by lightness too; segments are parted by a white line, and
/// each row's split is also in text.
const FILLS: [&str; 5] = ["#12324a", "#b35900", "#2e7d32", "#6a1b9a", "#1f78b4"];

/// Horizontal stacked bars: one row per label, one segment per series, with a legend and each
/// row's total and split in text. `id` must be unique in the page.
pub fn stacked(id: &str, title: &str, series: &[&str], rows: &[(String, Vec<u64>)]) -> String {
    let max = rows.iter().map(|(_, v)| v.iter().sum::<u64>()).max().unwrap_or(0);
    let legend_h = 24;
    let height = legend_h + ROW * rows.len().max(1) as u32 + 8;
    let width = WIDTH + 140;
    let desc: Vec<String> = rows
        .iter()
        .map(|(l, v)| {
            let parts: Vec<String> =
                series.iter().zip(v).filter(|(_, n)| **n > 0).map(|(s, n)| format!("{s} {n}")).collect();
            format!("{l}: {}", if parts.is_empty() { "none".to_owned() } else { parts.join(", ") })
        })
        .collect();
    let mut s = String::new();
    open(&mut s, id, title, &desc.join("; "), width, height);
    let mut x = 0u32;
    for (i, name) in series.iter().enumerate() {
        let _ = write!(
            s,
            r##"<rect x="{x}" y="4" width="12" height="12" fill="{fill}" stroke="#1a1a1a"/><text x="{tx}" y="15" fill="#1a1a1a" font-size="12">{name}</text>"##,
            fill = FILLS[i % FILLS.len()],
            tx = x + 16,
            name = esc(name),
        );
        x += 16 + 8 * name.len() as u32 + 16;
    }
    if rows.is_empty() {
        let _ = write!(s, r##"<text x="0" y="{}" fill="#333">No data in this period</text>"##, legend_h + 16);
    }
    for (r, (label, values)) in rows.iter().enumerate() {
        let y = legend_h + r as u32 * ROW + 4;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" fill="#1a1a1a" font-size="13">{label}</text>"##,
            lx = LABEL - 8,
            ty = y + 15,
            label = esc(label),
        );
        let mut at = LABEL;
        for (i, v) in values.iter().enumerate() {
            let w = if max > 0 { (*v as f64 / max as f64 * f64::from(BAR)).round() as u32 } else { 0 };
            if w > 0 {
                let _ = write!(
                    s,
                    r##"<rect x="{at}" y="{y}" width="{w}" height="{bh}" fill="{fill}" stroke="#fff" stroke-width="1"/>"##,
                    bh = ROW - 8,
                    fill = FILLS[i % FILLS.len()],
                );
            }
            at += w;
        }
        let total: u64 = values.iter().sum();
        let _ = write!(
            s,
            r##"<text x="{vx}" y="{ty}" fill="#1a1a1a" font-size="13">{total}</text>"##,
            vx = at + 6,
            ty = y + 15
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
        let svg = bars("c1", "T<1>", &[("<script>".into(), 10.0, "10".into()), ("b".into(), 5.0, "5".into())]);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(&format!(r#"width="{BAR}""#)));
        assert!(svg.contains(&format!(r#"width="{}""#, BAR / 2)));
        assert!(svg.contains(r#"aria-labelledby="c1-t c1-d""#));
    }

    #[test]
    fn stacked_rows_say_their_split_in_words() {
        let svg = stacked("c2", "Per day", &["order", "public"], &[("2026-11-30".into(), vec![2, 3])]);
        assert!(svg.contains("2026-11-30: order 2, public 3"));
        assert!(svg.contains(">5</text>"), "the total");
    }
}
