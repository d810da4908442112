//! Test support shared by the chart tests: a small XML checker, the checks every chart must
//! pass, and hostile text.

pub(super) const HOSTILE: &str = r#"<script>alert(1)</script> "onload=x' & co"#;
pub(super) const HOSTILE_ESCAPED: &str =
    "&lt;script&gt;alert(1)&lt;/script&gt; &quot;onload=x&apos; &amp; co";

// --- A small XML checker -----------------------------------------------------------------

/// One start tag: its name and attributes.
pub(super) struct Element {
    pub(super) name: String,
    pub(super) attrs: Vec<(String, String)>,
}

impl Element {
    pub(super) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn number(&self, name: &str) -> f64 {
        self.attr(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("<{}> has no numeric {name}", self.name))
    }
}

/// Checks character data: no raw `<` or `>`, and `&` only in the five XML entities or a
/// numeric character reference.
pub(super) fn check_chars(s: &str) {
    assert!(
        !s.contains('<') && !s.contains('>'),
        "raw angle bracket in {s:?}"
    );
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        rest = &rest[i + 1..];
        let end = rest.find(';').unwrap_or_else(|| panic!("bare & in {s:?}"));
        let name = &rest[..end];
        let numeric = name
            .strip_prefix('#')
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        assert!(
            numeric || ["amp", "lt", "gt", "quot", "apos"].contains(&name),
            "unknown entity &{name}; in {s:?}"
        );
    }
    assert!(
        !s.chars()
            .any(|c| c < ' ' && !matches!(c, '\t' | '\n' | '\r')),
        "control character in {s:?}"
    );
}

/// Parses `s` as a single-rooted XML element tree (no comments, no processing instructions,
/// no CDATA: charts emit none), panicking on anything ill-formed; returns the start tags.
pub(super) fn parse_xml(s: &str) -> Vec<Element> {
    let mut elements = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(tag) = rest.strip_prefix('<') {
            let end = tag.find('>').expect("unclosed tag");
            let inner = &tag[..end];
            rest = &tag[end + 1..];
            if let Some(name) = inner.strip_prefix('/') {
                let open = stack.pop().unwrap_or_else(|| panic!("stray </{name}>"));
                assert_eq!(open, name.trim(), "mismatched close tag");
                continue;
            }
            let self_closing = inner.ends_with('/');
            let inner = inner.trim_end_matches('/');
            let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
            let name = &inner[..name_end];
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                "bad tag name {name:?}"
            );
            let mut attrs: Vec<(String, String)> = Vec::new();
            let mut a = inner[name_end..].trim_start();
            while !a.is_empty() {
                let eq = a
                    .find('=')
                    .unwrap_or_else(|| panic!("attribute without value in <{name}>"));
                let key = a[..eq].trim();
                assert!(
                    !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                    "bad attribute name {key:?} in <{name}>"
                );
                let value = a[eq + 1..]
                    .strip_prefix('"')
                    .unwrap_or_else(|| panic!("unquoted attribute {key} in <{name}>"));
                let close = value.find('"').expect("unterminated attribute value");
                check_chars(&value[..close]);
                assert!(
                    attrs.iter().all(|(k, _)| k != key),
                    "duplicate attribute {key} in <{name}>"
                );
                attrs.push((key.to_string(), value[..close].to_string()));
                a = value[close + 1..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            elements.push(Element {
                name: name.to_string(),
                attrs,
            });
            if !self_closing {
                stack.push(name.to_string());
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            assert!(
                !stack.is_empty() || text.trim().is_empty(),
                "text outside the root: {text:?}"
            );
            check_chars(text);
            rest = &rest[end..];
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, 1, "expected exactly one root element");
    elements
}

/// Everything every chart must satisfy; returns the parsed start tags.
pub(super) fn check_chart(svg: &str) -> Vec<Element> {
    let elements = parse_xml(svg);
    let root = &elements[0];
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("role"), Some("img"));
    assert_eq!(root.attr("width"), Some("100%"));
    assert!(root.attr("height").is_none(), "no fixed height");
    assert_eq!(root.attr("font-family"), Some("system-ui, sans-serif"));
    let view_box: Vec<f64> = root
        .attr("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|v| v.parse().expect("numeric viewBox"))
        .collect();
    assert_eq!(view_box.len(), 4);
    assert!(view_box[2] == 720.0 && view_box[3] > 0.0 && view_box[3] < 20_000.0);
    // aria-labelledby names the title and the description, which exist.
    let labelled_by: Vec<&str> = root
        .attr("aria-labelledby")
        .expect("aria-labelledby")
        .split(' ')
        .collect();
    assert_eq!(labelled_by.len(), 2);
    for (id, tag) in labelled_by.iter().zip(["title", "desc"]) {
        assert!(
            elements
                .iter()
                .any(|e| e.name == tag && e.attr("id") == Some(id)),
            "no <{tag} id={id:?}>"
        );
    }
    // No NaN or infinity in any number, and no external references.
    assert!(!svg.contains("NaN"), "NaN in output");
    for e in &elements {
        for (k, v) in &e.attrs {
            assert!(
                !v.contains("inf") && !v.contains("NaN"),
                "{k}={v:?} in <{}>",
                e.name
            );
            assert!(!k.contains("href"), "link in <{}>", e.name);
            if k != "xmlns" {
                assert!(
                    !v.contains("http") && !v.contains("url(h"),
                    "external reference {k}={v:?}"
                );
            }
        }
        assert!(
            !["image", "a", "script", "style", "foreignObject", "use"].contains(&e.name.as_str())
        );
    }
    // Every element id is unique, and every url(#…) points at one.
    let ids: Vec<&str> = elements.iter().filter_map(|e| e.attr("id")).collect();
    for (i, id) in ids.iter().enumerate() {
        assert!(!ids[..i].contains(id), "duplicate id {id}");
    }
    for e in &elements {
        for (_, v) in &e.attrs {
            if let Some(target) = v.strip_prefix("url(#") {
                let target = target.trim_end_matches(')');
                assert!(ids.contains(&target), "dangling reference {v}");
            }
        }
    }
    elements
}

pub(super) fn title_of(svg: &str) -> &str {
    let start = svg.find("<title id=").expect("title");
    let from = &svg[start..];
    let open_end = from.find('>').expect("title tag") + 1;
    let close = from.find("</title>").expect("title end");
    &from[open_end..close]
}

pub(super) fn desc_of(svg: &str) -> &str {
    let start = svg.find("<desc id=").expect("desc");
    let from = &svg[start..];
    let open_end = from.find('>').expect("desc tag") + 1;
    let close = from.find("</desc>").expect("desc end");
    &from[open_end..close]
}
