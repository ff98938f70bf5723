//! The staff page frame: who is looking (name, role, language, the page's own address for
//! the language switch, the CSRF token of its forms), the top bar, and the page around it.

use crate::db::auth::Role;
use crate::text::Lang;
use crate::ui::layout::{page_in, staff_bar};
use maud::{html, Markup};

/// Who is looking, for the top bar and for what they may do.
pub struct Staff<'a> {
    pub username: &'a str,
    pub role: Role,
    pub csrf: &'a str,
    /// The page's language, and its own address for the switch to the other one.
    pub lang: Lang,
    pub here: &'a str,
}

impl Staff<'_> {
    pub fn supervises(&self) -> bool {
        self.role >= Role::Supervisor
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The phrase in the page's language.
    pub fn t<'s>(&self, vi: &'s str, en: &'s str) -> &'s str {
        self.lang.pick(vi, en)
    }

    /// The top bar alone, for pages that draw their own frame.
    pub fn bar(&self) -> Markup {
        staff_bar(self.lang, self.here, self.username, self.role, self.csrf)
    }

    /// A page under a section (`/entry`, "Paper forms"): its crumbs lead back to the
    /// The end of a question before a change that cannot be undone: the one button that
    /// makes it (posting `hidden` fields with the CSRF token to `action`), and the way back
    /// that changes nothing.
    pub fn confirm_or_back(
        &self,
        action: &str,
        hidden: &[(&str, &str)],
        button: &str,
        back: &str,
    ) -> Markup {
        let l = self.lang;
        html! {
            div.links.row {
                form.inline method="post" action=(action) {
                    input type="hidden" name="csrf" value=(self.csrf);
                    @for (name, value) in hidden { input type="hidden" name=(name) value=(value); }
                    button.primary type="submit" { (button) }
                }
                a.button href=(back) { (l.pick("Quay lại, không làm gì", "Go back, change nothing")) }
            }
        }
    }

    /// section, then `crumb`.
    pub fn under(
        &self,
        section: (&str, &str),
        title: &str,
        crumb: &str,
        content: Markup,
    ) -> Markup {
        let (href, home) = section;
        self.plain(
            title,
            html! { p.crumbs { a href=(href) { (home) } " › " (crumb) } (content) },
        )
    }

    /// A plain staff page: the top bar, then `title` as the heading and `content` below it.
    pub fn main(&self, title: &str, content: Markup) -> Markup {
        self.plain(title, html! { h1 { (title) } (content) })
    }

    /// The page of a section of the staff's work: `title` as its heading, what the section
    /// is for (`note`; none when empty) and why a change was refused (`alert`), above
    /// `content`.
    pub fn section(&self, title: &str, note: &str, alert: Option<&str>, content: Markup) -> Markup {
        self.main(
            title,
            html! {
                @if !note.is_empty() { p.note { (note) } }
                (crate::ui::layout::alert(alert))
                (content)
            },
        )
    }

    /// The top bar, then `content` as the page's main part, in the plain look.
    pub fn plain(&self, title: &str, content: Markup) -> Markup {
        self.page(title, "", html! {}, html! { main { (content) } })
    }

    /// The page shell with the top bar, in the page's language.
    pub fn page(&self, title: &str, body_class: &str, head: Markup, content: Markup) -> Markup {
        page_in(
            self.lang,
            title,
            body_class,
            html! { script src=(crate::ui::assets::pick_js_url()) defer {} (head) },
            html! {
                (self.bar())
                (content)
            },
        )
    }
}
