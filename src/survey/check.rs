//! The checker every loading stage reports to: it places each problem at `file:line` and
//! keeps going, so one run lists every problem of a definition.

use super::decimal::RawNumber;
use super::source::{DefinitionError, Source};
use rust_decimal::Decimal;
use std::collections::HashSet;
use toml::Spanned;

/// Turns a raw definition into a [`super::Survey`], collecting every problem on the way
/// rather than stopping at the first.
pub(super) struct Checker<'a> {
    pub(super) source: &'a Source<'a>,
    errors: Vec<DefinitionError>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(source: &'a Source<'a>) -> Self {
        Checker {
            source,
            errors: Vec::new(),
        }
    }

    /// What was built, or every problem found while building it.
    pub(super) fn finish<T>(self, built: T) -> Result<T, Vec<DefinitionError>> {
        if self.errors.is_empty() {
            Ok(built)
        } else {
            Err(self.errors)
        }
    }

    pub(super) fn err<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.errors.push(self.source.error_at(at, message));
    }

    /// Reports a `what` whose code is among the codes `seen` before it; adds it to them.
    pub(super) fn once(&mut self, seen: &mut HashSet<String>, code: &Spanned<String>, what: &str) {
        if !seen.insert(code.get_ref().clone()) {
            self.err(code, format!("{what} '{}' appears twice", code.get_ref()));
        }
    }

    pub(super) fn decimal(&mut self, raw: &Spanned<RawNumber>, what: &str) -> Option<Decimal> {
        let d = raw.get_ref().decimal();
        if d.is_none() {
            self.err(raw, format!("{what} is not a number within ±1,000,000,000"));
        }
        d
    }
}
