//! Where the city stands: the home page, the PAR INDEX this year, a criterion's entries, the
//! lead agencies' pages and the printable report for a leaders' meeting.

use crate::features::results::choice;
use crate::features::standing::owners::agency_lineage;
use crate::features::standing::owners::{formerly, Owners};
use crate::features::standing::service::{
    AgencyGap, CriterionView, EntryForm, Scored, Selection, Standing,
};
use crate::report::{ParReport, ParRow};
use crate::scoring::top20::Top20;
use crate::scoring::NodeScore;
use crate::survey::plan::{task_key, Agency, Plan, Task};
use crate::survey::published::Trajectory;
use crate::text::Lang;
use crate::ui::staff::Staff;
use crate::ui::trajectory;
use maud::{html, Markup};

pub(super) fn shell(c: &Staff, title: &str, body_class: &str, content: Markup) -> Markup {
    c.page(
        title,
        body_class,
        html! {},
        html! {
            main.standing {
                (content)
            }
        },
    )
}

fn method_label(lang: Lang, method: &str) -> &'static str {
    match method {
        "officials_survey" => lang.pick("Điều tra xã hội học", "Officials' survey"),
        "sipas" => "SIPAS",
        "appraisal" => lang.pick("Thẩm định", "Appraisal"),
        "socioeconomic" => lang.pick("Kinh tế - xã hội", "Socio-economic"),
        "group" => lang.pick("Tổng các tiêu chí thành phần", "Sum of its parts"),
        _ => "",
    }
}

fn source_label(lang: Lang, source: &str) -> &'static str {
    match source {
        "measured" => lang.pick("đo năm nay", "measured this year"),
        "entered" => lang.pick("đã nhập", "entered"),
        "parts" => lang.pick("tổng phần", "sum of parts"),
        _ => lang.pick("giữ điểm 2022", "still 2022"),
    }
}

fn chance_text(lang: Lang, t: &Top20) -> String {
    match t.top20_chance {
        Some(c) => lang.percent(c * 100.0, 0),
        None => "—".into(),
    }
}

pub(super) fn selection_form(c: &Staff, s: &Selection, action: &str) -> Markup {
    let lang = c.lang;
    html! {
        form.filters.noprint method="get" action=(action) {
            (choice::year(lang, s.period))
            (choice::map(lang, &s.sets, &s.map, false))
            (choice::unit(lang, &s.units, &s.unit))
            button type="submit" { (lang.pick("Xem", "Show")) }
        }
    }
}

/// The projected total beside the newest published year and the newest rank-20 line.
pub(super) fn projection(lang: Lang, r: &ParReport, path: &Trajectory) -> Markup {
    let p = &r.projection;
    let latest = path.latest_published().filter(|s| s.value.is_some());
    html! {
        div.kpis {
            div.kpi {
                span.label { (lang.pick("PAR INDEX dự kiến năm ", "Projected PAR INDEX ")) (r.period) }
                strong.big { (lang.decimal_text(&p.total)) " %" }
                span.note { (lang.pick("khoảng 95 %: ", "95 % interval: ")) (lang.decimal_text(&p.ci_low)) "–" (lang.decimal_text(&p.ci_high)) }
            }
            @match latest {
                Some(s) => div.kpi {
                    span.label { (lang.pick("Năm ", "")) (s.year) (lang.pick(" (công bố)", " (published)")) }
                    strong.big { (lang.percent(s.value.unwrap_or_default(), 2)) }
                    @if let (Some(k), Some(n)) = (s.rank, s.ranked) { span.note { (lang.pick("hạng ", "rank ")) (k) "/" (n) } }
                },
                None => div.kpi {
                    span.label { (lang.pick("Năm 2022 (công bố)", "2022 (published)")) }
                    strong.big { (lang.decimal_text(&r.published_total)) " %" }
                    span.note { (lang.pick("hạng ", "rank ")) (r.published_rank) "/" (r.provinces) }
                },
            }
            div.kpi {
                span.label { (lang.pick("Khả năng vượt ngưỡng hạng 20", "Chance of passing the rank-20 threshold")) }
                strong.big { (chance_text(lang, &p.top20)) }
                @match trajectory::line_words(lang, path) {
                    Some(l) => span.note { (l) },
                    None => span.note { (lang.pick("chưa biết ngưỡng hạng 20 của năm công bố gần nhất", "the latest published rank-20 line is not known")) },
                }
            }
        }
        (trajectory::figure(lang, path))
        p.shares {
            (lang.pick("Tổng dự kiến gồm: ", "The projection rests on: "))
            strong { (lang.percent(p.measured_share * 100.0, 1)) } (lang.pick(" số điểm đo năm nay (khảo sát), ", " of the points measured this year (surveys), "))
            strong { (lang.percent(p.entered_share * 100.0, 1)) } (lang.pick(" do cơ quan chủ trì nhập, ", " entered by their owners, "))
            strong { (lang.percent(p.still_2022_share * 100.0, 1)) } (lang.pick(" còn giữ điểm 2022.", " still at 2022's points."))
        }
        details.basis { summary { (lang.pick("Cơ sở tính khả năng", "What the chance assumes")) } p.note { (lang.pick(&p.top20.top20_basis, &p.top20.top20_basis_en)) } }
    }
}

