//! Untrusted text in the Markdown exports (`report.md`, the ADRs, the backlog, `diff.md`, the
//! starter README): workload names and descriptions, notes, owners, milestone labels, and the
//! titles and help of an imported lens. Everything such text could make active is disabled by
//! escaping characters, not by parsing, so it holds wherever the text lands and whatever text
//! sits next to it:
//!
//! - `<` (and `>` in a line) become entities: no raw HTML (`<script>`, `<img onerror=…>`), no
//!   `<javascript:…>` autolink;
//! - `[` and `]` are backslash-escaped: no link, image, reference definition or footnote, so no
//!   `javascript:`, `data:` or `vbscript:` target and no external image (a bare `https://` address
//!   still reads as one, and GitHub still links it);
//! - a single-line field ([`line`], [`cell`]) has its line breaks collapsed, its backslashes
//!   escaped, and a first character that would start a heading, list, quote, fence, thematic
//!   break, setext underline, table or definition escaped.
//!
//! [`block`] keeps a multi-line text's own Markdown (paragraphs, lists, quotes, emphasis, code)
//! but none of the above, and no heading. Templates use the [`filters`] (`{{ x|md_line }}`, `{{ x|md_block }}`); Rust that
//! builds rows calls the functions.

/// One line of untrusted text: whitespace runs (line breaks included) collapse to a space, and
/// nothing in it can be HTML, a link or an image, or start a Markdown block.
pub fn line(s: &str) -> String {
    inline(s, false)
}

/// [`line`] for a table cell: pipes are escaped too, so the text cannot end the cell.
pub fn cell(s: &str) -> String {
    inline(s, true)
}

fn inline(s: &str, in_cell: bool) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(flat.len() + 8);
    for c in flat.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' if in_cell => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            c => out.push(c),
        }
    }
    if let Some(at) = block_start(&out) {
        out.insert(at, '\\');
    }
    out
}

/// Where to put a backslash so that a line starting with `s` is a paragraph, if it would start
/// anything else: an ATX heading (`#`), a list item (`-`, `+`, `*`, `1.`, `1)`), a thematic break
/// or setext underline (`***`, `---`, `___`, `===`, `=`), a code fence (```` ``` ````, `~~~`), a
/// table row (`|`). (`>`, `<` and `[` never reach here unescaped.)
fn block_start(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let first = *b.first()?;
    let space_or_end = |i: usize| b.get(i).is_none_or(|c| matches!(c, b' ' | b'\t'));
    match first {
        b'#' | b'|' => Some(0),
        b'-' | b'+' | b'*' | b'=' | b'_' | b'`' | b'~' => {
            let run = b.iter().take_while(|&&c| c == first).count();
            let only = b.iter().all(|&c| c == first || c == b' ' || c == b'\t');
            (space_or_end(1) || run >= 3 || only).then_some(0)
        }
        b'0'..=b'9' => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            (digits <= 9 && matches!(b.get(digits), Some(b'.' | b')')) && space_or_end(digits + 1))
                .then_some(digits)
        }
        _ => None,
    }
}

/// Multi-line untrusted Markdown (a description, a lens's help or improvement text): its
/// paragraphs, lists, quotes, emphasis and code stay, but it can hold no HTML, link or image,
/// and no heading (which would pose as a section of the export). Line endings become `\n`;
/// trailing whitespace goes.
pub fn block(s: &str) -> String {
    let text = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = inert(text.trim_end());
    // Escaping a heading's marker can only turn it into a paragraph line; a few rounds settle
    // any that it uncovers (a setext underline under an escaped ATX heading, say).
    for _ in 0..4 {
        let escaped = unheading(&out);
        if escaped == out {
            break;
        }
        out = escaped;
    }
    out
}

/// `<` as an entity, `[` and `]` escaped unless a backslash already escapes them.
fn inert(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    // Backslashes right before the current character: an odd count already escapes it.
    let mut backslashes = 0usize;
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '[' | ']' if backslashes.is_multiple_of(2) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    out
}

