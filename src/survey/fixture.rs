//! A small definition that passes every check; tests break one thing in it at a time.

use super::parse_definition;

pub const GOOD: &str = r#"
id = "t"
title = "T"
instrument = "sipas"

[[scales]]
code = "s"
no_opinion = "Không ý kiến"
values = [
  { value = 1, label = "Không", score = 0 },
  { value = 2, label = "Có", score = 1 },
]

[[sections]]
code = "A"
title = "A"

[[sections.items]]
code = "A1"
text = "a1"
scale = "s"

[[sections.items]]
code = "A2"
text = "a2"
scale = "s"
show_if = { code = "A1", in = [2] }

[[index]]
code = "ROOT"
name = "Root"
owner = "Sở Nội vụ"
points = "sum_of_children"
points_max = "3"

[[index]]
code = "E"
name = "E"
parent = "ROOT"
owner = "Sở Nội vụ"
items = ["A1", "A2"]
baseline = 80.24
points = "percent_of_max"
points_max = "3"
"#;

pub fn errors(text: &str) -> Vec<String> {
    match parse_definition("t.toml", text) {
        Ok(_) => vec![],
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

/// Asserts that [`GOOD`], its first `from` made `to`, is refused with a message saying `says`;
/// shows every message when none does.
#[track_caller]
pub fn assert_refused(from: &str, to: &str, says: &str) {
    assert!(GOOD.contains(from), "{from:?} is not in the definition");
    let e = errors(&GOOD.replacen(from, to, 1));
    assert!(
        e.iter().any(|m| m.contains(says)),
        "no message says {says:?}: {e:?}"
    );
}
