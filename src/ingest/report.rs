//! The validation report: every problem with the file, row, column and value
//! it concerns and what would be valid. Errors block an upload; warnings are
//! kept and shown.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub file: String,
    /// The row as a spreadsheet numbers it (header = 1); `None` for the file.
    pub row: Option<usize>,
    pub column: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Issue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column:?}")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value {value:?}")?;
        }
        write!(f, ": {kind}: {}", self.message)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub file: String,
    pub format: Option<super::Format>,
    pub encoding: Option<super::text::Encoding>,
    pub rows: usize,
    pub indicators: usize,
    pub areas: usize,
    pub periods: usize,
    pub errors: Vec<Issue>,
    /// Errors found beyond the listing cap (counted, not listed).
    pub errors_not_listed: usize,
    pub warnings: Vec<Issue>,
}

impl Report {
    pub fn new(file: &str) -> Report {
        Report {
            file: file.to_owned(),
            format: None,
            encoding: None,
            rows: 0,
            indicators: 0,
            areas: 0,
            periods: 0,
            errors: Vec::new(),
            errors_not_listed: 0,
            warnings: Vec::new(),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.errors.is_empty() && self.errors_not_listed == 0
    }

    pub fn error_count(&self) -> usize {
        self.errors.len() + self.errors_not_listed
    }

    /// An error about the file as a whole.
    pub fn file_error(&mut self, message: impl Into<String>) {
        let issue = self.issue(Severity::Error, None, None, None, message);
        self.errors.push(issue);
    }

    pub fn issue(
        &self,
        severity: Severity,
        row: Option<usize>,
        column: Option<&str>,
        value: Option<&str>,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            severity,
            file: self.file.clone(),
            row,
            column: column.map(str::to_owned),
            value: value.map(str::to_owned),
            message: message.into(),
        }
    }
}
