//! Keeps the READMEs true: every stable error code is documented in README.md and README.ja.md,
//! and README.ja.md stays in step with README.md — its headings name the English ones they
//! translate, in README.md's order, and every command, variable and code it shows is README.md's.
//! README.md's Rust is `tsunagi-core`'s crate README example, which `cargo test --doc` compiles.

use std::collections::BTreeSet;
use tsunagi::ErrorCode;

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The README.md sections README.ja.md must translate (the two commands, the Worker, the three
/// providers and how to choose between the browser and the Worker).
const JA_MUST_COVER: [(usize, &str); 12] = [
    (2, "Two commands"),
    (2, "What is here"),
    (2, "The core in one screen"),
    (2, "Provider sandbox"),
    (2, "Error codes"),
    (2, "Worker"),
    (3, "Routes"),
    (3, "Configure"),
    (3, "Deploy your own"),
    (3, "Build, run locally, deploy"),
    (2, "npm package"),
    (2, "Browser-only or Worker?"),
];

#[test]
fn readme_documents_every_error_code() {
    for name in ["README.md", "README.ja.md"] {
        let readme = read(name);
        assert!(readme.contains("make demo") && readme.contains("make test"), "{name} lacks the two commands");
        let missing: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).filter(|c| !readme.contains(&format!("`{c}`"))).collect();
        assert!(missing.is_empty(), "{name} lacks error codes: {missing:?}");
    }
}

/// Markdown outside fenced code blocks, and the lines inside them.
fn split_fences(text: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut prose, mut code, mut fenced) = (vec![], vec![], false);
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if fenced {
            code.push(line);
        } else {
            prose.push(line);
        }
    }
    (prose, code)
}

/// `(level, text)` of every `##` and `###` heading.
fn headings(text: &str) -> Vec<(usize, &str)> {
    let (prose, _) = split_fences(text);
    prose
        .into_iter()
        .filter_map(|line| {
            let level = line.bytes().take_while(|&b| b == b'#').count();
            ((level == 2 || level == 3) && line[level..].starts_with(' ')).then(|| (level, line[level..].trim()))
        })
        .collect()
}

/// `## 日本語の見出し <!-- English heading -->` → `("日本語の見出し", "English heading")`.
fn translated(heading: &str) -> Option<(&str, &str)> {
    let (japanese, english) = heading.strip_suffix("-->")?.rsplit_once("<!--")?;
    Some((japanese.trim(), english.trim()))
}

/// The `##` heading the heading at `i` sits under.
fn parent<'a>(headings: &[(usize, &'a str)], i: usize) -> Option<&'a str> {
    headings[..i].iter().rev().find(|h| h.0 == 2).map(|h| h.1)
}

/// Every problem with README.ja.md's headings against README.md's: a heading without its English
/// original, an English heading README.md lacks at that level, one out of README.md's order or
/// under another `##`, and a section of [`JA_MUST_COVER`] missing.
fn heading_problems(en: &str, ja: &str) -> Vec<String> {
    let en = headings(en);
    let (mut problems, mut covered, mut previous): (Vec<String>, Vec<(usize, &str)>, Option<usize>) = (vec![], vec![], None);
    for (level, heading) in headings(ja) {
        let hashes = "#".repeat(level);
        let Some((japanese, english)) = translated(heading) else {
            problems.push(format!("`{hashes} {heading}` does not end with `<!-- the README.md heading it translates -->`"));
            continue;
        };
        if japanese.is_empty() {
            problems.push(format!("`{hashes} {heading}` has no Japanese heading"));
        }
        let Some(i) = en.iter().position(|&h| h == (level, english)) else {
            problems.push(format!("`{hashes} {english}` is not a heading of README.md (at level {level})"));
            continue;
        };
        if previous.is_some_and(|p| i <= p) {
            problems.push(format!("`{hashes} {english}` is out of README.md's order"));
        }
        covered.push((level, english));
        if level == 3 && parent(&covered, covered.len() - 1) != parent(&en, i) {
            problems.push(format!("`{hashes} {english}` is under `## {}` in README.md", parent(&en, i).unwrap_or("(none)")));
        }
        previous = Some(i);
    }
    for (level, english) in JA_MUST_COVER {
        if !covered.contains(&(level, english)) {
            problems.push(format!("README.ja.md lacks a translation of `{} {english}`", "#".repeat(level)));
        }
    }
    problems
}

#[test]
fn readme_ja_headings_follow_readme() {
    let problems = heading_problems(&read("README.md"), &read("README.ja.md"));
    assert!(problems.is_empty(), "README.ja.md's headings are out of step with README.md's:\n{}", problems.join("\n"));
}

#[test]
fn heading_check_catches_divergence() {
    let en = read("README.md");
    let ja = read("README.ja.md");
    let renamed = ja.replacen("<!-- Routes -->", "<!-- Endpoints -->", 1);
    let moved = ja.replacen("<!-- Two commands -->", "<!-- Browser-only or Worker? -->", 1);
    let bare = ja.replacen(" <!-- Configure -->", "", 1);
    let level = ja.replacen("## 2 つのコマンド", "### 2 つのコマンド", 1);
    for (what, text) in [("renamed", renamed), ("out of order", moved), ("without its English heading", bare), ("at another level", level)] {
        assert!(!heading_problems(&en, &text).is_empty(), "a heading {what} went unnoticed");
    }
}

