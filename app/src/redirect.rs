//! Where to go after signing in or up: the `?next=` page, only when it is certainly a page of
//! this site. Both the forms (which carry it) and the server (which redirects to it) check it
//! with [`local_path`].

/// The longest `next` kept; a longer one is refused.
const MAX_NEXT: usize = 2048;

/// `next` when it is a same-origin path, otherwise `None` (the caller goes to `/`).
///
/// Browsers are lenient with a `Location`: they drop tabs and line breaks anywhere, read `\` as
/// `/`, and take `//host` as another site, so `/\t/evil.example` or `/\evil.example` leave the
/// site. A path is accepted only when it starts with a single `/` (not `//`, not `/\`), holds only
/// visible ASCII with no backslash (no control character, whitespace or non-ASCII), is at most
/// 2,048 bytes, and still passes those checks once its percent-escapes are decoded (as often as
/// they decode), so `/%09/evil.example` and `/%2F/evil.example` are refused too. A scheme
/// (`https:`, `javascript:`) never starts with `/`, so it is refused as well.
pub fn local_path(next: &str) -> Option<&str> {
    if next.len() > MAX_NEXT || !plain_path(next.as_bytes()) {
        return None;
    }
    let mut text = next.as_bytes().to_vec();
    // Each round decodes one layer of escapes; a real path has one at most.
    for _ in 0..4 {
        let decoded = percent_decode(&text);
        if decoded == text {
            return Some(next);
        }
        if !decoded_path(&decoded) {
            return None;
        }
        text = decoded;
    }
    None
}

/// A path whose every byte is visible ASCII but `\`, starting with one `/`.
fn plain_path(b: &[u8]) -> bool {
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\')
}

/// What a decoded path must still be: starting with one `/`, no control character, whitespace or
/// backslash (non-ASCII bytes are letters of a name, and harmless once decoded).
fn decoded_path(b: &[u8]) -> bool {
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter()
            .all(|c| !c.is_ascii_control() && !c.is_ascii_whitespace() && *c != b'\\')
}

/// Decodes `%XX` escapes; anything else, a broken escape included, stays as it is.
fn percent_decode(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// `s` percent-encoded for a query value: everything but unreserved characters (RFC 3986) and
/// `/` is escaped.
pub fn query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_pass() {
        for ok in [
            "/",
            "/invites/abc123",
            "/assessments/x/review/workload_fit#q-peak_rps",
            "/?q=order%2Bservice&after=abc",
            "/caf%C3%A9",
        ] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_falls_back() {
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%252F/evil.example",
            "/%25252F/evil.example",
            "/\r\n/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/%0d%0aSet-Cookie:%20a=b",
            "/ /evil.example",
            "/x y",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "\\/evil.example",
            " /x",
            "evil.example",
            "/é",
            "/\u{7f}",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(local_path(&format!("/{}", "a".repeat(MAX_NEXT))), None);
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(
            query_value("/invites/a b&c=d#e"),
            "/invites/a%20b%26c%3Dd%23e"
        );
    }
}
