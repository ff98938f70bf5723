//! The house's floors, checked on every test run: the layer order written at the top of
//! `src/lib.rs` is read from there, and every `crate::` path in `src/` (test modules left out)
//! must point at its own layer or one below, with no loop between top-level modules. Inside
//! `features/`, no feature imports another feature's handlers (a handler file is not a
//! library) and features do not import each other in a loop. A file over 500 lines fails too.

#![allow(clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

/// The layers, bottom first, as `src/lib.rs` lists them under "Layers".
fn layers(lib: &str) -> Vec<Vec<String>> {
    lib.lines()
        .skip_while(|l| !l.starts_with("//! ## Layers"))
        .skip(1)
        .take_while(|l| l.starts_with("//!"))
        .filter_map(|l| l.strip_prefix("//! - "))
        .map(|l| {
            l.split(" — ")
                .next()
                .unwrap_or("")
                .split(',')
                .map(|m| m.trim().trim_matches('`').to_string())
                .filter(|m| !m.is_empty())
                .collect()
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's text up to its test module, if it has one inline.
fn without_tests(text: &str) -> &str {
    let cut = text.find("#[cfg(test)]\nmod tests {").or_else(|| {
        text.find("#[cfg(test)]\nmod ")
            .filter(|&i| text[i..].lines().nth(1).is_some_and(|l| l.ends_with('{')))
    });
    &text[..cut.unwrap_or(text.len())]
}

/// The module paths a text names after `crate::` (or `chiso::`, the library as the binary's
/// `cli` and `bench` name it), including inside `use crate::{…}` groups.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = crate_paths_after(text, "crate::");
    out.extend(crate_paths_after(text, "chiso::"));
    out
}

fn crate_paths_after(text: &str, root: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(root) {
        let after = &rest[i + root.len()..];
        let preceded = rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if !preceded {
            if let Some(group) = after.strip_prefix('{') {
                let end = group.find("};").unwrap_or(group.len());
                out.extend(group_paths(&group[..end]));
            } else {
                out.push(path_at(after));
            }
        }
        rest = after;
    }
    out
}

/// The paths of a `use` group, joined to their prefix (`features::{kiosk::routes, codes}`).
fn group_paths(group: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(group[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(group[start..].trim().to_string());
    out.into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| match p.split_once("::{") {
            Some((prefix, inner)) => group_paths(inner.trim_end_matches('}'))
                .into_iter()
                .map(|q| format!("{prefix}::{q}"))
                .collect(),
            None => vec![path_at(&p)],
        })
        .collect()
}

fn path_at(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect::<String>()
        .trim_end_matches(':')
        .to_string()
}

struct Module {
    /// `src/`-relative path with `/`.
    file: String,
    text: String,
}

fn modules() -> Vec<Module> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| Module {
            file: p
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/"),
            text: fs::read_to_string(&p).expect("a source file is readable"),
        })
        .collect()
}

fn top(file: &str) -> String {
    let first = file.split('/').next().unwrap_or(file);
    first.trim_end_matches(".rs").to_string()
}

/// Checks that a rule found nothing against it; what it found, one a line, under `rule` if it
/// did.
#[track_caller]
fn assert_none(rule: &str, found: &[String]) {
    assert!(found.is_empty(), "{rule}:\n{}", found.join("\n"));
}

/// Checks that a graph of imports has no loop; the loops, after `what`, if it has.
#[track_caller]
fn assert_no_loops(edges: &BTreeMap<String, BTreeSet<String>>, what: &str) {
    let found = loops(edges);
    assert!(found.is_empty(), "{what}: {found:?}");
}

/// Loops in a graph, each as its members (Tarjan's strongly connected components).
fn loops(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        found: Vec<Vec<String>>,
    }
    fn visit(w: &mut Walk, v: &str) {
        let i = w.index.len();
        w.index.insert(v.to_string(), i);
        w.low.insert(v.to_string(), i);
        w.stack.push(v.to_string());
        for u in w.edges.get(v).into_iter().flatten() {
            if !w.index.contains_key(u) {
                visit(w, u);
                let l = w.low[u].min(w.low[v]);
                w.low.insert(v.to_string(), l);
            } else if w.stack.contains(u) {
                let l = w.index[u].min(w.low[v]);
                w.low.insert(v.to_string(), l);
            }
        }
        if w.low[v] == w.index[v] {
            let mut members = Vec::new();
            while let Some(u) = w.stack.pop() {
                let done = u == v;
                members.push(u);
                if done {
                    break;
                }
            }
            if members.len() > 1 {
                members.sort();
                w.found.push(members);
            }
        }
    }
    let mut w = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !w.index.contains_key(v) {
            visit(&mut w, v);
        }
    }
    w.found
}

