//! The review's template findings in a report: checks of its infrastructure code (the latest
//! import of its CloudFormation, SAM or CDK templates), each with the file, line and resource.
//! The server adds them to a report of the review as it is now; a report without an import has
//! none, and its JSON has no `template_findings`.

use serde::{Deserialize, Serialize};

/// One finding about a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTemplateFinding {
    /// What kind, such as `visibility_timeout`.
    pub id: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// What is wrong and what to do.
    pub message: String,
    /// The file.
    pub file: String,
    /// The line (0: none).
    pub line: usize,
    /// The resource's logical id (empty: none).
    pub resource: String,
    /// The property path (empty: none).
    pub path: String,
}

impl ReportTemplateFinding {
    /// Where it is, as people read it: `template.yaml:12, Resource ApiFunction`.
    pub fn place(&self) -> String {
        let mut out = self.file.clone();
        if self.line > 0 {
            out.push_str(&format!(":{}", self.line));
        }
        if !self.resource.is_empty() {
            out.push_str(&format!(", Resource {}", self.resource));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_names_the_file_line_and_resource() {
        let f = ReportTemplateFinding {
            id: "visibility_timeout".into(),
            severity: "high".into(),
            message: "m".into(),
            file: "template.yaml".into(),
            line: 12,
            resource: "Queue".into(),
            path: String::new(),
        };
        assert_eq!(f.place(), "template.yaml:12, Resource Queue");
        let nowhere = ReportTemplateFinding {
            line: 0,
            resource: String::new(),
            ..f
        };
        assert_eq!(nowhere.place(), "template.yaml");
    }
}