fn interval(lang: Lang, r: &ParRow) -> Markup {
    html! {
        @if let (Some(l), Some(h)) = (&r.ci_low, &r.ci_high) { (lang.decimal_text(l)) "–" (lang.decimal_text(h)) }
    }
}

fn par_row(c: &Staff, o: &Owners, r: &ParRow, period: i32) -> Markup {
    let lang = c.lang;
    let d = |s: &str| lang.decimal_text(s);
    html! {
        tr class=(if r.method == "group" { "group" } else { "" }) {
            td { (r.code) }
            td.name { (lang.titled(&r.name, r.name_en.as_deref())) @if let Some(n) = &r.note { br; span.note { (n) } } }
            td.num { (r.max.as_deref().map(d).unwrap_or_else(|| "?".into())) }
            td.num { (d(&r.points_2022)) }
            td.num { strong { (d(&r.value)) } br; span.note { (source_label(lang, r.source)) } }
            td.num { @if r.source == "measured" { (lang.count(r.estimate_n)) } }
            td.num { (interval(lang, r)) }
            td.num { (r.gap_max.as_deref().map(d).unwrap_or_else(|| "?".into())) }
            td { (method_label(lang, &r.method)) }
            td { (o.criterion(&r.code, &r.owner)) }
            td.noprint { @if r.enterable { a href={ "/parindex/criteria/" (r.code) "?period=" (period) } { (lang.pick("Nhập / lịch sử", "Enter / history")) } } }
        }
    }
}

fn par_table(c: &Staff, o: &Owners, rows: &[&ParRow], period: i32) -> Markup {
    let lang = c.lang;
    html! {
        div.scroll { table.par {
            thead { tr {
                th { (lang.pick("Mã", "Code")) } th { (lang.pick("Tiêu chí", "Criterion")) } th.num { (lang.pick("Tối đa", "Max")) }
                th.num { (lang.pick("Điểm 2022", "2022")) } th.num { (lang.pick("Năm nay", "This year")) } th.num { "n" }
                th.num { (lang.pick("Khoảng 95 %", "95 % interval")) } th.num { (lang.pick("Mất so với tối đa", "Lost vs max")) }
                th { (lang.pick("Cách đánh giá", "Scored by")) } th { (lang.pick("Cơ quan chủ trì", "Lead agency")) } th.noprint { (lang.pick("Nhập điểm", "Entry")) }
            } }
            tbody { @for r in rows { (par_row(c, o, r, period)) } }
        } }
    }
}

pub(super) fn gaps_table(c: &Staff, o: &Owners, gaps: &[&ParRow]) -> Markup {
    let lang = c.lang;
    let d = |s: &Option<String>| {
        s.as_deref()
            .map(|s| lang.decimal_text(s))
            .unwrap_or_default()
    };
    html! {
        div.scroll { table.gaps {
            thead { tr {
                th { "#" } th { (lang.pick("Tiêu chí", "Criterion")) } th.num { (lang.pick("Mất so với tối đa", "Lost vs max")) }
                th.num { (lang.pick("Thiếu so với mục tiêu top 20", "Short of the top-20 target")) } th { (lang.pick("Cơ quan chủ trì", "Lead agency")) }
            } }
            tbody { @for (i, g) in gaps.iter().enumerate() { tr {
                td.num { (i + 1) }
                td { (g.code) " " (lang.titled(&g.name, g.name_en.as_deref())) }
                td.num { (d(&g.gap_max)) }
                td.num { (d(&g.gap_target)) }
                td { (o.criterion(&g.code, &g.owner)) }
            } } }
        } }
    }
}

