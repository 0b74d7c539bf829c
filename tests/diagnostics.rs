//! Bad input: each kind of error is a diagnostic with file:line:column, the source line
//! and a caret. Snapshots pin the rendering.

use std::path::Path;
use std::process::Command;

fn run(files: &[(&str, &str)], args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = tmp.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let o = Command::new(env!("CARGO_BIN_EXE_galley"))
        .current_dir(tmp.path())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!o.status.success(), "expected failure");
    let s = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    s.replace(&tmp.path().display().to_string(), "[TMP]")
}

fn validate(main_tf: &str) -> String {
    run(&[("main.tf", main_tf)], &["validate"])
}

#[test]
fn syntax_error() {
    insta::assert_snapshot!(validate(
        "resource \"terraform_data\" \"a\" {\n  input = [1, 2\n}\n"
    ));
}

#[test]
fn unknown_reference() {
    insta::assert_snapshot!(validate(
        "resource \"terraform_data\" \"a\" {\n  input = var.nope\n}\n"
    ));
}

#[test]
fn unknown_function() {
    insta::assert_snapshot!(validate("locals {\n  x = frobnicate(1)\n}\n"));
}

#[test]
fn cycle_lists_every_member() {
    insta::assert_snapshot!(validate(
        "locals {\n  a = local.b\n  b = local.c\n  c = local.a\n}\n"
    ));
}

#[test]
fn duplicate_resource() {
    insta::assert_snapshot!(validate(
        "resource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"a\" {}\n"
    ));
}

#[test]
fn several_errors_in_one_run() {
    let out = validate("locals {\n  x = frobnicate(1)\n  y = var.nope\n}\nresource \"terraform_data\" \"a\" {}\nresource \"terraform_data\" \"a\" {}\n");
    assert!(out.contains("Call to unknown function"), "{out}");
    assert!(
        out.contains("Reference to undeclared input variable"),
        "{out}"
    );
    assert!(out.contains("Duplicate resource"), "{out}");
}

#[test]
fn missing_required_variable() {
    insta::assert_snapshot!(run(
        &[("main.tf", "variable \"name\" {\n  type = string\n}\n")],
        &["plan"]
    ));
}

#[test]
fn failed_variable_validation() {
    insta::assert_snapshot!(run(
        &[("main.tf", "variable \"n\" {\n  type    = number\n  default = -1\n  validation {\n    condition     = var.n > 0\n    error_message = \"n must be positive.\"\n  }\n}\n")],
        &["plan"]
    ));
}

#[test]
fn wrong_argument_type() {
    insta::assert_snapshot!(run(
        &[("main.tf", "output \"x\" {\n  value = upper([1])\n}\n")],
        &["plan"]
    ));
}

#[test]
fn wrong_argument_count() {
    insta::assert_snapshot!(validate(
        "locals {\n  short = substr(\"abc\", 1)\n}\noutput \"x\" {\n  value = length(\"a\", \"b\")\n}\n"
    ));
}

#[test]
fn every_error_in_every_file_is_reported_in_one_run() {
    // Independent mistakes spread over several files of the root module and a child:
    // none may hide another.
    insta::assert_snapshot!(run(
        &[
            ("a_functions.tf", "locals {\n  x = frobnicate(1)\n  y = upper([1])\n}\n"),
            (
                "b_references.tf",
                "output \"o\" {\n  value = var.nope\n}\nresource \"terraform_data\" \"t\" {\n  input = local.missing\n}\n",
            ),
            ("c_types.tf", "variable \"n\" {\n  type    = number\n  default = \"many\"\n}\n"),
            (
                "d_modules.tf",
                "module \"child\" {\n  source = \"./child\"\n  colour = \"red\"\n}\n",
            ),
            ("child/main.tf", "locals {\n  n = length(\"a\", \"b\")\n}\n"),
        ],
        &["validate"]
    ));
}

/// Valid configuration with most of the language in it, for the mutation test.
const SEED_CONFIG: &str = r#"variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

locals {
  upper = [for n in var.names : upper(n) if n != ""]
  tags  = merge({ Team = "core" }, { for n in var.names : n => length(n) })
  text  = <<-EOT
    hello ${join(", ", local.upper)}
    %{for n in var.names}- ${n}
    %{endfor}
  EOT
}

