//! The fields with which a page's reader chooses the slice (year, unit map, unit), the same
//! on the results and the standing pages.

use crate::survey::{Survey, Unit, UnitSet};
use crate::text::Lang;
use maud::{html, Markup};

/// The surveys of the page, by title.
pub fn survey(lang: Lang, surveys: &[&Survey], chosen: &str) -> Markup {
    html! {
        label { (lang.pick("Phiếu", "Form")) br;
            select name="survey" {
                @for s in surveys { option value=(s.id) selected[s.id == chosen] { (s.title) } }
            }
        }
    }
}

pub fn year(lang: Lang, period: i32) -> Markup {
    html! {
        label { (lang.pick("Năm", "Year")) br; input type="number" name="period" value=(period) min="2000" max="2100"; }
    }
}

/// The unit maps, where there are several to choose from; `dated` names each map's years.
pub fn map(lang: Lang, sets: &[UnitSet], chosen: &str, dated: bool) -> Markup {
    html! {
        @if !sets.is_empty() {
            label { (lang.pick("Bản đồ đơn vị", "Unit map")) br;
                select name="map" {
                    @for s in sets {
                        option value=(s.id) selected[s.id == chosen] {
                            (s.name)
                            @if dated { " (" (s.period_text()) ")" }
                        }
                    }
                }
            }
        }
    }
}

/// The units, indented by level.
pub fn unit(lang: Lang, units: &[Unit], chosen: &str) -> Markup {
    html! {
        label { (lang.pick("Đơn vị", "Unit")) br;
            select name="unit" data-search=(crate::ui::layout::unit_search(lang)) {
                @for u in units {
                    option value=(u.code) selected[u.code == chosen] {
                        @if u.level == "commune" { "\u{a0}\u{a0}\u{a0}\u{a0}" } @else if u.level != "city" { "\u{a0}\u{a0}" }
                        (u.name)
                    }
                }
            }
        }
    }
}