pub fn parindex(
    c: &Staff,
    s: &Selection,
    plan: Option<&Plan>,
    r: &ParReport,
    by_agency: &[AgencyGap],
    path: &Trajectory,
) -> Markup {
    let lang = c.lang;
    let gaps = r.gaps();
    let o = Owners::of_report(lang, plan, r);
    shell(
        c,
        "PAR INDEX",
        "",
        html! {
            h1 { "PAR INDEX " (lang.pick("năm ", "")) (r.period) " — " (s.unit_name) }
            p.crumbs { (lang.pick("Tiêu chí và điểm gốc: ", "Criteria and baseline points: ")) (r.title) }
            (selection_form(c, s, "/parindex"))
            (projection(lang, r, path))
            @if r.projection.measured_share == 0.0 {
                p.empty { (lang.pick("Chưa có dữ liệu khảo sát năm nay cho đơn vị này: các tiêu chí đo bằng khảo sát còn giữ điểm 2022.", "No survey data yet this year for this unit: survey-based criteria still carry their 2022 points.")) }
            }
            p.note {
                (lang.pick("Tổng dự kiến = tổng công bố năm 2022 cộng phần thay đổi của từng tiêu chí dưới đây (tiêu chí không liệt kê coi như giữ điểm tối đa như năm 2022). Tiêu chí 8.1 tính từ các phiếu SIPAS: ", "Projection = the published 2022 total plus each criterion's change below (criteria not listed keep their 2022 maximum). Criterion 8.1 comes from the SIPAS forms: "))
                @for (i, f) in r.sipas_sources.iter().enumerate() { @if i > 0 { "; " } (lang.titled(&f.title, f.title_en.as_deref())) " (" (lang.count(f.responses)) (lang.pick(" phiếu", " forms")) ")" }
                ". " (lang.pick("Cách cân: ", "Weighting: "))
                @if r.sipas_weighting == "equal" { (lang.pick("bình quân các phiếu có dữ liệu", "the mean of the forms with data")) } @else { (lang.pick("theo số câu trả lời", "by answers")) }
                @if let Some(n) = &r.sipas_note { " — " (n) }
                (lang.pick(" (theo thiết lập của cây tiêu chí PAR INDEX).", " (as the PAR INDEX criteria tree sets it)."))
            }
            h2 { (lang.pick("Những chỗ mất điểm lớn nhất", "Largest gaps")) }
            @if gaps.is_empty() { p.empty { (lang.pick("Chưa có dữ liệu…", "No data yet…")) } } @else {
                (gaps_table(c, &o, &gaps))
                p.note { (lang.pick("Mục tiêu top 20 của một tiêu chí = điểm tối đa × ngưỡng ước tính ÷ 100: để đạt tổng ngưỡng, mỗi tiêu chí cần ít nhất chừng ấy.", "A criterion's top-20 target = its maximum × the estimated threshold ÷ 100: the pace every criterion must keep for the total to reach it.")) }
            }
            h2 { (lang.pick("Theo cơ quan chủ trì", "By lead agency")) }
            div.scroll { table.gaps {
                thead { tr { th { (lang.pick("Cơ quan chủ trì", "Lead agency")) } th.num { (lang.pick("Mất so với tối đa", "Lost vs max")) } th.num { (lang.pick("Thiếu so với mục tiêu", "Short of target")) } th.num { (lang.pick("Số tiêu chí", "Criteria")) } } }
                tbody { @for AgencyGap { code, name, lost_max: max, lost_target: tgt, criteria: n, .. } in by_agency { tr {
                    td { (o.agency_cell(code, name)) }
                    td.num { (lang.decimal_text(&format!("{max:.4}"))) }
                    td.num { (lang.decimal_text(&format!("{tgt:.4}"))) }
                    td.num { (n) }
                } } }
            } }
            @for f in &r.fields {
                @if !f.rows.is_empty() {
                    h2 { (lang.pick("Lĩnh vực ", "Field ")) (f.code) ". " (lang.titled(&f.name, f.name_en.as_deref())) }
                    (par_table(c, &o, &f.rows.iter().collect::<Vec<_>>(), r.period))
                }
            }
        },
    )
}

