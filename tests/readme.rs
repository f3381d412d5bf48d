//! The README's captured output is the tool's output (issue 14, point 8): the command it names
//! is run and its output compared, the elapsed time aside.

use std::path::Path;

use crate::support::standoff;

#[test]
fn the_readme_shows_what_the_command_it_names_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("## What it looks like")
        .nth(1)
        .expect("the README's example section");
    let command = section
        .split('`')
        .nth(1)
        .expect("the section opens with the command in backticks");
    let args: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(args.first(), Some(&"standoff"), "{command}");
    assert!(
        args.contains(&"--as-of"),
        "the captured command pins its date: {command}"
    );
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a text block with the captured output");
    let (head, tail) = block
        .split_once("...\n")
        .expect("the block elides the middle with `...`");
    // The pinned date of the support environment must not be what makes it pass.
    let output = standoff()
        .env_remove("STANDOFF_AS_OF")
        .current_dir(root)
        .args(&args[1..])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(
        printed.starts_with(head),
        "the README's first findings differ from the output:\n{printed}"
    );
    let without_time = |text: &str| {
        text.lines()
            .map(|l| l.split(" in ").next().unwrap_or(l).to_owned())
            .collect::<Vec<_>>()
    };
    let last: Vec<String> = without_time(printed.trim_end()).into_iter().rev().take(2).collect();
    let expected: Vec<String> = without_time(tail.trim_end()).into_iter().rev().take(2).collect();
    assert_eq!(last, expected, "the README's summary lines");
    let mut json_args = args[1..].to_vec();
    json_args.extend(["--format", "json"]);
    let report = crate::support::json(
        &standoff()
            .env_remove("STANDOFF_AS_OF")
            .current_dir(root)
            .args(&json_args)
            .output()
            .unwrap(),
    );
    let count = report["findings"].as_array().map_or(0, Vec::len);
    assert!(
        section.contains(&format!("of {} findings", number_word(count))),
        "the README says how many findings there are ({count})"
    );
}

fn number_word(n: usize) -> String {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    WORDS.get(n).map_or_else(|| n.to_string(), |w| (*w).to_owned())
}
