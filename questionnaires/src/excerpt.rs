//! How much of a user's input an error message may quote: a short excerpt, never the whole of a
//! 100 KB value. Messages quote input between backticks (`` `like this` ``) or double quotes, so
//! [`message`] shortens every quoted part to an [`excerpt`], and bounds the whole message in case
//! the input itself held quotes. The places that build or show messages (lint findings, answers
//! file errors, the server's error pages and API errors) pass them through it.

use std::borrow::Cow;

/// How many characters of an input a message quotes.
pub const EXCERPT_CHARS: usize = 80;

/// The most characters a whole message keeps: room for a long list of valid choices, not for a
/// quoted file.
pub const MESSAGE_CHARS: usize = 1000;

/// At most [`EXCERPT_CHARS`] characters of `s`, ending with "…" when it was cut.
pub fn excerpt(s: &str) -> Cow<'_, str> {
    excerpt_to(s, EXCERPT_CHARS)
}

/// At most `max` characters of `s` (`max` ≥ 1), ending with "…" when it was cut.
pub fn excerpt_to(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &s[..end]))
        }
    }
}

/// A message with every part quoted between backticks or double quotes, and every word, shortened
/// to an [`excerpt`] (no word of prose is 80 characters long; an input pasted into a message may
/// be), and the whole at most [`MESSAGE_CHARS`] characters.
pub fn message(m: &str) -> Cow<'_, str> {
    let longer = |part: &str, n: usize| part.chars().nth(n).is_some();
    // A word may be a quoted excerpt with its quotes and a comma: a little more than an excerpt.
    let word = EXCERPT_CHARS + 4;
    let long_quote = |q: char| {
        m.split(q)
            .skip(1)
            .step_by(2)
            .any(|p| longer(p, EXCERPT_CHARS))
    };
    if !long_quote('`')
        && !long_quote('"')
        && !m.split(' ').any(|w| longer(w, word))
        && !longer(m, MESSAGE_CHARS)
    {
        return Cow::Borrowed(m);
    }
    let shorten = |text: &str, sep: char, quoted: bool| -> String {
        text.split(sep)
            .enumerate()
            .map(|(i, part)| match quoted {
                true if i % 2 == 1 => excerpt(part),
                false if longer(part, word) => excerpt(part),
                _ => Cow::Borrowed(part),
            })
            .collect::<Vec<_>>()
            .join(&sep.to_string())
    };
    let out = shorten(&shorten(m, '`', true), '"', true);
    let out = shorten(&out, ' ', false);
    Cow::Owned(excerpt_to(&out, MESSAGE_CHARS).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_cut() {
        assert_eq!(excerpt("peak_rps"), "peak_rps");
        let exactly = "a".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exactly), exactly);
        let long = "é".repeat(100_000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt_to("abcdef", 3), "ab…");
    }

    #[test]
    fn messages_quote_excerpts_only() {
        let ok = "`x` is not a choice of `y`; choose one of: a, b";
        assert_eq!(message(ok), ok);
        let huge = "A".repeat(100_000);
        for m in [
            format!("`{huge}` is not a choice of `y`"),
            format!("unknown variant \"{huge}\", expected `merge`"),
            format!("`{huge}` and `{huge}`"),
            format!("no quotes at all: {huge}"),
            format!("`a` `{huge}"),
            format!("``{huge}` is not a key"),
            format!("{} …", "word ".repeat(50_000)),
        ] {
            let short = message(&m);
            assert!(short.chars().count() <= MESSAGE_CHARS, "{}", short.len());
            assert!(!short.contains(&"A".repeat(EXCERPT_CHARS)), "{short}");
        }
        let m = format!("`{huge}` is not a choice of `y`");
        let short = message(&m);
        assert!(short.starts_with(&format!("`{}…`", &huge[..EXCERPT_CHARS - 1])));
        assert!(short.ends_with(" is not a choice of `y`"));
    }
}