/// A criterion: its latest value, every entry, and the form for its owner.
pub struct CriterionPage<'a> {
    /// The criterion's row, its entries and whether the reader may enter.
    pub view: &'a CriterionView,
    pub form: &'a EntryForm,
    /// (field, message) of a refused entry.
    pub error: Option<(&'a str, &'a str)>,
    pub saved: bool,
}

pub fn criterion(c: &Staff, o: &Owners, p: &CriterionPage) -> Markup {
    let lang = c.lang;
    let r = &p.view.row;
    let bad = |f: &str| p.error.is_some_and(|e| e.0 == f);
    shell(
        c,
        &format!("PAR INDEX {}", r.code),
        "",
        html! {
            p.crumbs { a href={ "/parindex?period=" (p.view.period) } { "PAR INDEX " (p.view.period) } " › " (r.code) }
            h1 { (r.code) " " (lang.titled(&r.name, r.name_en.as_deref())) }
            p {
                (lang.pick("Tối đa ", "Max ")) strong { (r.max.as_deref().map(|m| lang.decimal_text(m)).unwrap_or_else(|| "?".into())) }
                (lang.pick(" · điểm 2022 ", " · 2022 ")) strong { (lang.decimal_text(&r.points_2022)) }
                (lang.pick(" · năm nay ", " · this year ")) strong { (lang.decimal_text(&r.value)) } " (" (source_label(lang, r.source)) ")"
                (lang.pick(" · cơ quan chủ trì: ", " · lead agency: ")) (o.criterion(&r.code, &r.owner))
            }
            @if p.saved { p.saved { (lang.pick("Đã lưu điểm và ghi vào nhật ký.", "Saved, and written to the audit log.")) } }
            h2 { (lang.pick("Các lần nhập năm ", "Entries for ")) (p.view.period) }
            @if p.view.history.is_empty() { p.empty { (lang.pick("Chưa có dữ liệu nhập năm này: tiêu chí giữ điểm 2022.", "No entries yet this year: the criterion keeps its 2022 points.")) } } @else {
                div.scroll { table {
                    thead { tr { th { (lang.pick("Lúc", "When")) } th { (lang.pick("Người nhập", "By")) } th.num { (lang.pick("Điểm", "Points")) } th { (lang.pick("Căn cứ", "Evidence")) } } }
                    tbody { @for (i, e) in p.view.history.iter().enumerate().rev() { tr {
                        td { (crate::text::format::when(&e.entered_at)) @if i + 1 == p.view.history.len() { " " strong { (lang.pick("(đang tính)", "(counts)")) } } }
                        td { (e.entered_by) } td.num { (lang.decimal_text(&e.points)) } td { (e.evidence) }
                    } } }
                } }
            }
            @if p.view.may_enter {
                h2 { (lang.pick("Nhập điểm năm nay", "Enter this year's points")) }
                @if let Some((_, m)) = p.error { p.error role="alert" { (m) " " (lang.pick("Chưa lưu gì; xin sửa rồi gửi lại.", "Nothing was stored; correct it and send again.")) } }
                form.stack method="post" action={ "/parindex/criteria/" (r.code) } {
                    input type="hidden" name="csrf" value=(c.csrf);
                    input type="hidden" name="period" value=(p.view.period);
                    label { (lang.pick("Điểm (0 đến tối đa)", "Points (0 to the maximum)")) br;
                        input type="text" inputmode="decimal" name="points" value=(p.form.points) class=(if bad("points") { "bad" } else { "" }) required; }
                    label { (lang.pick("Căn cứ (văn bản, số liệu, nơi lưu)", "Evidence (document, figures, where it is kept)")) br;
                        textarea name="evidence" rows="4" class=(if bad("evidence") { "bad" } else { "" }) required { (p.form.evidence) } }
                    button.primary type="submit" { (lang.pick("Lưu", "Save")) }
                }
            } @else if r.enterable {
                p.note { (lang.pick("Chỉ cơ quan chủ trì (tài khoản gắn với đơn vị của cơ quan) hoặc quản trị viên nhập được điểm tiêu chí này.", "Only the lead agency (an account of its unit) or an administrator can enter this criterion.")) }
            }
        },
    )
}

