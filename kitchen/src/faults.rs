//! Arms a test file's `fault` blocks on the simulator for one run, and disarms what is
//! left of them when the run ends, so neither later runs nor the teardown see them.

use engine::diag::{Diagnostic, Diagnostics};
use sim::{FaultId, SimFactory};

use crate::file::{Run, TestFile};

/// The faults of one run, armed until this is dropped.
#[must_use = "the faults are disarmed when this is dropped"]
pub struct ArmedFaults<'a> {
    sim: Option<&'a SimFactory>,
    ids: Vec<FaultId>,
}

/// Arms the file's faults (afresh for every run) and then the run's own on `sim`.
/// Faults need the simulator: with real providers (`sim` None) declaring any is an error.
pub fn arm<'a>(
    sim: Option<&'a SimFactory>,
    file: &TestFile,
    run: &Run,
) -> Result<ArmedFaults<'a>, Diagnostics> {
    let faults: Vec<sim::Fault> = file.faults.iter().chain(&run.faults).cloned().collect();
    if faults.is_empty() {
        return Ok(ArmedFaults {
            sim: None,
            ids: Vec::new(),
        });
    }
    let Some(sim) = sim else {
        return Err(Diagnostic::error("Faults need the simulator")
            .with_span(run.span)
            .with_detail(format!(
                "Run {:?} declares fault blocks (in the run or at the top of its file), but the kitchen runs against real providers (--real), which cannot fail on purpose.",
                run.name
            ))
            .into());
    };
    Ok(ArmedFaults {
        sim: Some(sim),
        ids: faults.into_iter().map(|f| sim.inject(f)).collect(),
    })
}

impl Drop for ArmedFaults<'_> {
    fn drop(&mut self) {
        if let Some(sim) = self.sim {
            sim.disarm(&self.ids);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::diag::SourceMap;
    use sim::{Fault, FaultKind, FaultTarget};
    use std::path::Path;

    fn file(text: &str) -> TestFile {
        let sources = SourceMap::new();
        let id = sources.add("t.kitchen.hcl", text);
        crate::file::parse(Path::new("t.kitchen.hcl"), id, text).expect("parses")
    }

    fn armed(sim: &SimFactory) -> Vec<(FaultKind, u32)> {
        sim.armed_faults()
            .into_iter()
            .map(|f: Fault| (f.kind, f.count))
            .collect()
    }

    const TEXT: &str = r#"
fault "throttle" {
  resource = "*"
  count    = 2
}
run "a" {
  fault "capacity" {
    resource = "aws_vpc.v"
  }
}
run "b" {}
"#;

    #[test]
    fn a_run_arms_the_file_faults_afresh_and_its_own_until_it_ends() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let sim = SimFactory::new(tmp.path().to_path_buf(), Default::default());
        sim.inject(Fault::new(FaultKind::Timeout, FaultTarget::All, 1));
        let f = file(TEXT);
        {
            let _a = arm(Some(&sim), &f, &f.runs[0]).expect("arms");
            assert_eq!(
                armed(&sim),
                [
                    (FaultKind::Timeout, 1),
                    (FaultKind::Throttle, 2),
                    (FaultKind::Capacity, 1)
                ]
            );
        }
        assert_eq!(armed(&sim), [(FaultKind::Timeout, 1)], "only its own go");
        let _b = arm(Some(&sim), &f, &f.runs[1]).expect("arms");
        assert_eq!(
            armed(&sim),
            [(FaultKind::Timeout, 1), (FaultKind::Throttle, 2)]
        );
    }

    #[test]
    fn faults_without_the_simulator_are_an_error() {
        let f = file(TEXT);
        let d = arm(None, &f, &f.runs[1]).err().expect("refused");
        assert!(d.iter().any(|d| d.summary == "Faults need the simulator"));
        let none = file("run \"x\" {}\n");
        assert!(arm(None, &none, &none.runs[0]).is_ok());
    }
}
