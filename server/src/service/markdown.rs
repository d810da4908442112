//! Help text as HTML: Markdown rendered, sanitized and cached ([`markdown`]), and the cache
//! warmed for a whole questionnaire ([`warm_markdown`]).

use questionnaires::Questionnaire;

/// Renders help Markdown to HTML and sanitizes it. The help comes from the questionnaire, so
/// each text is rendered once and then served from a cache: sanitizing is the costliest step of
/// a page. An imported lens has its texts rendered when it is parsed, off the async workers
/// ([`warm_markdown`]).
///
/// A questionnaire can be an imported lens, so its text is not trusted: ammonia drops scripts,
/// event handlers and `javascript:` links, and no image survives (an image would be fetched from
/// wherever the lens points, by every reader of a page or a report): a Markdown image becomes its
/// alt text, and an `<img>` element is removed.
pub fn markdown(text: &str) -> String {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<RenderedCache>> = std::sync::OnceLock::new();
    static SANITIZER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        std::sync::Mutex::new(RenderedCache {
            entries: lru::LruCache::unbounded(),
            bytes: 0,
        })
    });
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(html) = lock().entries.get(text) {
        return html.clone();
    }
    use pulldown_cmark::{Event, Tag, TagEnd};
    let events = pulldown_cmark::Parser::new(text).filter(|e| {
        !matches!(
            e,
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image)
        )
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    let sanitizer = SANITIZER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"]);
        b
    });
    let clean = sanitizer.clean(&html).to_string();
    lock().insert(text, &clean);
    clean
}

/// Rendered help text, least recently used first out once it holds [`MARKDOWN_CACHE_BYTES`]:
/// imported lenses bring text of their own, version after version.
struct RenderedCache {
    entries: lru::LruCache<String, String>,
    bytes: usize,
}

/// The most rendered Markdown (source and HTML) kept in memory.
pub const MARKDOWN_CACHE_BYTES: usize = 32 << 20;

impl RenderedCache {
    fn insert(&mut self, text: &str, html: &str) {
        let size = text.len() + html.len();
        if size > MARKDOWN_CACHE_BYTES / 4 {
            return;
        }
        if let Some(old) = self.entries.put(text.to_owned(), html.to_owned()) {
            self.bytes -= text.len() + old.len();
        }
        self.bytes += size;
        while self.bytes > MARKDOWN_CACHE_BYTES {
            match self.entries.pop_lru() {
                Some((k, v)) => self.bytes -= k.len() + v.len(),
                None => break,
            }
        }
    }
}

/// Renders every help text of a questionnaire into the Markdown cache: area summaries,
/// question and choice help, and checklist items. Called where a lens is parsed, on the
/// blocking pool ([`super::heavy`]), so that its pages do not render a big lens on an async
/// worker.
pub fn warm_markdown(q: &Questionnaire) {
    for area in &q.areas {
        markdown(&area.summary);
    }
    for question in &q.questions {
        markdown(&question.help);
        for c in question.choices.iter().filter(|c| !c.help.is_empty()) {
            markdown(&c.help);
        }
    }
    for item in &q.checklist {
        markdown(&item.why);
        markdown(&item.how);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markdown_cache_stays_within_its_bytes() {
        let mut cache = RenderedCache {
            entries: lru::LruCache::unbounded(),
            bytes: 0,
        };
        // Far more text than the cache holds, as many large lens versions would bring.
        let html = "h".repeat(60_000);
        for n in 0..1_000 {
            cache.insert(&format!("text {n}"), &html);
            assert!(cache.bytes <= MARKDOWN_CACHE_BYTES, "{} bytes", cache.bytes);
        }
        let kept: usize = cache.entries.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert_eq!(kept, cache.bytes, "the count matches what is kept");
        assert!(cache.entries.contains("text 999"), "the newest is kept");
        assert!(!cache.entries.contains("text 0"), "the oldest went first");
        // Rendering still works through the cache.
        assert_eq!(markdown("**b**"), "<p><strong>b</strong></p>\n");
        assert_eq!(markdown("**b**"), "<p><strong>b</strong></p>\n");
    }
}
