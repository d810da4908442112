//! Shared SVG helpers for every chart: the palette and fonts, XML escaping, the opening
//! `<svg>`, text lines and blocks, number and money formatting, axis rounding, text-width
//! estimates and word wrap, box overlap, and the content hash behind element ids.

/// Width of every chart, in `viewBox` units.
pub(super) const WIDTH: f64 = 720.0;
pub(super) const FONT: &str = "system-ui, sans-serif";
pub(super) const GREEN: &str = "#2f6f4f";
pub(super) const AMBER: &str = "#a15c00";
pub(super) const RED: &str = "#b42318";
pub(super) const INK: &str = "#1d2430";
pub(super) const GRID: &str = "#d9dee7";
pub(super) const MUTED: &str = "#5b6575";
pub(super) const OUTLINE: &str = "#8a94a6";
pub(super) const TRACK: &str = "#f3f5f8";
pub(super) const BOX_FILL: &str = "#f6f8fb";
/// How much wider semi-bold text runs than regular, for width estimates.
pub(super) const BOLD: f64 = 1.14;
/// A white outline painted under text, so labels stay legible where they cross lines.
pub(super) const HALO: &str =
    r#"stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke""#;

/// Escapes text for XML content and attribute values. Characters XML 1.0 forbids (control
/// characters other than tab and line breaks) are dropped; tabs and line breaks become spaces.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The opening `<svg>` with its accessible title and description.
pub(super) fn open_svg(id: &str, height: f64, title: &str, desc: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}" font-size="13" fill="{INK}" style="display:block;max-width:100%;height:auto"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
        w = num(WIDTH),
        h = num(height.ceil()),
        title = escape(title),
        desc = escape(desc),
    )
}

/// One line of text; `content` is escaped here, `attrs` are trusted.
pub(super) fn text(x: f64, y: f64, attrs: &str, content: &str) -> String {
    format!(
        r#"<text x="{}" y="{}" {attrs}>{}</text>"#,
        num(x),
        num(y),
        escape(content)
    )
}

/// Lines of text centred vertically on `y_mid`.
pub(super) fn text_block(
    x: f64,
    y_mid: f64,
    lines: &[String],
    size: f64,
    line_h: f64,
    attrs: &str,
) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let first = y_mid - (lines.len() as f64 - 1.0) * line_h / 2.0 + size * 0.35;
    let mut s = format!(
        r#"<text x="{}" y="{}" font-size="{}" {attrs}>"#,
        num(x),
        num(first),
        num(size)
    );
    for (i, line) in lines.iter().enumerate() {
        let dy = if i == 0 { 0.0 } else { line_h };
        s.push_str(&format!(
            r#"<tspan x="{}" dy="{}">{}</tspan>"#,
            num(x),
            num(dy),
            escape(line)
        ));
    }
    s.push_str("</text>");
    s
}

/// A coordinate with at most one decimal; never `NaN`, `inf` or `-0`.
pub(super) fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// `x` with at most `places` decimals, trailing zeros dropped.
pub(super) fn decimals(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let s = format!("{x:.places$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A short human number to three significant digits: `950`, `1.25k`, `15.6M`, `2B`, `3T`, then
/// `1.2e15`.
pub(super) fn compact(x: f64) -> String {
    if !x.is_finite() {
        return "?".into();
    }
    let places = |v: f64| {
        let a = v.abs();
        if a < 1.0 {
            3
        } else if a < 10.0 {
            2
        } else if a < 100.0 {
            1
        } else {
            0
        }
    };
    for (unit, suffix) in [(1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")] {
        let v = x / unit;
        let shown = decimals(v, places(v));
        // Rounding can carry into the next unit: 999.96k shows as 1M, not 1000k.
        if shown
            .trim_start_matches('-')
            .parse::<f64>()
            .is_ok_and(|s| s < 1000.0)
        {
            return format!("{shown}{suffix}");
        }
    }
    // Scientific beyond trillions, without pointless zeros: 1e15, 2.5e20, 1.25e297.
    let sci = format!("{x:.2e}");
    match sci.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => format!(
            "{}e{exponent}",
            mantissa.trim_end_matches('0').trim_end_matches('.')
        ),
        _ => sci,
    }
}

/// A short money label for axis ticks: `$0`, `$0.25`, `$120`, `$1.2k`.
pub(super) fn money(x: f64) -> String {
    format!("${}", compact(x))
}

/// Money as a reader expects it in a label: `$87.70`, `$1,235`, then `$1.24M`.
pub(super) fn money_exact(x: f64) -> String {
    let a = x.abs();
    if !x.is_finite() || a >= 100_000.0 {
        return money(x);
    }
    if a < 1000.0 {
        return format!("${x:.2}");
    }
    let digits = format!("{:.0}", a);
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}", if x < 0.0 { "-" } else { "" })
}

/// A round upper bound for an axis from zero, and its step (about five steps).
pub(super) fn nice_ceiling(max: f64) -> (f64, f64) {
    if !(max.is_finite() && max > 0.0) {
        return (1.0, 0.25);
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let step = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 2.5 {
        2.5
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    } * magnitude;
    let top = (max / step).ceil() * step;
    if step > 0.0 && step.is_finite() && top.is_finite() && top > 0.0 {
        (top, step)
    } else {
        (max, max / 4.0)
    }
}

/// Approximate rendered width of `s` in a regular sans-serif font at `size`, calibrated on DejaVu
/// Sans (wider than most system UI fonts, so estimates err on the roomy side).
pub(super) fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'I' => 0.3,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | ' ' | '/' | '-' => 0.39,
            'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.92,
            c if c.is_ascii_uppercase() => 0.69,
            c if c.is_ascii_digit() => 0.64,
            c if c >= '\u{2E80}' => 1.0,
            _ => 0.6,
        })
        .sum::<f64>()
        * size
}

