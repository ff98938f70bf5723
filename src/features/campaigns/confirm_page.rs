//! The step between a button and a change that cannot be undone: what will happen, in numbers,
//! and the one button that does it, beside the way back.

use crate::features::campaigns::service::{Heading, LinkState, Person};
use crate::features::paper::page::Staff;
use crate::text::Lang;
use maud::{html, Markup};

/// A change that cannot be undone, asked about before it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Closing the campaign: every link stops, the sealed answers are counted when the
    /// closing becomes final.
    Close,
    /// Reopening a campaign closed within its grace period: the links work again.
    Reopen,
    /// Issuing links to everyone who has not answered, as a printed sheet or a CSV file:
    /// every earlier link of theirs stops.
    Links { csv: bool },
}

/// Who would be touched: links that stop working, and people who would get a new one.
pub struct Touched<'a> {
    pub live_links: usize,
    pub not_answered: usize,
    /// A campaign closed in grace: until when it may be reopened (stored time).
    pub reopen_until: Option<&'a str>,
}

impl Touched<'_> {
    pub fn of<'a>(people: &[Person], reopen_until: Option<&'a str>) -> Touched<'a> {
        let waiting = people.iter().filter(|p| !p.answered);
        Touched {
            live_links: waiting
                .clone()
                .filter(|p| p.link == LinkState::Issued)
                .count(),
            not_answered: waiting.count(),
            reopen_until,
        }
    }
}

fn count(l: Lang, n: usize) -> String {
    l.count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The question, what happens, and the button.
pub fn confirm(st: &Staff, c: &Heading, what: Confirm, t: &Touched, grace_hours: u32) -> Markup {
    let l = st.lang;
    let base = format!("/campaigns/{}", c.id);
    let (title, action, button) = match what {
        Confirm::Close => (
            l.pick("Đóng đợt khảo sát?", "Close the campaign?"),
            format!("{base}/close"),
            l.pick("Đóng đợt khảo sát", "Close the campaign"),
        ),
        Confirm::Reopen => (
            l.pick("Mở lại đợt khảo sát?", "Reopen the campaign?"),
            format!("{base}/reopen"),
            l.pick("Mở lại đợt khảo sát", "Reopen the campaign"),
        ),
        Confirm::Links { .. } => (
            l.pick("Cấp đường dẫn?", "Issue links?"),
            format!("{base}/links"),
            l.pick("Cấp đường dẫn", "Issue links"),
        ),
    };
    let hidden: Vec<(&str, &str)> = match what {
        Confirm::Links { csv: true } => vec![("format", "csv")],
        Confirm::Links { csv: false } => vec![("format", "sheet")],
        Confirm::Close | Confirm::Reopen => Vec::new(),
    };
    st.under(
        ("/campaigns", l.pick("Đợt khảo sát", "Campaigns")),
        title,
        &c.title,
        html! {
            h1 { (title) }
            p { strong { (c.title) } }
            div.warning role="note" {
                @if what == Confirm::Close {
                        p { (l.pick("Khi đóng đợt: ", "When the campaign closes: ")) }
                        ul {
                            li { strong { (count(l, t.live_links)) } (l.pick(" đường dẫn chưa dùng ngừng hoạt động ngay; người nhận mở ra sẽ thấy đợt đã đóng.", " unused links stop working at once; whoever opens one is told the campaign has closed.")) }
                            @if grace_hours > 0 {
                                li { @match l {
                                    Lang::Vi => { "Trong " strong { (grace_hours) " giờ" } " sau khi đóng, quản trị viên có thể mở lại đợt nếu đóng nhầm; trong thời gian đó kết quả vẫn được niêm phong." }
                                    Lang::En => { "For " strong { (grace_hours) " hours" } " after closing, an administrator may reopen it if it was closed by mistake; meanwhile its results stay sealed." }
                                } }
                                li { (l.pick("Sau đó việc đóng đợt là chính thức: các câu trả lời đã niêm phong được tính vào kết quả một lần, cùng lúc, và không mở lại được nữa.", "After that the closing is final: the sealed answers are counted into the results once, all together, and it can no longer be reopened.")) }
                            } @else {
                                li { (l.pick("Các câu trả lời đã niêm phong được tính vào kết quả một lần, cùng lúc.", "The sealed answers are counted into the results once, all together.")) }
                                li { strong { (l.pick("Không mở lại được.", "It cannot be reopened.")) } }
                            }
                        }
                } @else if what == Confirm::Reopen {
                        p { (l.pick("Khi mở lại đợt: ", "When the campaign reopens: ")) }
                        ul {
                            li { strong { (count(l, t.live_links)) } (l.pick(" đường dẫn đã cấp mà chưa dùng hoạt động trở lại; người đã trả lời không trả lời lại được.", " links issued and not yet used work again; whoever has answered cannot answer again.")) }
                            li { (l.pick("Kết quả của đợt tiếp tục được niêm phong cho đến khi đợt đóng chính thức.", "Its results stay sealed until the campaign closes for good.")) }
                            @if let Some(until) = t.reopen_until { li { (l.pick("Có thể mở lại đến: ", "Can be reopened until: ")) strong { (l.when(until)) } } }
                        }
                } @else {
                        p { (l.pick("Mỗi người chưa trả lời (", "Everyone who has not answered (")) strong { (count(l, t.not_answered)) } (l.pick(" người) được cấp một đường dẫn mới.", " people) gets a new link.")) }
                        p { strong { (count(l, t.live_links)) } (l.pick(" đường dẫn đã cấp mà chưa dùng sẽ ngừng hoạt động; ai đã nhận chúng phải được gửi đường dẫn mới.", " links issued and not yet used will stop working; whoever received them must be sent the new one.")) }
                        p { (l.pick("Đường dẫn mới chỉ hiện một lần, ngay sau khi cấp.", "The new links are shown only once, right after they are issued.")) }
                }
            }
            (st.confirm_or_back(&action, &hidden, button, &base))
        },
    )
}