/// The targets of `make …` commands.
fn make_targets(text: &str) -> BTreeSet<&str> {
    text.match_indices("make ")
        .filter(|&(i, _)| !text[..i].ends_with(|c: char| c.is_ascii_alphanumeric()))
        .map(|(i, m)| {
            let rest = &text[i + m.len()..];
            &rest[..rest.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')).unwrap_or(rest.len())]
        })
        .filter(|target| target.starts_with(|c: char| c.is_ascii_lowercase()))
        .collect()
}

/// Configuration and secret names: `LAWVU_CLIENT_ID`, `SESSION_KEY`, `TOKEN_MEDIATING`, … (upper
/// case words joined by `_`).
fn variable_names(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.contains('_') && w.starts_with(|c: char| c.is_ascii_uppercase()) && !w.ends_with('_'))
        .filter(|w| w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
        .collect()
}

/// Inline code spans (`…`) of the prose, their white space (line breaks included) collapsed.
fn code_spans(prose: &[&str]) -> Vec<String> {
    prose.join("\n").split('`').skip(1).step_by(2).map(collapsed).filter(|span| !span.is_empty()).collect()
}

/// `text` with each run of white space made one space.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fenced code line without its trailing comment (` # …`, ` // …`), which may be translated.
fn without_comment(line: &str) -> &str {
    let trimmed = line.trim();
    if trimmed.starts_with('#') || trimmed.starts_with("//") {
        return "";
    }
    let cut = [" #", " //"].iter().filter_map(|c| trimmed.find(c)).min().unwrap_or(trimmed.len());
    trimmed[..cut].trim_end()
}

#[test]
fn readme_ja_names_exist_in_readme() {
    let en = read("README.md");
    let ja = read("README.ja.md");
    let mut problems = vec![];

    let (en_targets, ja_targets) = (make_targets(&en), make_targets(&ja));
    assert!(ja_targets.contains("demo") && ja_targets.contains("test"), "README.ja.md lacks the two commands");
    problems.extend(ja_targets.difference(&en_targets).map(|t| format!("`make {t}` is not a command of README.md")));

    let (en_names, ja_names) = (variable_names(&en), variable_names(&ja));
    assert!(["TSUNAGI_CONNECTIONS", "LEGALON_API_CREDENTIALS", "SESSION_KEY", "ALLOWED_ORIGINS"].iter().all(|n| ja_names.contains(n)), "{ja_names:?}");
    problems.extend(ja_names.difference(&en_names).map(|n| format!("`{n}` is not a variable of README.md")));
    problems.extend(en_names.difference(&ja_names).map(|n| format!("README.md's `{n}` is missing from README.ja.md")));

    let (prose, code) = split_fences(&ja);
    let on_disk = |span: &str| !span.contains(' ') && std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(span).exists();
    let en_flat = collapsed(&en);
    problems.extend(
        code_spans(&prose)
            .into_iter()
            .filter(|span| !en_flat.contains(span) && !on_disk(span))
            .map(|span| format!("`{span}` is in neither README.md nor the tree")),
    );
    problems.extend(
        code.into_iter()
            .map(without_comment)
            .filter(|line| !line.is_empty() && !en.contains(line))
            .map(|line| format!("code line `{line}` is not README.md's")),
    );

    assert!(problems.is_empty(), "README.ja.md names what README.md does not:\n{}", problems.join("\n"));
}

/// The ```` ```rust ```` blocks of `text`, each its lines (without the fences).
fn rust_blocks(text: &str) -> Vec<Vec<&str>> {
    let (mut blocks, mut current): (Vec<Vec<&str>>, Option<Vec<&str>>) = (vec![], None);
    for line in text.lines() {
        match current.take() {
            Some(block) if line.starts_with("```") => blocks.push(block),
            Some(mut block) => {
                block.push(line);
                current = Some(block);
            }
            None => current = (line.trim_end() == "```rust").then(Vec::new),
        }
    }
    blocks
}

/// Issue 23: README.md's Rust is what a user of the core writes, and it compiles. Each block is
/// one of `crates/tsunagi-core/README.md`'s, which is the crate's rustdoc (its blocks are
/// doctests); README.ja.md's blocks are README.md's with only their `//` comments translated.
#[test]
fn readme_rust_is_the_cores_compiled_example() {
    let en = read("README.md");
    let core = read("crates/tsunagi-core/README.md");
    let lib = read("crates/tsunagi-core/src/lib.rs");
    assert!(lib.contains("#![doc = include_str!(\"../README.md\")]"), "tsunagi-core's rustdoc is no longer its README: its examples are not doctests");
    let (en_blocks, core_blocks) = (rust_blocks(&en), rust_blocks(&core));
    assert!(!en_blocks.is_empty(), "README.md has no Rust block");
    for block in &en_blocks {
        assert!(core_blocks.contains(block), "README.md's Rust block is not one of crates/tsunagi-core/README.md's (compiled):\n{}", block.join("\n"));
    }
    let code = |block: &Vec<&str>| -> Vec<String> { block.iter().filter(|l| !l.trim_start().starts_with("//")).map(|l| (*l).to_owned()).collect() };
    let ja = read("README.ja.md");
    let ja_blocks = rust_blocks(&ja);
    assert_eq!(
        ja_blocks.iter().map(code).collect::<Vec<_>>(),
        en_blocks.iter().map(code).collect::<Vec<_>>(),
        "README.ja.md's Rust differs from README.md's beyond `//` comments"
    );
}