/// The newest rank-20 line of an index, short: "83,28–86,50 %" or "44,3575".
fn line_mark(lang: Lang, paths: &[Trajectory], index: &str) -> Option<String> {
    let l = paths.iter().find(|t| t.index == index)?.line.as_ref()?;
    let d = |x: &rust_decimal::Decimal| lang.decimal_text(&x.to_string());
    let unit = if index == "papi" { "" } else { " %" };
    Some(if l.low == l.high {
        format!("{}{unit} ({})", d(&l.low), l.year)
    } else {
        format!("{}–{}{unit} ({})", d(&l.low), d(&l.high), l.year)
    })
}

fn root_row(lang: Lang, s: &Scored, n: &NodeScore, mark: Option<&str>) -> Markup {
    let val = |x: Option<f64>| match (x, n.unit) {
        (Some(v), "percent") => lang.percent(v, 2),
        (Some(v), _) => lang.number(v, 3),
        (None, _) => "—".into(),
    };
    html! {
        tr {
            td { a href={ "/scores?survey=" (s.survey) } { (lang.titled(&n.name, n.name_en.as_deref())) } br; span.note { (lang.titled(&s.title, s.title_en.as_deref())) } }
            td.num { (val(n.value)) br; span.note { "n = " (lang.count(n.n)) @if let (Some(l), Some(h)) = (n.ci_low, n.ci_high) { ", " (val(Some(l))) "–" (val(Some(h))) } } }
            td.num { (val(n.baseline)) }
            td.num { @match mark { Some(m) => (m), None => (val(n.target)) } }
            td.num { @if let Some(t) = &n.top20 { (chance_text(lang, t)) } }
            td.basis { @if let Some(t) = &n.top20 { details { summary { (lang.pick("Giả định", "Assumptions")) } span.note { (lang.pick(&t.top20_basis, &t.top20_basis_en)) } } } }
        }
    }
}

pub(super) fn indices_table(lang: Lang, st: &Standing) -> Markup {
    html! {
        div.scroll { table.indices {
            thead { tr {
                th { (lang.pick("Chỉ số", "Index")) } th.num { (lang.pick("Năm nay", "This year")) } th.num { "2022" }
                th.num { (lang.pick("Ngưỡng hạng 20 gần nhất", "Latest rank-20 line")) } th.num { (lang.pick("Khả năng top 20", "Top-20 chance")) } th { (lang.pick("Giả định", "Assumptions")) }
            } }
            tbody {
                tr {
                    td { a href="/parindex" { "PAR INDEX" } br; span.note { (lang.pick("tổng dự kiến", "projected total")) } }
                    td.num { (lang.decimal_text(&st.par.projection.total)) " %" }
                    td.num { (lang.decimal_text(&st.par.published_total)) " %" }
                    td.num { @match line_mark(lang, &st.paths, "parindex") { Some(m) => (m), None => @if let Some(t) = &st.par.target_total { (lang.decimal_text(t)) " %" } } }
                    td.num { (chance_text(lang, &st.par.projection.top20)) }
                    td.basis { details { summary { (lang.pick("Giả định", "Assumptions")) } span.note { (lang.pick(&st.par.projection.top20.top20_basis, &st.par.projection.top20.top20_basis_en)) } } }
                }
                @for s in &st.surveys {
                    @let mark = line_mark(lang, &st.paths, &s.instrument);
                    @for n in &s.scores.nodes { (root_row(lang, s, n, mark.as_deref())) }
                }
            }
        } }
    }
}

/// SIPAS and PAPI since the plan's baseline (the PAR INDEX path stands beside its projection).
pub(super) fn paths(lang: Lang, st: &Standing) -> Markup {
    html! {
        h2 { (lang.pick("Chặng đường từ năm 2022", "The path since 2022")) }
        div.paths { @for t in st.paths.iter().skip(1) { (trajectory::figure(lang, t)) } }
    }
}