resource "terraform_data" "a" {
  count = length(var.names)
  input = {
    name  = "${var.names[count.index]}-${local.tags.Team}"
    ready = count.index > 0 ? true : false
  }
  lifecycle {
    create_before_destroy = true
  }
}

output "names" {
  value = terraform_data.a[*].output
}
"#;

/// What the mutation test may insert: the characters that open and close HCL's nested
/// constructs.
const INSERTS: &[&str] = &[
    "{",
    "}",
    "\"",
    "${",
    "%{",
    "[",
    "]",
    "(",
    ")",
    "<<EOT\n",
    "\\",
    "\n",
    "=",
    "#",
    "/*",
    "*/",
    "\u{1F600}",
    "\u{0}",
];

/// A deterministic xorshift generator, so a failure can be reproduced.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutation of `seed`: a flipped byte, a truncation, a deleted range or an inserted
/// delimiter.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(4) {
            0 if !b.is_empty() => {
                let i = at.min(b.len() - 1);
                b[i] ^= 1 << rng.below(8);
            }
            1 => b.truncate(at),
            2 => {
                let end = (at + rng.below(12)).min(b.len());
                b.drain(at..end);
            }
            _ => {
                let ins = INSERTS[rng.below(INSERTS.len())].as_bytes();
                b.splice(at..at, ins.iter().copied());
            }
        }
    }
    b
}

#[test]
fn mutated_configurations_never_crash_validate_or_fmt() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("main.tf");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    // fmt exits as terraform fmt does: 2 for a syntax error, 3 for "not formatted".
    let runs: &[(&[&str], &[i32])] = &[
        (&["validate"], &[0, 1]),
        (&["fmt", "-check"], &[0, 2, 3]),
        (&["fmt"], &[0, 2]),
    ];
    // The unmutated seed is valid and formatted, so the mutations are what breaks it.
    std::fs::write(&file, SEED_CONFIG).unwrap();
    for args in [&["validate"][..], &["fmt", "-check"]] {
        let o = Command::new(env!("CARGO_BIN_EXE_galley"))
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for round in 0..300 {
        let text = mutate(SEED_CONFIG.as_bytes(), &mut rng);
        for (args, allowed) in runs {
            std::fs::write(&file, &text).unwrap();
            let o = Command::new(env!("CARGO_BIN_EXE_galley"))
                .current_dir(tmp.path())
                .args(*args)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                o.status.code().is_some_and(|c| allowed.contains(&c)) && !err.contains("panicked"),
                "round {round}: galley {args:?} exited {:?} on\n{}\n---\n{err}",
                o.status.code(),
                String::from_utf8_lossy(&text)
            );
        }
    }
}

#[test]
fn unknown_resource_type() {
    insta::assert_snapshot!(run(
        &[("main.tf", "resource \"terraform_nope\" \"a\" {}\n")],
        &["plan"]
    ));
}

#[test]
fn corrupt_state_is_reported_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        "resource \"terraform_data\" \"a\" {}\n",
    )
    .unwrap();
    let garbage = b"{\"version\": 1, \"serial\": 3, \"resources\": [tru";
    std::fs::write(tmp.path().join("galley.tfstate"), garbage).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_galley"))
        .current_dir(tmp.path())
        .args(["plan"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("galley.tfstate"), "{err}");
    assert!(err.contains("line 1"), "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("galley.tfstate")).unwrap(),
        garbage
    );
}

#[test]
fn held_lock_names_its_holder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir: &Path = tmp.path();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"terraform_data\" \"a\" {}\n",
    )
    .unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_default()
        .trim()
        .to_string();
    let lock = serde_json::json!({
        "id": "5f0c7d4e-0000-4000-8000-000000000001", "operation": "apply", "who": "ci@elsewhere",
        "pid": 4242, "host": format!("{host}-other"), "created": "2026-11-23T10:00:00Z", "version": "galley 0.1.0"
    });
    std::fs::write(dir.join("galley.tfstate.lock.json"), lock.to_string()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_galley"))
        .current_dir(dir)
        .args(["plan", "-lock-timeout=200ms"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(err.contains("4242"), "{err}");
    assert!(err.contains("-other"), "{err}");
}

#[test]
fn random_bytes_do_not_panic() {
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..200)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % 256) as u8
            })
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), &bytes).unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_galley"))
            .current_dir(tmp.path())
            .args(["validate"])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}
