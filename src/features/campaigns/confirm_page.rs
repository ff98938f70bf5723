//! The step between a button and a change that cannot be undone: what will happen, in numbers,
//! and the one button that does it, beside the way back.

use crate::features::campaigns::service::{Heading, LinkState, Person};
use crate::features::paper::page::Staff;
use crate::text::Lang;
use maud::{html, Markup};

/// A change that cannot be undone, asked about before it is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Closing the campaign: every link stops, the sealed answers are counted.
    Close,
    /// Issuing links to everyone who has not answered, as a printed sheet or a CSV file:
    /// every earlier link of theirs stops.
    Links { csv: bool },
}

/// Who would be touched: links that stop working, and people who would get a new one.
pub struct Touched {
    pub live_links: usize,
    pub not_answered: usize,
}

impl Touched {
    pub fn of(people: &[Person]) -> Touched {
        let waiting = people.iter().filter(|p| !p.answered);
        Touched {
            live_links: waiting
                .clone()
                .filter(|p| p.link == LinkState::Issued)
                .count(),
            not_answered: waiting.count(),
        }
    }
}

fn count(l: Lang, n: usize) -> String {
    l.count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The question, what happens, and the button.
pub fn confirm(st: &Staff, c: &Heading, what: Confirm, t: &Touched) -> Markup {
    let l = st.lang;
    let base = format!("/campaigns/{}", c.id);
    let (title, action, button) = match what {
        Confirm::Close => (
            l.pick("Đóng đợt khảo sát?", "Close the campaign?"),
            format!("{base}/close"),
            l.pick("Đóng đợt khảo sát", "Close the campaign"),
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
        Confirm::Close => Vec::new(),
    };
    let links = matches!(what, Confirm::Links { .. });
    st.under(
        ("/campaigns", l.pick("Đợt khảo sát", "Campaigns")),
        title,
        &c.title,
        html! {
            h1 { (title) }
            p { strong { (c.title) } }
            div.warning role="note" {
                @if !links {
                        p { (l.pick("Khi đóng đợt: ", "When the campaign closes: ")) }
                        ul {
                            li { strong { (count(l, t.live_links)) } (l.pick(" đường dẫn chưa dùng ngừng hoạt động ngay; người nhận mở ra sẽ thấy đợt đã đóng.", " unused links stop working at once; whoever opens one is told the campaign has closed.")) }
                            li { (l.pick("Các câu trả lời đã niêm phong được tính vào kết quả một lần, cùng lúc.", "The sealed answers are counted into the results once, all together.")) }
                            li { strong { (l.pick("Không mở lại được.", "It cannot be reopened.")) } }
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