pub fn home(c: &Staff, s: &Selection, plan: Option<&Plan>, st: &Standing) -> Markup {
    let lang = c.lang;
    let gaps = st.par.gaps();
    let o = Owners::of_report(lang, plan, &st.par);
    shell(
        c,
        lang.pick("Thành phố đang ở đâu", "Where the city stands"),
        "",
        html! {
            h1 { (lang.pick("Thành phố đang ở đâu — năm ", "Where the city stands — ")) (s.period) }
            p.crumbs { (s.unit_name) }
            (selection_form(c, s, "/"))
            (projection(lang, &st.par, &st.paths[0]))
            h2 { (lang.pick("Ba chỗ mất điểm lớn nhất", "The three costliest gaps")) }
            @if gaps.is_empty() { p.empty { (lang.pick("Chưa có dữ liệu…", "No data yet…")) } } @else {
                ol.costliest { @for g in gaps.iter().take(3) { li {
                    strong { (g.code) " " (lang.titled(&g.name, g.name_en.as_deref())) } br;
                    (lang.pick("mất ", "loses ")) (g.gap_max.as_deref().map(|x| lang.decimal_text(x)).unwrap_or_default()) (lang.pick(" điểm · chủ trì: ", " points · lead: "))
                    (o.criterion(&g.code, &g.owner))
                } } }
                p { a href="/parindex" { (lang.pick("Mọi tiêu chí và chỗ mất điểm theo cơ quan", "Every criterion and the gaps by agency")) } " · " a href="/agencies" { (lang.pick("Các cơ quan chủ trì", "Lead agencies")) } " · " a href="/report" { (lang.pick("Báo cáo in A4", "Printable A4 report")) } }
            }
            h2 { (lang.pick("Ba chỉ số và khả năng vào top 20", "The three indices and their top-20 chance")) }
            (indices_table(lang, st))
            (paths(lang, st))
            p.note { (lang.pick("Chỉ số PAPI ở đây là ước tính theo phương pháp PAPI từ phiếu của thành phố, không phải điểm PAPI chính thức. Với SIPAS và PAR INDEX, ngưỡng hạng 20 của năm công bố gần nhất chỉ biết trong một khoảng: con số là khả năng vượt ngưỡng, không phải thứ hạng.", "PAPI here is an estimate by the PAPI method from the city's own forms, not an official PAPI score. For SIPAS and PAR INDEX the rank-20 line of the latest published year is known only within bounds: the figure is the chance of passing it, not a rank.")) }
        },
    )
}

/// Index nodes (not items) of survey `of` that an agency holds in `period`, flattened.
pub fn owned_nodes<'a>(
    plan: &Plan,
    (code, of, period): (&str, &str, i32),
    nodes: &'a [NodeScore],
    out: &mut Vec<&'a NodeScore>,
) {
    for n in nodes {
        let item = format!("{of} {}", n.code);
        if n.kind == "index"
            && n.owner
                .as_deref()
                .is_some_and(|o| plan.holds(code, o, &item, period))
        {
            out.push(n);
        }
        owned_nodes(plan, (code, of, period), &n.children, out);
    }
}

fn owned_of<'a>(plan: &Plan, at: (&str, &str, i32), nodes: &'a [NodeScore]) -> Vec<&'a NodeScore> {
    let mut out = Vec::new();
    owned_nodes(plan, at, nodes, &mut out);
    out
}

pub fn agencies(c: &Staff, plan: &Plan, period: i32, by: &[AgencyGap]) -> Markup {
    let lang = c.lang;
    shell(
        c,
        lang.pick("Cơ quan chủ trì", "Lead agencies"),
        "",
        html! {
            h1 { (lang.pick("Cơ quan chủ trì — năm ", "Lead agencies — ")) (period) }
            p.note { (plan.title) }
            div.scroll { table {
                thead { tr { th { (lang.pick("Cơ quan", "Agency")) } th.num { (lang.pick("PAR INDEX mất so với tối đa", "PAR INDEX lost vs max")) } th.num { (lang.pick("Nhiệm vụ trong kế hoạch", "Plan tasks")) } } }
                tbody { @for (a, from) in plan.agencies_in(period) { tr {
                    td { a href={ "/agencies/" (a.code) } { (a.name) } (formerly(lang, &from, false)) }
                    td.num { @if let Some(b) = by.iter().find(|b| b.code == a.code) { (lang.decimal_text(&format!("{:.4}", b.lost_max))) } @else { "0" } }
                    td.num { (plan.tasks_held(&a.code, period).len()) }
                } } }
            } }
            @for b in by.iter().filter(|b| b.code.is_empty()) { p.note { (b.name) ": " (lang.decimal_text(&format!("{:.4}", b.lost_max))) (lang.pick(" điểm chưa xác định cơ quan tiếp nhận.", " points with no successor identified.")) } }
        },
    )
}