#[test]
fn every_import_keeps_to_the_layer_order_and_no_module_imports_one_that_imports_it_back() {
    let mods = modules();
    let lib = &mods
        .iter()
        .find(|m| m.file == "lib.rs")
        .expect("src/lib.rs")
        .text;
    let layers = layers(lib);
    assert!(
        layers.len() >= 5,
        "src/lib.rs lists its layers under “## Layers”"
    );
    let layer_of: BTreeMap<String, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().map(move |m| (m.clone(), i)))
        .collect();
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect();
    let unplaced: Vec<_> = declared
        .iter()
        .filter(|m| !layer_of.contains_key(*m))
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from the layer list in src/lib.rs: {unplaced:?}"
    );

    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut upward = Vec::new();
    for m in mods
        .iter()
        .filter(|m| m.file != "lib.rs" && m.file != "main.rs")
    {
        let from = top(&m.file);
        for path in crate_paths(without_tests(&m.text)) {
            let to = path.split("::").next().unwrap_or("").to_string();
            if to == from || !layer_of.contains_key(&to) {
                continue;
            }
            if layer_of[&to] > layer_of[&from] {
                upward.push(format!("{}: {from} → crate::{path}", m.file));
            }
            edges.entry(from.clone()).or_default().insert(to);
        }
    }
    assert_none("imports that reach up a layer", &upward);
    assert_no_loops(&edges, "import loops between top-level modules");
}

#[test]
fn a_feature_never_imports_another_features_handlers_nor_one_that_imports_it_back() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut into_handlers = Vec::new();
    for m in modules() {
        let Some(rest) = m.file.strip_prefix("features/") else {
            continue;
        };
        let Some((from, _)) = rest.split_once('/') else {
            continue; // the router and the shared files at the top of features/
        };
        for path in crate_paths(without_tests(&m.text)) {
            let mut parts = path.split("::");
            if parts.next() != Some("features") {
                continue;
            }
            let Some(to) = parts.next() else { continue };
            if to == from {
                continue;
            }
            if parts.next() == Some("routes") {
                into_handlers.push(format!("{}: crate::{path}", m.file));
            }
            edges
                .entry(from.to_string())
                .or_default()
                .insert(to.to_string());
        }
    }
    assert_none(
        "handler files used as libraries by other features",
        &into_handlers,
    );
    assert_no_loops(&edges, "features importing each other in a loop");
}

#[test]
fn no_source_file_is_over_500_lines() {
    let long: Vec<String> = modules()
        .iter()
        .map(|m| (m.text.lines().count(), &m.file))
        .filter(|(n, _)| *n > MAX_LINES)
        .map(|(n, f)| format!("{f}: {n} lines"))
        .collect();
    assert_none(
        &format!("files over {MAX_LINES} lines (split them by job)"),
        &long,
    );
}

#[test]
fn the_checker_reads_paths_and_groups_as_the_compiler_does() {
    let text = "use crate::{db::auth::Role, features::{kiosk::routes, codes}};\n\
                let x = crate::survey::Unit::new(); // $crate::web is a macro's\n";
    assert_eq!(
        crate_paths(text),
        [
            "db::auth::Role",
            "features::kiosk::routes",
            "features::codes",
            "survey::Unit::new"
        ]
    );
    let lib = "//! ## Layers\n//! - `text`, clock — words\n//! - survey\n//!\n//! more\n";
    assert_eq!(layers(lib), [vec!["text", "clock"], vec!["survey"]]);
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(loops(&edges), [vec!["a".to_string(), "b".to_string()]]);
}
