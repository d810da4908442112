//! A YAML or JSON document as a small tree that remembers where each value was written.
//!
//! Templates are read with one event parser (saphyr-parser) whether they are YAML or JSON, so
//! JSON gets line numbers too. CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub`…)
//! become their long form (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`) with the tag kept on the
//! node; a tag we do not know is kept and reported, never an error. The limits below bound what a
//! hostile document can cost (alias bombs, deep nesting, huge files).

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

use crate::Error;

/// The largest file read: the biggest real templates are a few MB (CloudFormation itself
/// refuses templates over 1 MB from S3), so 16 MiB leaves room and still bounds the cost.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// The deepest nesting of maps and lists: real templates stay under 30 levels; 128 keeps a
/// 200-deep (or million-deep) document from costing a deep tree walk later.
pub const MAX_DEPTH: usize = 128;
/// The most nodes in one document, counting every alias expansion: a 16 MiB template has at most
/// a few million scalars, and an alias bomb (`a: &a [*b, *b, …]` nested) reaches billions.
pub const MAX_NODES: usize = 4_000_000;
/// The most aliases in one document: templates rarely use them at all.
pub const MAX_ALIASES: usize = 10_000;

/// One value of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An empty value, `~` or `null`.
    Null,
    /// A scalar, as written (numbers and booleans stay text; see [`Node::as_f64`]).
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A map, in the order written.
    Map(Vec<(String, Node)>),
}

/// A value with its tag and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value (a short-form intrinsic in its long form).
    pub value: Value,
    /// The tag as written, such as `!Ref`, when there was one.
    pub tag: Option<String>,
    /// The 1-based line where it is written (for a map entry's value: the key's line).
    pub line: usize,
}

/// A parsed document and what was worth noting while reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The root (`Null` for an empty document).
    pub root: Node,
    /// Notes, such as an unknown tag, each with its line.
    pub notes: Vec<(usize, String)>,
}

impl Default for Node {
    fn default() -> Node {
        NULL.clone()
    }
}

static NULL: Node = Node {
    value: Value::Null,
    tag: None,
    line: 0,
};

impl Node {
    fn new(value: Value, line: usize) -> Node {
        Node {
            value,
            tag: None,
            line,
        }
    }

    /// The entry `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The node at a dotted path of map keys (`LoggingConfig.LogFormat`).
    pub fn at(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |n, k| n.get(k))
    }

    /// The scalar text, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar as a number (`"30"` counts: CloudFormation accepts both).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_str()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
    }

    /// The scalar as a boolean (`true`, `True`, `"true"`).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The items of a list (a lone value counts as a list of one; nothing for null).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            Value::Null => &[],
            _ => std::slice::from_ref(self),
        }
    }

    /// The entries of a map (none for anything else).
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A null node, for defaults.
    pub fn null() -> &'static Node {
        &NULL
    }

    /// The intrinsic function of a one-entry map such as `{"Ref": X}`: its name and argument.
    pub fn intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.value {
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                (k == "Ref" || k == "Condition" || k.starts_with("Fn::")).then_some((k.as_str(), v))
            }
            _ => None,
        }
    }

    fn count(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count).sum(),
            Value::Map(entries) => entries.iter().map(|(_, v)| v.count()).sum(),
            _ => 0,
        }
    }
}

/// The short-form tags CloudFormation knows, and the long-form key each becomes.
fn long_form(suffix: &str) -> Option<&'static str> {
    Some(match suffix {
        "Ref" => "Ref",
        "Condition" => "Condition",
        "GetAtt" => "Fn::GetAtt",
        "Sub" => "Fn::Sub",
        "If" => "Fn::If",
        "Join" => "Fn::Join",
        "Select" => "Fn::Select",
        "Split" => "Fn::Split",
        "FindInMap" => "Fn::FindInMap",
        "ImportValue" => "Fn::ImportValue",
        "Base64" => "Fn::Base64",
        "Cidr" => "Fn::Cidr",
        "GetAZs" => "Fn::GetAZs",
        "Equals" => "Fn::Equals",
        "Not" => "Fn::Not",
        "And" => "Fn::And",
        "Or" => "Fn::Or",
        "Transform" => "Fn::Transform",
        "ToJsonString" => "Fn::ToJsonString",
        "Length" => "Fn::Length",
        "ForEach" => "Fn::ForEach",
        _ => return None,
    })
}