fn task_list(o: &Owners, tasks: &[&Task]) -> Markup {
    let lang = o.lang;
    html! {
        @if tasks.is_empty() { p.empty { (lang.pick("Kế hoạch không giao nhiệm vụ chủ trì nào cho cơ quan này.", "The plan gives this agency no task to lead.")) } } @else {
            ol.tasks { @for t in tasks { li {
                strong { (lang.pick("Phụ lục ", "Appendix ")) (t.appendix) (lang.pick(", dòng ", ", row ")) (t.row) }
                " (" (match t.index.as_str() { "parindex" => "PAR INDEX", "sipas" => "SIPAS", _ => "PAPI" }) " " (t.refers) ")"
                @if let Some(w) = &t.when { " · " (w) }
                br; (o.text(&t.text))
                @if o.moved(&task_key(t), &t.lead) { br; span.note { (lang.pick("Chủ trì: ", "Lead: ")) (o.links(&task_key(t), &t.lead)) } }
                @if let Some(p) = &t.partners { br; span.note { (lang.pick("Phối hợp: ", "With: ")) (o.text(p)) } }
            } } }
        }
    }
}

pub fn agency(c: &Staff, s: &Selection, plan: &Plan, a: &Agency, st: &Standing) -> Markup {
    let lang = c.lang;
    let o = Owners::of_report(lang, Some(plan), &st.par);
    let (period, held) = (st.par.period, |r: &&ParRow| o.holds(&a.code, r));
    let rows: Vec<&ParRow> = st.par.rows().filter(held).collect();
    let mut gaps: Vec<&ParRow> = st.par.gaps().into_iter().filter(held).collect();
    gaps.truncate(10);
    let tasks = plan.tasks_held(&a.code, period);
    let val = |n: &NodeScore, x: Option<f64>| match (x, n.unit) {
        (Some(v), "percent") => lang.percent(v, 2),
        (Some(v), _) => lang.number(v, 3),
        (None, _) => "—".into(),
    };
    shell(
        c,
        &a.name,
        "",
        html! {
            p.crumbs { a href="/agencies" { (lang.pick("Cơ quan chủ trì", "Lead agencies")) } " › " (a.name) }
            h1 { (a.name) " — " (lang.pick("năm ", "")) (s.period) }
            (agency_lineage(&o, plan, a))
            (selection_form(c, s, &format!("/agencies/{}", a.code)))
            h2 { (lang.pick("Chỗ mất điểm PAR INDEX", "PAR INDEX gaps")) }
            @if gaps.is_empty() { p.empty { (lang.pick("Không có tiêu chí PAR INDEX nào của cơ quan này đang mất điểm.", "No PAR INDEX criterion of this agency loses points.")) } } @else { (gaps_table(c, &o, &gaps)) }
            h2 { (lang.pick("Tiêu chí PAR INDEX", "PAR INDEX criteria")) }
            @if rows.is_empty() { p.empty { (lang.pick("Chưa có dữ liệu…", "No data yet…")) } } @else { (par_table(c, &o, &rows, st.par.period)) }
            @for sc in &st.surveys {
                @let owned = owned_of(plan, (&a.code, &sc.survey, period), &sc.scores.nodes);
                @if !owned.is_empty() {
                    h2 { (lang.titled(&sc.title, sc.title_en.as_deref())) }
                    @if sc.instrument == "papi" { p.note { (lang.pick("Ước tính theo phương pháp PAPI, không phải điểm PAPI chính thức.", "An estimate by the PAPI method, not an official PAPI score.")) } }
                    div.scroll { table {
                        thead { tr { th { (lang.pick("Mã", "Code")) } th { (lang.pick("Nội dung", "Name")) } th.num { (lang.pick("Năm nay", "This year")) } th.num { "n" } th.num { (lang.pick("Khoảng 95 %", "95 % interval")) } th.num { "2022" } th.num { (lang.pick("Mục tiêu", "Target")) } } }
                        tbody { @for n in &owned { tr {
                            td { (n.code) } td { (lang.titled(&n.name, n.name_en.as_deref())) } td.num { (val(n, n.value)) } td.num { (lang.count(n.n)) }
                            td.num { @if let (Some(l), Some(h)) = (n.ci_low, n.ci_high) { (val(n, Some(l))) "–" (val(n, Some(h))) } }
                            td.num { (val(n, n.baseline)) } td.num { (val(n, n.target)) }
                        } } }
                    } }
                }
            }
            h2 { (lang.pick("Nhiệm vụ chủ trì trong kế hoạch", "Tasks it leads in the plan")) }
            (task_list(&o, &tasks))
            p.note { (plan.title) " — " (plan.source) }
        },
    )
}
