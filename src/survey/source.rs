//! A definition file's text and name, so that every problem found in it is reported as
//! `file:line: message`.

use serde::de::DeserializeOwned;
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// A problem in a definition file, located to its line.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Reads a definition file: its name for messages, and its text.
pub(super) fn read_definition(path: &Path) -> Result<(String, String), Vec<DefinitionError>> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((file, text)),
        Err(e) => Err(vec![DefinitionError {
            file,
            line: 0,
            message: format!("cannot read: {e}"),
        }]),
    }
}

/// Loads the definition file at `path`: reads it, then `parse` checks its text under its name.
pub(super) fn load<T>(
    path: &Path,
    parse: impl FnOnce(&str, &str) -> Result<T, Vec<DefinitionError>>,
) -> Result<T, Vec<DefinitionError>> {
    let (file, text) = read_definition(path)?;
    parse(&file, &text)
}

/// The text of one definition, with where each of its lines starts.
pub(super) struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source { file, text, starts }
    }

    /// The line (from 1) holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    pub fn error(&self, offset: usize, message: impl Into<String>) -> DefinitionError {
        DefinitionError {
            file: self.file.to_string(),
            line: self.line(offset),
            message: message.into(),
        }
    }

    /// An error at the line of a key or value as the TOML parser located it.
    pub fn error_at<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> DefinitionError {
        self.error(at.span().start, message)
    }

    /// The text as `T`, or toml's complaint at its line.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, Vec<DefinitionError>> {
        toml::from_str(self.text).map_err(|e| {
            // toml locates every error it finds in text; 0 marks "no line", as for unreadable files.
            let line = e.span().map(|s| self.line(s.start)).unwrap_or(0);
            vec![DefinitionError {
                file: self.file.to_string(),
                line,
                message: e.message().to_string(),
            }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        let s = Source::new("t.toml", "a\nb\nc");
        assert_eq!((s.line(0), s.line(2), s.line(4)), (1, 2, 3));
    }

    #[test]
    fn offsets_past_the_end_fall_on_the_last_line() {
        let s = Source::new("t.toml", "a\nb\n");
        assert_eq!(s.line(99), 3);
    }
}
