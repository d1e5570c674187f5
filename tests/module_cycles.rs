#![cfg(not(target_arch = "wasm32"))]
//! No module of any crate imports, directly or through others, a module that imports it back
//! (issue 22: nothing can be put behind a feature, or read on its own, while modules form cycles).
//! Reads every crate's sources as text: `crate::`, `super::` and `self::` paths (use-trees
//! included; `use child::…` of a module's own children too) outside `#[cfg(test)]` (or
//! `#[cfg(all(test, …))]`) are the edges, between files and between top-level modules. A name a
//! module re-exports (`lib.rs`'s `use runtime::now;`, a `mod.rs`'s `pub use cookie::…`) leads to
//! the module that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose modules are checked, by their `src` folders: every crate of the workspace.
const CRATES: &[&str] =
    &["src", "crates/tsunagi-core/src", "crates/tsunagi-flows/src", "crates/tsunagi-webcrypto/src", "crates/tsunagi-worker/src", "sandbox/src"];

type Module = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; `lib.rs` and `main.rs` the root.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: Module = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") || (parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code of a file without its tests and comments.
fn code_of(text: &str) -> String {
    // tests start at `#[cfg(test)]`, or `#[cfg(all(test, …))]` for tests gated on features
    let cut = ["#[cfg(test)]", "#[cfg(all(test,"].iter().filter_map(|m| text.find(m)).min().unwrap_or(text.len());
    let code = text.get(..cut).unwrap_or_default();
    code.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every path that starts with `crate`, `super` or `self`, use-trees expanded
/// (`crate::a::{b, c::{d, e}}` → `crate::a::b`, `crate::a::c::d`, `crate::a::c::e`).
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = ["crate", "super", "self"].iter().find(|w| {
            let w: Vec<char> = w.chars().collect();
            chars.get(i..i + w.len()) == Some(&w[..]) && (i == 0 || !is_ident(chars[i - 1])) && chars.get(i + w.len()..i + w.len() + 2) == Some(&[':', ':'][..])
        });
        match starts {
            Some(_) => {
                let (paths, end) = tree(&chars, i, Vec::new());
                out.extend(paths);
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    out
}

/// Reads one path or use-tree from `at`, prefixed by `prefix`: the paths and where it ended.
fn tree(chars: &[char], mut at: usize, mut prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    loop {
        let start = at;
        while at < chars.len() && is_ident(chars[at]) {
            at += 1;
        }
        if at > start {
            prefix.push(chars[start..at].iter().collect());
        }
        if chars.get(at..at + 2) == Some(&[':', ':'][..]) {
            at += 2;
            if chars.get(at) == Some(&'{') {
                at += 1;
                let mut all = Vec::new();
                loop {
                    while chars.get(at).is_some_and(|c| c.is_whitespace() || *c == ',') {
                        at += 1;
                    }
                    match chars.get(at) {
                        None => return (all, at),
                        Some('}') => return (all, at + 1),
                        Some(c) if is_ident(*c) => {
                            let (paths, end) = tree(chars, at, prefix.clone());
                            all.extend(paths);
                            at = end;
                            // skip `as name` and anything up to the next item
                            while chars.get(at).is_some_and(|c| *c != ',' && *c != '}') {
                                at += 1;
                            }
                        }
                        Some(_) => at += 1,
                    }
                }
            }
            continue;
        }
        return (vec![prefix], at);
    }
}

/// `use child::…` (a path relative to the module, 2018 edition) written as `use self::child::…`,
/// for every child module of `module`.
fn with_self_paths(code: &str, module: &Module, modules: &BTreeSet<Module>) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let ident: String = after.trim_start().chars().take_while(|c| is_ident(*c)).collect();
        let mut child = module.clone();
        child.push(ident.clone());
        let at_word_start = before.len() == 4 || !before[..before.len() - 4].ends_with(is_ident);
        if at_word_start && !ident.is_empty() && after.trim_start()[ident.len()..].starts_with("::") && modules.contains(&child) {
            out.push_str("self::");
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The names each module imports from another module (`use runtime::now;` in `lib.rs` →
/// `now` is `runtime`'s), so a path through the re-exporting module reaches the definer.
type ReExports = BTreeMap<Module, BTreeMap<String, Module>>;

/// The module a path names: the longest known module its absolute form starts with, followed
/// through the re-exports of that module.
fn resolve_through(from: &Module, path: &[String], modules: &BTreeSet<Module>, re_exports: &ReExports) -> Option<Module> {
    let mut m = resolve(from, path, modules)?;
    let abs_len = absolute(from, path).len();
    let mut name = absolute(from, path).get(m.len()).cloned();
    // a re-export of a re-export: bounded hops
    for _ in 0..4 {
        match name.as_ref().and_then(|n| re_exports.get(&m).and_then(|r| r.get(n))) {
            Some(target) if *target != m => {
                m = target.clone();
                name = None;
            }
            _ => break,
        }
    }
    let _ = abs_len;
    Some(m)
}

/// A path made absolute from `from` (`crate`, `self` and `super` resolved).
fn absolute(from: &Module, path: &[String]) -> Module {
    let mut abs: Module = match path.first().map(String::as_str) {
        Some("self") => from.clone(),
        Some("super") => {
            let mut m = from.clone();
            m.pop();
            m
        }
        _ => Vec::new(),
    };
    let mut rest = path.iter().skip(1).peekable();
    while rest.peek().is_some_and(|s| *s == "super") {
        abs.pop();
        rest.next();
    }
    abs.extend(rest.cloned());
    abs
}

/// The module a path names: the longest known module its absolute form starts with.
fn resolve(from: &Module, path: &[String], modules: &BTreeSet<Module>) -> Option<Module> {
    let mut abs: Module = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("self") => from.clone(),
        Some("super") => {
            // `super` of `a::b` is `a`, whether `b` is `a/b.rs` or `a/b/mod.rs`
            let mut m = from.clone();
            m.pop();
            m
        }
        _ => return None,
    };
    let mut rest = path.iter().skip(1).peekable();
    while rest.peek().is_some_and(|s| *s == "super") {
        abs.pop();
        rest.next();
    }
    abs.extend(rest.cloned());
    (0..=abs.len()).rev().map(|n| abs[..n].to_vec()).find(|m| modules.contains(m))
}

/// Edges between the modules (files) of one crate.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(src, f)).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    let codes: Vec<(Module, String)> = files
        .iter()
        .map(|file| {
            let from = module_of(src, file);
            let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let code = with_self_paths(&code_of(&text), &from, &modules);
            (from, code)
        })
        .collect();
    // what each module imports by name from another module: its re-exports
    let mut re_exports: ReExports = BTreeMap::new();
    for (from, code) in &codes {
        for path in paths_in(code) {
            if let (Some(to), Some(name)) = (resolve(from, &path, &modules), path.last()) {
                if to != *from && absolute(from, &path).len() == to.len() + 1 {
                    re_exports.entry(from.clone()).or_default().insert(name.clone(), to);
                }
            }
        }
    }
    for (from, code) in &codes {
        let from = from.clone();
        for path in paths_in(code) {
            if let Some(to) = resolve_through(&from, &path, &modules, &re_exports) {
                if !to.is_empty() && to != from {
                    edges.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }
    edges
}

/// The same graph with every module folded into its top-level module.
fn top_level(edges: &BTreeMap<Module, BTreeSet<Module>>) -> BTreeMap<Module, BTreeSet<Module>> {
    let top = |m: &Module| m.iter().take(1).cloned().collect::<Module>();
    let mut out: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (from, tos) in edges {
        let f = top(from);
        let set = out.entry(f.clone()).or_default();
        set.extend(tos.iter().map(top).filter(|t| *t != f && !t.is_empty()));
    }
    out
}

/// One cycle, as the modules along it, if the graph has any.
fn find_cycle(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(n: &Module, edges: &BTreeMap<Module, BTreeSet<Module>>, done: &mut BTreeSet<Module>, stack: &mut Vec<Module>) -> Option<Vec<Module>> {
        if let Some(at) = stack.iter().position(|m| m == n) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(n.clone());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.clone());
        for next in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(next, edges, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.clone());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|n| visit(n, edges, &mut done, &mut Vec::new()))
}

fn show(cycle: &[Module]) -> String {
    cycle.iter().map(|m| m.join("::")).collect::<Vec<_>>().join(" → ")
}

#[test]
fn no_crate_has_a_module_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut modules = 0;
    for src in CRATES {
        let edges = graph(&root.join(src));
        assert!(!edges.is_empty(), "{src}: no module found");
        modules += edges.len();
        if let Some(cycle) = find_cycle(&edges) {
            panic!("{src}: the modules form a cycle: {}", show(&cycle));
        }
        if let Some(cycle) = find_cycle(&top_level(&edges)) {
            panic!("{src}: the top-level modules form a cycle: {}", show(&cycle));
        }
    }
    assert!(modules > 100, "only {modules} modules read");
}

/// The reader sees what a reader of the code sees: use-trees, `super`, aliases, tests left out.
#[test]
fn the_reader_finds_the_edges() {
    let code = code_of("use crate::a::{b, c::{d as e, f}};\nuse super::g;\nfn x() { self::h::i(); crate::j(); }\n// crate::k\n#[cfg(test)]\nuse crate::l;");
    let paths: Vec<String> = paths_in(&code).iter().map(|p| p.join("::")).collect();
    assert_eq!(paths, ["crate::a::b", "crate::a::c::d", "crate::a::c::f", "super::g", "self::h::i", "crate::j"]);
    let modules: BTreeSet<Module> = [vec![], vec!["a".to_owned()], vec!["a".to_owned(), "c".to_owned()], vec!["g".to_owned()]].into_iter().collect();
    // in lib.rs, `use a::c::x;` is the child module's path, and a name it re-exports leads to `a::c`
    let root_code = with_self_paths("use a::c::x;\nuse std::fmt;\nfn f() { reuse a::b(); }", &vec![], &modules);
    assert_eq!(root_code, "use self::a::c::x;\nuse std::fmt;\nfn f() { reuse a::b(); }");
    let mut re: ReExports = BTreeMap::new();
    re.entry(vec![]).or_default().insert("x".to_owned(), vec!["a".to_owned(), "c".to_owned()]);
    let via_root = resolve_through(&vec!["g".to_owned()], &["crate".to_owned(), "x".to_owned()], &modules, &re).map(|m| m.join("::"));
    assert_eq!(via_root.as_deref(), Some("a::c"));
    let from = vec!["x".to_owned()];
    let resolved = |p: &[&str]| resolve(&from, &p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(), &modules).map(|m| m.join("::"));
    assert_eq!(resolved(&["crate", "a", "c", "d"]).as_deref(), Some("a::c"));
    assert_eq!(resolved(&["super", "g"]).as_deref(), Some("g"));
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let m = |s: &str| vec![s.to_owned()];
    edges.entry(m("a")).or_default().insert(m("b"));
    edges.entry(m("b")).or_default().insert(m("c"));
    assert_eq!(find_cycle(&edges), None);
    edges.entry(m("c")).or_default().insert(m("a"));
    assert_eq!(find_cycle(&edges).map(|c| show(&c)).as_deref(), Some("a → b → c → a"));
}
