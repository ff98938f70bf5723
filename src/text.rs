//! Text at the bottom of the house: every layer may word things in both languages.
//!
//! The page's language: Vietnamese by default, English by a remembered switch. Views take a
//! [`Lang`] and write each phrase in both; numbers follow the language (79,10 % / 79.10 %).

pub mod format;

use std::fmt;

/// Cookie that remembers the reader's choice.
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    /// `vi` or `en`, as stored in the cookie and written in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The language a stored code names; anything else is Vietnamese.
    pub fn from_code(code: &str) -> Lang {
        match code {
            "en" => Lang::En,
            _ => Lang::Vi,
        }
    }

    /// The other language: what the switch offers.
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }

    /// The phrase in this language.
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }

    /// The text in this language.
    pub fn text(self, t: &Text) -> &str {
        self.pick(&t.vi, &t.en)
    }

    /// A number with `decimals` places: 1.234,50 in Vietnamese, 1,234.50 in English.
    pub fn number(self, x: f64, decimals: usize) -> String {
        let vi = format::number(x, decimals);
        match self {
            Lang::Vi => vi,
            Lang::En => vi
                .chars()
                .map(|c| match c {
                    '.' => ',',
                    ',' => '.',
                    c => c,
                })
                .collect(),
        }
    }

    /// A count with thousands separated as the language does.
    pub fn count(self, n: i64) -> String {
        self.number(n as f64, 0)
    }

    /// A percentage with a space before the sign, as both languages' official texts write it.
    pub fn percent(self, x: f64, decimals: usize) -> String {
        format!("{} %", self.number(x, decimals))
    }

    /// A stored day or time as this language writes it: 15/06/2025 08:30 or 2025-06-15 08:30.
    pub fn when(self, stored: &str) -> String {
        match self {
            Lang::Vi => format::when(stored),
            Lang::En => format::when_iso(stored),
        }
    }

    /// A title given in Vietnamese and perhaps in English, in this language where it can be.
    pub fn titled<'a>(self, vi: &'a str, en: Option<&'a str>) -> &'a str {
        match (self, en) {
            (Lang::En, Some(en)) => en,
            _ => vi,
        }
    }

    /// A decimal already written with a point (points, "8.0700"), in this language's way.
    pub fn decimal_text(self, s: &str) -> String {
        match self {
            Lang::Vi => s.replace('.', ","),
            Lang::En => s.to_string(),
        }
    }
}

/// A text in both languages, for what is worded before the reader's language is known: the
/// application layer's mistakes and the web layer's errors, picked when the page is drawn.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    pub vi: String,
    pub en: String,
}

impl Text {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// A text that reads the same in both languages (a name, or one already in the reader's).
    pub fn same(s: impl Into<String>) -> Self {
        let s = s.into();
        Text {
            vi: s.clone(),
            en: s,
        }
    }

    /// Each language's text made into another the same way (a full stop, a wording around).
    pub fn map(&self, f: impl Fn(&str) -> String) -> Text {
        Text {
            vi: f(&self.vi),
            en: f(&self.en),
        }
    }

    /// Each language's text made into another its own way (the words around it differ).
    pub fn map_each(&self, vi: impl Fn(&str) -> String, en: impl Fn(&str) -> String) -> Text {
        Text {
            vi: vi(&self.vi),
            en: en(&self.en),
        }
    }

    /// Texts one after another, `sep` between them, in each language.
    pub fn join<'a>(texts: impl IntoIterator<Item = &'a Text>, sep: &str) -> Text {
        let (vi, en): (Vec<&str>, Vec<&str>) = texts
            .into_iter()
            .map(|t| (t.vi.as_str(), t.en.as_str()))
            .unzip();
        Text::new(vi.join(sep), en.join(sep))
    }
}

/// `("Tiếng Việt", "English")`: the shortest way to write a [`Text`].
impl<V: Into<String>, E: Into<String>> From<(V, E)> for Text {
    fn from((vi, en): (V, E)) -> Self {
        Text::new(vi, en)
    }
}

/// A field to put right, worded in both languages: pages show the reader's, the command line
/// the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub text: Text,
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, vi: impl Into<String>, en: impl Into<String>) -> Self {
        FieldProblem {
            field: field.into(),
            text: Text::new(vi, en),
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.text.en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_language() {
        assert_eq!(Lang::Vi.percent(79.1, 2), "79,10 %");
        assert_eq!(Lang::En.percent(79.1, 2), "79.10 %");
        assert_eq!(Lang::Vi.count(1234567), "1.234.567");
        assert_eq!(Lang::En.count(1234567), "1,234,567");
        assert_eq!(Lang::Vi.count(10_000), "10.000");
        assert_eq!(Lang::En.count(999), "999");
        assert_eq!(Lang::Vi.count(0), "0");
        assert_eq!(Lang::Vi.decimal_text("8.0700"), "8,0700");
        assert_eq!(Lang::from_code("en"), Lang::En);
        assert_eq!(Lang::from_code("fr"), Lang::Vi);
        assert_eq!(Lang::Vi.pick("Có", "Yes"), "Có");
        assert_eq!(Lang::Vi.when("2025-06-15"), "15/06/2025");
        assert_eq!(Lang::En.when("2025-06-15"), "2025-06-15");
    }
}