enum Frame {
    Seq {
        items: Vec<Node>,
        line: usize,
        tag: Option<String>,
        anchor: usize,
    },
    Map {
        entries: Vec<(String, Node)>,
        key: Option<(String, usize)>,
        line: usize,
        tag: Option<String>,
        anchor: usize,
    },
}

struct Builder<'f> {
    file: &'f str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    aliases: usize,
    notes: Vec<(usize, String)>,
    root: Option<Node>,
}

impl Builder<'_> {
    fn fail(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Parse {
            file: self.file.to_owned(),
            line,
            message: message.into(),
        }
    }

    /// A limit reached: always an error, even for a file found by walking a directory.
    fn limit(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Limit {
            file: self.file.to_owned(),
            message: format!("line {line}: {}", message.into()),
        }
    }

    fn count(&mut self, n: usize, line: usize) -> Result<(), Error> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(self.limit(
                line,
                format!("more than {MAX_NODES} values (counting aliases expanded): refused"),
            ));
        }
        Ok(())
    }

    /// Applies a tag: a CloudFormation short form becomes its long form, tag kept.
    fn tagged(&mut self, mut node: Node, tag: Option<Cow<'_, Tag>>) -> Node {
        let Some(tag) = tag else { return node };
        let shown = tag.to_string();
        if tag.handle == "!" {
            if let Some(key) = long_form(&tag.suffix) {
                if key == "Fn::GetAtt"
                    && let Value::Str(s) = &node.value
                {
                    let (a, b) = s.split_once('.').unwrap_or((s.as_str(), ""));
                    let line = node.line;
                    node = Node::new(
                        Value::Seq(vec![
                            Node::new(Value::Str(a.to_owned()), line),
                            Node::new(Value::Str(b.to_owned()), line),
                        ]),
                        line,
                    );
                }
                let line = node.line;
                return Node {
                    value: Value::Map(vec![(key.to_owned(), node)]),
                    tag: Some(shown),
                    line,
                };
            }
            self.notes
                .push((node.line, format!("unknown tag `{shown}` kept as written")));
        } else if !tag.is_yaml_core_schema() {
            self.notes
                .push((node.line, format!("unknown tag `{shown}` kept as written")));
        }
        node.tag = Some(shown);
        node
    }

    fn push_value(&mut self, node: Node, anchor: usize) -> Result<(), Error> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    let k = match &node.value {
                        Value::Str(s) => s.clone(),
                        Value::Null => String::new(),
                        _ => {
                            let line = node.line;
                            return Err(self.fail(line, "a map key must be a plain value"));
                        }
                    };
                    *key = Some((k, node.line));
                }
                Some((k, key_line)) => {
                    let mut node = node;
                    node.line = key_line;
                    entries.push((k, node));
                }
            },
        }
        Ok(())
    }
}

/// How many times [`parse`] re-reads a file after moving a closing bracket right: each try reads
/// the whole file again, so this bounds what a file full of them costs.
const MAX_BRACKET_FIXES: usize = 16;

/// Parses a YAML (or JSON) document. `file` names it in errors.
///
/// CloudFormation (and PyYAML, which cfn-lint uses) accepts a flow collection's closing `]` or
/// `}` on a line of its own at the indentation of the key that opened it; YAML's rules, and
/// this parser, want it indented further. Such a line is read as if indented two more spaces
/// (lines keep their numbers), with a note saying so, a bounded number of times.
pub fn parse(text: &str, file: &str) -> Result<Document, Error> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            file: file.to_owned(),
            limit: MAX_FILE_BYTES,
        });
    }
    let mut text = std::borrow::Cow::Borrowed(text);
    let mut moved = Vec::new();
    loop {
        match parse_strict(&text, file) {
            Err(Error::Parse { line, message, .. })
                if message == "invalid indentation" && moved.len() < MAX_BRACKET_FIXES =>
            {
                let Some(fixed) = indent_closing_bracket(&text, line) else {
                    return parse_strict(&text, file);
                };
                text = std::borrow::Cow::Owned(fixed);
                moved.push(line);
            }
            Ok(mut doc) => {
                moved.dedup();
                for line in moved {
                    doc.notes.push((
                        line,
                        "a closing bracket indented less than YAML allows: read as CloudFormation reads it".to_owned(),
                    ));
                }
                return Ok(doc);
            }
            Err(e) => return Err(e),
        }
    }
}

