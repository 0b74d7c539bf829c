//! Differential tests: every `testdata/*.in` must format to the `*.out` that Terraform 1.15.5's
//! `terraform fmt` produced for it (regenerate with `testdata/regen.sh`).

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::format_source;

fn cases() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/fmt/testdata");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "in"))
        .map(|p| {
            let name = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, p)
        })
        .collect();
    cases.sort();
    cases
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_case_formats_byte_identical_to_terraform() {
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "corpus went missing: {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for (name, input) in &cases {
        let expected = read(&input.with_extension("out"));
        match format_source(&read(input)) {
            Ok(actual) if actual == expected => {}
            Ok(actual) => failures.push(format!(
                "{name}:\n{}",
                similar::TextDiff::from_lines(&expected, &actual)
                    .unified_diff()
                    .header("terraform", "galley")
            )),
            Err(err) => failures.push(format!("{name}: {err}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn formatting_is_idempotent() {
    for (name, input) in cases() {
        let once = format_source(&read(&input)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let twice = format_source(&once).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(once, twice, "{name} changes when formatted twice");
    }
}

#[test]
fn terraform_output_is_a_fixed_point() {
    for (name, input) in cases() {
        let expected = read(&input.with_extension("out"));
        let again = format_source(&expected).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            again, expected,
            "{name}: formatting terraform's output changed it"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,200}") {
        let _ = format_source(&src);
    }

    #[test]
    fn hcl_shaped_text_never_panics(
        src in proptest::collection::vec(
            prop_oneof![
                Just("a"), Just(" = "), Just("\n"), Just("{"), Just("}"), Just("["), Just("]"),
                Just("("), Just(")"), Just("\""), Just("${"), Just("%{"), Just("~}"), Just("<<EOT\n"),
                Just("<<-EOT\n"), Just("EOT\n"), Just("# c\n"), Just("/*"), Just("*/"), Just(","),
                Just("-"), Just("1"), Just("\r\n"), Just("\t"), Just("é"), Just("$"), Just("\\"),
            ],
            0..40,
        )
    ) {
        let src: String = src.concat();
        if let Ok(out) = format_source(&src) {
            // Whatever formats must format to itself again.
            prop_assert_eq!(format_source(&out).ok(), Some(out));
        }
    }
}