/// Greedy word wrap into at most `max_lines` lines of `max_w`; over-long words are broken, and
/// text that still does not fit ends in an ellipsis.
pub(super) fn wrap(s: &str, max_w: f64, size: f64, max_lines: usize) -> Vec<String> {
    let max_w = max_w.max(size * 2.0);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || text_width(&candidate, size) <= max_w {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        if text_width(&line, size) <= max_w {
            out.push(line);
            continue;
        }
        let mut piece = String::new();
        for c in line.chars() {
            piece.push(c);
            if piece.chars().count() > 1 && text_width(&piece, size) > max_w {
                piece.pop();
                out.push(std::mem::replace(&mut piece, c.to_string()));
            }
        }
        if !piece.trim().is_empty() {
            out.push(piece.trim().to_string());
        }
    }
    if out.len() > max_lines.max(1) {
        out.truncate(max_lines.max(1));
        if let Some(last) = out.last_mut() {
            while !last.is_empty() && text_width(&format!("{last}…"), size) > max_w {
                last.pop();
            }
            let trimmed = last.trim_end().to_string();
            *last = format!("{trimmed}…");
        }
    }
    out
}

/// FNV-1a over the chart's content, for ids that differ between charts on one page.
pub(super) struct Fnv(u64);

impl Fnv {
    pub(super) fn new(kind: &str) -> Self {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.str(kind);
        h
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(super) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xff]);
    }

    pub(super) fn f64(&mut self, x: f64) {
        self.bytes(&x.to_bits().to_le_bytes());
    }

    pub(super) fn id(&self, kind: &str) -> String {
        format!("trellis-{kind}-{:012x}", self.0 & 0xffff_ffff_ffff)
    }
}

pub(super) fn boxes_overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::testing::*;

    // --- Helpers ----------------------------------------------------------------------------

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape(HOSTILE), HOSTILE_ESCAPED);
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape(r#""onload="#), "&quot;onload=");
        assert_eq!(escape("a\u{0}b\u{1b}c\u{ffff}"), "abc");
        assert_eq!(escape("line\nbreak\ttab"), "line break tab");
        assert_eq!(escape("Café 東京 ✓"), "Café 東京 ✓");
        check_chars(&escape(HOSTILE));
    }

    #[test]
    fn labels_are_human() {
        assert_eq!(compact(0.0), "0");
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(250_000.0), "250k");
        assert_eq!(compact(1_250_000.0), "1.25M");
        assert_eq!(compact(1.5e6), "1.5M");
        assert_eq!(compact(10e6), "10M");
        assert_eq!(compact(15_552_000.0), "15.6M");
        assert_eq!(compact(999_999.0), "1M");
        assert_eq!(compact(3.888e9), "3.89B");
        assert_eq!(compact(2e12), "2T");
        assert_eq!(compact(1.5e20), "1.5e20");
        assert_eq!(compact(2e15), "2e15");
        assert_eq!(compact(1.25e297), "1.25e297");
        assert_eq!(compact(f64::NAN), "?");
        assert_eq!(money(0.0), "$0");
        assert_eq!(money(0.25), "$0.25");
        assert_eq!(money(120.0), "$120");
        assert_eq!(money(1200.0), "$1.2k");
        assert_eq!(money_exact(87.7), "$87.70");
        assert_eq!(money_exact(1234.56), "$1,235");
        assert_eq!(money_exact(123_456.0), "$123k");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(nice_ceiling(87.7), (100.0, 20.0));
        assert_eq!(nice_ceiling(0.0), (1.0, 0.25));
        let (top, step) = nice_ceiling(f64::MAX);
        assert!(top.is_finite() && step.is_finite() && top >= f64::MAX / 2.0);
    }

    #[test]
    fn wrapping_fits_and_keeps_every_word() {
        let lines = wrap("Wait for approval (task token)", 120.0, 13.0, 3);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 13.0) <= 120.0));
        assert_eq!(lines.join(" "), "Wait for approval (task token)");
        let long = wrap(&"x".repeat(200), 100.0, 13.0, 2);
        assert_eq!(long.len(), 2);
        assert!(long[1].ends_with('…'));
        assert!(wrap("", 100.0, 13.0, 2).is_empty());
    }
}