/// `text` with two more spaces before line `line` (1-based) when that line is only a closing
/// `]` or `}` (with commas, spaces or a comment after it); `None` otherwise.
fn indent_closing_bracket(text: &str, line: usize) -> Option<String> {
    let target = text.split_inclusive('\n').nth(line.checked_sub(1)?)?;
    let body = target.trim_start();
    let rest = body.trim_start_matches([']', '}', ',', ' ']);
    let closing = body.starts_with([']', '}']) && (rest.trim().is_empty() || rest.starts_with('#'));
    if !closing {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            out.push_str("  ");
        }
        out.push_str(l);
    }
    Some(out)
}

fn parse_strict(text: &str, file: &str) -> Result<Document, Error> {
    let mut b = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        aliases: 0,
        notes: Vec::new(),
        root: None,
    };
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| Error::Parse {
            file: file.to_owned(),
            line: e.marker().line(),
            message: e.info().to_owned(),
        })?;
        let line = span.start.line();
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(b.fail(line, "more than one YAML document in one template"));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                b.count(1, line)?;
                let value = if style == ScalarStyle::Plain
                    && tag.is_none()
                    && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Str(text.into_owned())
                };
                let node = b.tagged(Node::new(value, line), tag);
                b.push_value(node, anchor)?;
            }
            Event::SequenceStart(anchor, ref tag) | Event::MappingStart(anchor, ref tag) => {
                b.count(1, line)?;
                let is_seq = matches!(event, Event::SequenceStart(..));
                if b.stack.len() >= MAX_DEPTH {
                    return Err(b.limit(line, format!("nested deeper than {MAX_DEPTH} levels")));
                }
                let tag = tag.as_ref().map(|t| t.to_string());
                b.stack.push(if is_seq {
                    Frame::Seq {
                        items: Vec::new(),
                        line,
                        tag,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        line,
                        tag,
                        anchor,
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = b.stack.pop() else {
                    return Err(b.fail(line, "unbalanced document"));
                };
                let (node, tag, anchor) = match frame {
                    Frame::Seq {
                        items,
                        line,
                        tag,
                        anchor,
                    } => (Node::new(Value::Seq(items), line), tag, anchor),
                    Frame::Map {
                        entries,
                        line,
                        tag,
                        anchor,
                        ..
                    } => (Node::new(Value::Map(entries), line), tag, anchor),
                };
                let tag = tag.map(|t| parse_tag(&t));
                let node = b.tagged(node, tag.map(Cow::Owned));
                b.push_value(node, anchor)?;
            }
            Event::Alias(id) => {
                b.aliases += 1;
                if b.aliases > MAX_ALIASES {
                    return Err(b.limit(line, format!("more than {MAX_ALIASES} aliases: refused")));
                }
                let Some(n) = b.anchors.get(&id).map(Node::count) else {
                    return Err(b.fail(line, "an alias to an unknown anchor"));
                };
                b.count(n, line)?;
                let Some(mut node) = b.anchors.get(&id).cloned() else {
                    return Err(b.fail(line, "an alias to an unknown anchor"));
                };
                node.line = line;
                b.push_value(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
    Ok(Document {
        root: b.root.unwrap_or_else(|| Node::new(Value::Null, 1)),
        notes: b.notes,
    })
}

/// A tag back from its display form (`!Ref`, `tag:yaml.org,2002:!str`).
fn parse_tag(shown: &str) -> Tag {
    match shown.strip_prefix('!') {
        Some(suffix) => Tag {
            handle: "!".to_owned(),
            suffix: suffix.to_owned(),
        },
        None => {
            let (handle, suffix) = shown.rsplit_once('!').unwrap_or((shown, ""));
            Tag {
                handle: handle.to_owned(),
                suffix: suffix.to_owned(),
            }
        }
    }
}
