//! What a page says after a change: one notice, worded in both languages, drawn alike on
//! every page (what was saved, or why nothing was).

use crate::text::{Lang, Text};
use maud::{html, Markup};

/// Whether the change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Saved,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: Kind,
    pub text: Text,
}

impl Notice {
    /// A change made, and what it did.
    pub fn saved(text: impl Into<Text>) -> Notice {
        Notice {
            kind: Kind::Saved,
            text: text.into(),
        }
    }

    /// A change refused, and why.
    pub fn refused(text: impl Into<Text>) -> Notice {
        Notice {
            kind: Kind::Refused,
            text: text.into(),
        }
    }

    /// The notice in the page's language: a status when saved, an alert when refused.
    pub fn draw(&self, lang: Lang) -> Markup {
        let said = lang.text(&self.text);
        match self.kind {
            Kind::Saved => html! { p.saved role="status" { (said) } },
            Kind::Refused => html! { p.error role="alert" { (said) } },
        }
    }
}