/// `text` with a backslash before the marker of every heading a Markdown renderer would see: the
/// `#` of an ATX heading, the first `=` or `-` of a setext underline. Code blocks are left alone.
fn unheading(text: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let mut at = Vec::new();
    for (event, range) in Parser::new_ext(text, Options::all()).into_offset_iter() {
        if !matches!(event, Event::Start(Tag::Heading { .. })) {
            continue;
        }
        let source = &text[range.clone()];
        let body = source.trim_start();
        if body.starts_with('#') {
            at.push(range.start + source.len() - body.len());
        } else {
            // Setext: the underline is the heading's last line (after any quote or list prefix).
            let lines = source.trim_end_matches('\n');
            let start = lines.rfind('\n').map_or(0, |i| i + 1);
            if let Some(p) = lines[start..].find(['=', '-']) {
                at.push(range.start + start + p);
            }
        }
    }
    let mut out = text.to_owned();
    for p in at.into_iter().rev() {
        out.insert(p, '\\');
    }
    out
}

/// A URL to show as a Markdown autolink: `<https://…>` when it is a plain `http(s)` address,
/// otherwise the text as a [`line`], which no reader follows.
pub fn autolink(url: &str) -> String {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let plain = url
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '\\' | '`'));
    if plain
        && let Some(rest) = lower
            .strip_prefix("https://")
            .or_else(|| lower.strip_prefix("http://"))
        && !rest.is_empty()
    {
        format!("<{url}>")
    } else {
        line(url)
    }
}

/// The askama filters of the Markdown templates: `{{ r.workload.name|md_line }}`,
/// `{{ i.why|md_block }}`. A template module brings them in with
/// `use crate::report::md_escape::filters;`.
pub mod filters {
    use std::fmt::Display;

