//! Owners as a period names them: from 2025 the agency that holds a criterion or a task
//! today, with "trước đây: …" for the 2023 agency it comes from and "(chưa xác nhận)" where
//! the lineage is not confirmed; before 2025 the plan's owners as written.

use crate::report::ParReport;
use crate::survey::plan::{Agency, Held, Plan, Succession};
use crate::text::Lang;
use maud::{html, Markup};

/// What names owners on one page: the plan, the period and the tree its criteria are of.
#[derive(Clone, Copy)]
pub struct Owners<'a> {
    pub plan: Option<&'a Plan>,
    pub lang: Lang,
    pub period: i32,
    pub tree: &'a str,
}

impl<'a> Owners<'a> {
    pub fn of_report(lang: Lang, plan: Option<&'a Plan>, r: &'a ParReport) -> Self {
        Owners {
            plan,
            lang,
            period: r.period,
            tree: &r.id,
        }
    }

    /// A criterion's owners, each a link to its page.
    pub fn criterion(&self, code: &str, owner: &str) -> Markup {
        self.links(&format!("{} {code}", self.tree), owner)
    }

    /// The owners an owner text names for `item`, each a link to its page.
    pub fn links(&self, item: &str, owner: &str) -> Markup {
        let held = self
            .plan
            .map(|p| p.holders(owner, item, self.period))
            .unwrap_or_default();
        html! {
            @if held.is_empty() { (owner) } @else {
                @for (i, h) in held.iter().enumerate() {
                    @if i > 0 { ", " }
                    (holder(self.lang, h))
                }
            }
        }
    }

    /// Free text (partners, a task's wording) in the period's names.
    pub fn text(&self, text: &str) -> String {
        match self.plan {
            Some(p) => p.renamed(text, self.period, self.lang == Lang::Vi),
            None => text.to_string(),
        }
    }
}

/// "(chưa xác nhận)", with the sources as its title.
fn unconfirmed(lang: Lang, steps: &[&Succession]) -> Markup {
    let sources: Vec<&str> = steps.iter().filter_map(|s| s.source.as_deref()).collect();
    html! {
        " " span.unconfirmed title=(sources.join("; ")) { (lang.pick("(chưa xác nhận)", "(unconfirmed)")) }
    }
}

/// The former agencies a holder comes from: "(trước đây: A, B)".
pub fn formerly(lang: Lang, former: &[(&Agency, &Succession)], dissolved: bool) -> Markup {
    let steps: Vec<&Succession> = former.iter().map(|f| f.1).collect();
    html! {
        @if !former.is_empty() {
            " " span.former {
                "(" (lang.pick("trước đây: ", "formerly "))
                @for (i, (a, s)) in former.iter().enumerate() {
                    @if i > 0 { ", " }
                    (a.name)
                    @if let Some(p) = s.part.as_deref().filter(|_| !dissolved) { " — " (p) }
                }
                @if dissolved { (lang.pick(", đã giải thể", ", dissolved")) }
                ")"
            }
            @if steps.iter().any(|s| !s.is_confirmed()) { (unconfirmed(lang, &steps)) }
        }
    }
}

/// One holder: a link to today's agency and where it comes from, or the dissolved agency
/// whose part no successor took.
pub fn holder(lang: Lang, h: &Held) -> Markup {
    html! {
        @match h.now {
            Some(a) => { a href={ "/agencies/" (a.code) } { (a.name) } (formerly(lang, &h.former, false)) }
            None => {
                span.unattributed { (lang.pick("chưa xác định cơ quan tiếp nhận", "no successor identified")) }
                (formerly(lang, &h.former, true))
            }
        }
    }
}

impl Owners<'_> {
    /// Whether agency `code` holds a criterion's row in the page's period.
    pub fn holds(&self, code: &str, r: &crate::report::ParRow) -> bool {
        let item = format!("{} {}", self.tree, r.code);
        self.plan
            .is_some_and(|p| p.holds(code, &r.owner, &item, self.period))
    }
}

/// Under an agency's name: the agencies whose work it took, where its own work went, or
/// that it did not exist yet in the period.
pub fn agency_lineage(o: &Owners, plan: &Plan, a: &Agency) -> Markup {
    let (lang, period) = (o.lang, o.period);
    let from: Vec<(&Agency, &Succession)> = plan
        .successions
        .iter()
        .filter(|s| s.to == a.code && s.period <= period)
        .filter_map(|s| plan.agency(&s.from).map(|f| (f, s)))
        .collect();
    let to: Vec<&Succession> = plan
        .successions
        .iter()
        .filter(|s| s.from == a.code && s.period <= period)
        .collect();
    html! {
        @if let Some(since) = a.since.filter(|s| *s > period) {
            p.note { (lang.pick("Cơ quan này có từ năm ", "This agency exists from ")) (since) "." }
        }
        @if !from.is_empty() {
            p.lineage { (lang.pick("Năm ", "In ")) (period) (lang.pick(" giữ cả việc của các cơ quan cũ", ", it also holds the work of former agencies")) (formerly(lang, &from, false)) "." }
        }
        @if !to.is_empty() {
            p.lineage {
                (lang.pick("Từ năm ", "From ")) (to[0].period) (lang.pick(", việc của cơ quan này chuyển cho: ", ", this agency's work moved to: "))
                @for (i, s) in to.iter().enumerate() {
                    @if i > 0 { "; " }
                    @if let Some(x) = plan.agency(&s.to) { a href={ "/agencies/" (x.code) } { (x.name) } }
                    @if let Some(p) = &s.part { " — " (p) }
                    @if !s.is_confirmed() { (unconfirmed(lang, &[*s])) }
                }
                "."
            }
        }
    }
}

impl Owners<'_> {
    /// A row of the gaps by agency: today's agency with its former ones, a dissolved
    /// agency whose part went to no successor, or an owner no plan names.
    pub fn agency_cell(&self, code: &str, name: &str) -> Markup {
        let lang = self.lang;
        let Some(plan) = self.plan else {
            return html! { (name) };
        };
        let from: Vec<(&Agency, &Succession)> = plan
            .successions
            .iter()
            .filter(|s| s.to == code && s.period <= self.period && s.part.is_none())
            .filter_map(|s| plan.agency(&s.from).map(|f| (f, s)))
            .collect();
        let dissolved = code.is_empty()
            && plan
                .agencies
                .iter()
                .any(|a| a.name == name && !plan.exists_in(&a.code, self.period));
        html! {
            @if code.is_empty() {
                @if dissolved {
                    span.unattributed { (lang.pick("chưa xác định cơ quan tiếp nhận", "no successor identified")) }
                    " " span.former { "(" (lang.pick("trước đây: ", "formerly ")) (name) (lang.pick(", đã giải thể", ", dissolved")) ")" }
                } @else { (name) }
            } @else {
                a href={ "/agencies/" (code) } { (name) } (formerly(lang, &from, false))
            }
        }
    }
}

impl Owners<'_> {
    /// Whether some owner `owner` names for `item` is held by another agency in the period.
    pub fn moved(&self, item: &str, owner: &str) -> bool {
        self.plan.is_some_and(|p| {
            p.holders(owner, item, self.period)
                .iter()
                .any(|h| !h.former.is_empty() || h.now.is_none())
        })
    }
}
