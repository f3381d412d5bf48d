//! Every shipped example, pinned: the findings each gives (human output), so a change in any
//! rule that changes what an example shows is seen in review.

use std::path::Path;

use crate::support::{filters, run_in, transcript};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `check` on an example at a fixed date (each snapshot of a project at the date it was
/// taken) and pins exit code, stdout and stderr.
fn pin(name: &str, path: &str, as_of: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", path, "--as-of", as_of, "--color", "never"];
    args.extend_from_slice(extra);
    let output = run_in(repo(), &args);
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!(name, transcript(&output));
    });
    output
}

#[test]
fn riverside_arena_stage_0() {
    let output = pin(
        "riverside_stage_0",
        "examples/riverside-arena/stage-0",
        "2025-02-01",
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
    // Looking ahead shows what stage 1 will demand, as info.
    pin(
        "riverside_stage_0_lookahead",
        "examples/riverside-arena/stage-0",
        "2025-02-01",
        &["--lookahead"],
    );
}

#[test]
fn riverside_arena_stage_2() {
    let output = pin(
        "riverside_stage_2",
        "examples/riverside-arena/stage-2",
        "2025-09-01",
        &["--lookahead"],
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn riverside_arena_stage_4() {
    let output = pin(
        "riverside_stage_4",
        "examples/riverside-arena/stage-4",
        "2026-06-01",
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn harbour_festival() {
    let output = pin("harbour_festival", "examples/harbour-festival", "2026-06-01", &[]);
    assert_eq!(output.status.code(), Some(1));
}
