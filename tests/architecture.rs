//! The layering, checked on the source: no import cycle among `src/`'s
//! files, and the core never imports the web layer.
//!
//! An edge is any path a file names (`use crate::a::b`, `crate::a::f()`,
//! `super::x`), resolved to the deepest file that defines that module. A
//! file naming its own folder's `mod.rs` (or an ancestor's) is not an edge:
//! a folder's files may use what their folder shares, and the folder's
//! `mod.rs` composes them. Every other edge counts, parent to child too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["web", "state"]`) → file, for every file under `src/`.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut parts: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            match parts.last().map(String::as_str) {
                Some("mod") | Some("lib") => {
                    parts.pop();
                }
                Some("main") => continue, // the binary: a crate of its own
                _ => {}
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file without its comments (doc comments name modules).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| {
            let t = line.trim_start();
            if t.starts_with("//") {
                ""
            } else {
                line.split(" // ").next().unwrap_or("")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, rest) = tree.split_at(open);
    let inner = &rest[1..rest.rfind('}').unwrap_or(rest.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// Every path a file names that starts at `crate`, `super` or `self`.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // `use` trees, which may span lines and hold groups.
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        out.extend(expand(&rest[..end]));
        rest = &rest[end..];
    }
    // Paths in expressions and types.
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            out.push(code[at..end].to_owned());
        }
    }
    out
}

/// The file a path names, from the module `here` (a file's own module).
fn resolve(path: &str, here: &[String], mods: &BTreeMap<Vec<String>, PathBuf>) -> Option<PathBuf> {
    let mut segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    // A file is its own module (`self`); `super` is the one above it.
    let mut base: Vec<String> = match segs.first().copied() {
        Some("crate") => {
            segs.remove(0);
            Vec::new()
        }
        Some("self") => {
            segs.remove(0);
            here.to_vec()
        }
        Some("super") => {
            let ups = segs.iter().take_while(|s| **s == "super").count();
            segs.drain(..ups);
            here[..here.len().saturating_sub(ups)].to_vec()
        }
        _ => return None,
    };
    let mut best = mods.get(&base).cloned();
    for s in segs {
        base.push(s.to_owned());
        match mods.get(&base) {
            Some(file) => best = Some(file.clone()),
            None => break,
        }
    }
    best
}

fn edges(src: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mods = modules(src);
    let by_file: BTreeMap<&PathBuf, &Vec<String>> = mods.iter().map(|(m, f)| (f, m)).collect();
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (file, module) in &by_file {
        let text = code(&std::fs::read_to_string(file).unwrap());
        let targets = graph.entry((*file).clone()).or_default();
        for p in paths(&text) {
            let Some(target) = resolve(&p, module, &mods) else {
                continue;
            };
            let target_module = by_file[&target];
            let ancestor = target_module.len() < module.len()
                && module[..target_module.len()] == target_module[..];
            if target != **file && !ancestor {
                targets.insert(target);
            }
        }
    }
    graph
}

/// One cycle, if the graph has any (depth-first search).
fn find_cycle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        at: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        marks: &mut BTreeMap<PathBuf, Mark>,
        trail: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        marks.insert(at.clone(), Mark::Open);
        trail.push(at.clone());
        for next in graph.get(at).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let from = trail.iter().position(|p| p == next).unwrap();
                    let mut cycle = trail[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(c) = visit(next, graph, marks, trail) {
                        return Some(c);
                    }
                }
            }
        }
        trail.pop();
        marks.insert(at.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for start in graph.keys() {
        if !marks.contains_key(start)
            && let Some(c) = visit(start, graph, &mut marks, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_file_in_src_imports_itself_through_others() {
    let graph = edges(&src());
    assert!(graph.len() > 50, "only {} files found", graph.len());
    if let Some(cycle) = find_cycle(&graph) {
        let shown: Vec<String> = cycle
            .iter()
            .map(|p| p.strip_prefix(src()).unwrap().display().to_string())
            .collect();
        panic!("import cycle: {}", shown.join(" -> "));
    }
}

#[test]
fn the_core_never_imports_the_web_layer() {
    let core = [
        "ingest",
        "stats",
        "store",
        "analysis",
        "frame",
        "catalogue",
        "areas",
        "board",
    ];
    let web = [
        "web",
        "pages",
        "app",
        "accounts",
        "publishing",
        "uploads",
        "site",
        "islands",
    ];
    let root = src();
    let top = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned()
    };
    for (file, targets) in edges(&root) {
        if !core.contains(&top(&file).as_str()) {
            continue;
        }
        for t in targets {
            assert!(
                !web.contains(&top(&t).as_str()),
                "{} imports {}",
                file.display(),
                t.display()
            );
        }
    }
}

#[test]
fn the_checker_sees_groups_super_and_cycles() {
    assert_eq!(
        expand("crate::{a::B, c::{d, e}}"),
        ["crate::a::B", "crate::c::d", "crate::c::e"]
    );
    let found = paths("use super::{x::Y, z};\nfn f() { crate::web::respond::plain_text(); }");
    assert!(found.contains(&"super::x::Y".to_owned()), "{found:?}");
    assert!(
        found.contains(&"crate::web::respond::plain_text".to_owned()),
        "{found:?}"
    );
    let mut g: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("a".into());
    assert!(find_cycle(&g).is_some());
    g.get_mut(&PathBuf::from("b")).unwrap().clear();
    assert!(find_cycle(&g).is_none());
}