    /// [`super::line`].
    pub fn md_line<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::line(&s.to_string()))
    }

    /// [`super::cell`].
    pub fn md_cell<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::cell(&s.to_string()))
    }

    /// [`super::block`].
    pub fn md_block<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::block(&s.to_string()))
    }

    /// [`super::autolink`].
    pub fn md_url<T: Display>(s: T, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::autolink(&s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::{Event, Options, Parser, Tag};

    use super::*;

    /// What a Markdown renderer makes of `text`, as the events that would be active: raw HTML,
    /// links, images, and the block kinds that start it.
    fn active(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let parser = Parser::new_ext(text, Options::all());
        for (label, def) in parser.reference_definitions().iter() {
            out.push(format!("definition {label} -> {}", def.dest));
        }
        for event in parser {
            match event {
                Event::Html(h) | Event::InlineHtml(h) => out.push(format!("html {h}")),
                Event::Start(Tag::Link { dest_url, .. }) => out.push(format!("link {dest_url}")),
                Event::Start(Tag::Image { dest_url, .. }) => {
                    out.push(format!("image {dest_url}"));
                }
                Event::Start(Tag::Heading { .. }) => out.push("heading".into()),
                Event::Start(Tag::List(_)) => out.push("list".into()),
                Event::Start(Tag::BlockQuote(_)) => out.push("quote".into()),
                Event::Start(Tag::CodeBlock(_)) => out.push("code block".into()),
                Event::Start(Tag::Table(_)) => out.push("table".into()),
                Event::Start(Tag::FootnoteDefinition(_)) => out.push("footnote".into()),
                Event::Rule => out.push("rule".into()),
                _ => {}
            }
        }
        out
    }

    const HOSTILE: [&str; 16] = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt\\:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](<javascript:alert(1)>)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "![t](https://evil.example/p.png)",
        "[![t](https://evil.example/p.png)](https://ok.example)",
        "<javascript:alert(1)>",
        "[x]: javascript:alert(1)",
        "[^1]: [x](javascript:alert(1))",
        "\\[x\\](javascript:alert(1))",
        "x\\\\[y](javascript:alert(1))",
        "`a`[x](javascript:alert(1))`b`",
    ];

    #[test]
    fn nothing_hostile_survives_a_line_a_cell_or_a_block() {
        for h in HOSTILE {
            for (kind, out) in [("line", line(h)), ("cell", cell(h)), ("block", block(h))] {
                assert_eq!(active(&out), Vec::<String>::new(), "{kind} of {h:?}: {out}");
                // Nor in a sentence, a list item, a table or a heading around it.
                for around in [
                    format!("Before {out} after"),
                    format!("- {out}"),
                    format!("| a | {out} |\n|---|---|\n| {out} | b |"),
                    format!("# Title: {out}"),
                ] {
                    let kinds: Vec<String> = active(&around)
                        .into_iter()
                        .filter(|k| !matches!(k.as_str(), "list" | "table" | "heading"))
                        .collect();
                    assert_eq!(kinds, Vec::<String>::new(), "{kind} of {h:?} in {around}");
                }
            }
        }
    }

    #[test]
    fn two_fields_side_by_side_cannot_make_a_link_together() {
        for (a, b) in [
            ("[click", "](javascript:alert(1))"),
            (
                "y [x `",
                "[a `](javascript:alert(1))` b](https://ok.example)",
            ),
            ("!", "[t](https://evil.example/p.png)"),
            ("<img src=x", "onerror=alert(1)>"),
            ("[x]", "[x]: javascript:alert(1)"),
        ] {
            for (f, name) in [(line as fn(&str) -> String, "line"), (block, "block")] {
                let text = format!("{}{}", f(a), f(b));
                assert_eq!(active(&text), Vec::<String>::new(), "{name}: {text}");
                let text = format!("{} · {}", f(a), f(b));
                assert_eq!(active(&text), Vec::<String>::new(), "{name}: {text}");
            }
        }
    }

    #[test]
    fn a_line_cannot_start_a_block_or_a_new_line() {
        for (input, want) in [
            ("Name\n# Injected", "Name # Injected"),
            ("Name\r\n\r\n- item", "Name - item"),
            ("# Heading", "\\# Heading"),
            ("## Heading", "\\## Heading"),
            ("- item", "\\- item"),
            ("+ item", "\\+ item"),
            ("* item", "\\* item"),
            ("1. item", "1\\. item"),
            ("12) item", "12\\) item"),
            ("> quote", "&gt; quote"),
            ("---", "\\---"),
            ("===", "\\==="),
            ("=", "\\="),
            ("```rust", "\\```rust"),
            ("~~~", "\\~~~"),
            ("| a | b |", "\\| a | b |"),
            ("    code", "code"),
            ("[x]: https://x.example", "\\[x\\]: https://x.example"),
        ] {
            let out = line(input);
            assert_eq!(out, want, "{input:?}");
            assert!(
                active(&out).is_empty(),
                "{input:?} → {out:?}: {:?}",
                active(&out)
            );
        }
    }

    #[test]
    fn ordinary_text_keeps_its_look() {
        for plain in [
            "Checkout API",
            "Ana (Ops), on call",
            "-3 °C",
            "+1 555 0100",
            "2026-12-31",
            "*Optional* and `code`",
            "#hashtag",
            "R&D: 3 > 2",
            "Use https://aws.amazon.com/xray/ for tracing",
        ] {
            let out = line(plain);
            assert!(active(&out).is_empty(), "{plain:?} → {out:?}");
        }
        assert_eq!(line("Checkout API"), "Checkout API");
        assert_eq!(line("-3 °C"), "-3 °C");
        assert_eq!(line("*Optional* and `code`"), "*Optional* and `code`");
        assert_eq!(line("  Two\n lines  "), "Two lines");
        assert_eq!(cell("a|b\\c"), "a\\|b\\\\c");
        let help =
            "Keep state in a store:\n\n- **DynamoDB** for items\n- `S3` for blobs\n\n> Note: 3 > 2";
        assert_eq!(block(help), help, "a block keeps its Markdown");
        assert_eq!(block("a\r\nb\rc  \n"), "a\nb\nc");
        assert_eq!(block("see [docs] \\[x\\]"), "see \\[docs\\] \\[x\\]");
        for (input, want) in [
            ("# Injected", "\\# Injected"),
            (
                "Text\n\n## Injected\n\nmore",
                "Text\n\n\\## Injected\n\nmore",
            ),
            ("Title\n===", "Title\n\\==="),
            ("Title\n---", "Title\n\\---"),
            ("> # Injected", "> \\# Injected"),
            ("- # Injected", "- \\# Injected"),
            ("```sh\n# a comment\n```", "```sh\n# a comment\n```"),
            ("#hashtag and # mid-line", "#hashtag and # mid-line"),
        ] {
            let out = block(input);
            assert_eq!(out, want, "{input:?}");
            assert!(!active(&out).contains(&"heading".to_owned()), "{input:?}");
        }
    }

    #[test]
    fn only_plain_web_addresses_become_autolinks() {
        assert_eq!(
            autolink("https://aws.amazon.com/xray/"),
            "<https://aws.amazon.com/xray/>"
        );
        assert_eq!(
            autolink("http://x.example/a?b=c"),
            "<http://x.example/a?b=c>"
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,<script>",
            "https://x.example/<script>",
            "https://x.example/a b",
            "https://",
            "vbscript:x",
        ] {
            let out = autolink(bad);
            assert!(!out.starts_with('<'), "{bad} → {out}");
            assert!(active(&out).is_empty(), "{bad} → {out}");
        }
    }
}
