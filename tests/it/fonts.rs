//! What a page looks like, and where a printed line wraps, depends on the fonts present: the
//! CI script installs every font the stylesheet names, so that the browser tests see pages as
//! they were made to look.

use std::collections::BTreeSet;

/// The Debian package of each family the stylesheet may name and Linux can have; the generic
/// families fall back to DejaVu there.
const PACKAGES: &[(&str, &str)] = &[
    ("Noto Sans", "fonts-noto-core"),
    ("DejaVu Sans", "fonts-dejavu-core"),
    ("DejaVu Sans Mono", "fonts-dejavu-core"),
    ("Liberation Sans", "fonts-liberation"),
    ("Liberation Mono", "fonts-liberation"),
    ("Arial", "fonts-liberation"),
    ("Courier New", "fonts-liberation"),
];
/// Families of other systems (Windows, Android), absent from a Debian machine whatever it
/// installs: the next family of the list is what Linux shows.
const ELSEWHERE: &[&str] = &["Segoe UI", "Roboto"];
const GENERIC: &[&str] = &[
    "system-ui",
    "ui-monospace",
    "sans-serif",
    "serif",
    "monospace",
    "inherit",
];

/// Every family named in a `font-family` list of the stylesheet.
fn families(css: &str) -> BTreeSet<String> {
    css.split("font-family:")
        .skip(1)
        .flat_map(|rest| {
            let list = rest.split(['}', ';']).next().unwrap_or("");
            list.split(',')
                .map(|f| f.trim().trim_matches('"').trim_matches('\'').to_string())
                .collect::<Vec<_>>()
        })
        .filter(|f| !f.is_empty())
        .collect()
}

#[test]
fn the_ci_script_installs_every_font_the_stylesheet_names() {
    let root = env!("CARGO_MANIFEST_DIR");
    let css = std::fs::read_to_string(format!("{root}/src/ui/chiso.css")).unwrap();
    let ci = std::fs::read_to_string(format!("{root}/.ci/run")).unwrap();
    let mut needed: BTreeSet<&str> = BTreeSet::new();
    for family in families(&css) {
        if GENERIC.contains(&family.as_str()) {
            needed.insert("fonts-dejavu-core");
        } else if !ELSEWHERE.contains(&family.as_str()) {
            let package = PACKAGES
                .iter()
                .find(|(f, _)| *f == family)
                .map(|(_, p)| *p)
                .unwrap_or_else(|| panic!("which Debian package has the font {family}?"));
            needed.insert(package);
        }
    }
    assert!(needed.contains("fonts-noto-core"), "{needed:?}");
    for package in needed {
        assert!(ci.contains(package), ".ci/run installs {package}");
    }
    // Pages asking for Arial or Times get Liberation, metric-compatible.
    assert!(ci.contains("fonts-liberation"));
}
