//! Apply progress on stderr: a progress bar on a terminal, one line per provider call
//! otherwise (CI logs), in Terraform's words ("Creating...", "Creation complete after 2s").

use std::io::Write;
use std::sync::Mutex;

use engine::walk::{Event, Observer, Outcome};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Shows apply progress; `total` is the number of provider calls expected.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// Serializes log lines from worker threads.
    lines: Mutex<()>,
}

impl Progress {
    /// A bar when stderr is a terminal (and `bar` is allowed), plain lines otherwise.
    pub fn new(total: u64, bar: bool) -> Progress {
        let bar = bar.then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            b.set_style(style);
            b
        });
        Progress {
            bar,
            lines: Mutex::new(()),
        }
    }

    /// Removes the bar (before the summary is printed).
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn event(&self, event: &Event) {
        let line = describe(event);
        match (&self.bar, event) {
            (Some(b), Event::Started { .. }) => b.set_message(line),
            (Some(b), Event::Finished { outcome, .. }) => {
                b.inc(1);
                if *outcome == Outcome::Failed {
                    b.println(line);
                } else {
                    b.set_message(line);
                }
            }
            (None, _) => {
                let _guard = self.lines.lock();
                let _ = writeln!(std::io::stderr(), "{line}");
            }
        }
    }
}

/// Terraform's wording for one event.
fn describe(event: &Event) -> String {
    match event {
        Event::Started { addr, action } => {
            let verb = match *action {
                "create" => "Creating...",
                "update" => "Modifying...",
                "delete" => "Destroying...",
                _ => "Changing...",
            };
            format!("{addr}: {verb}")
        }
        Event::Finished {
            addr,
            action,
            elapsed,
            outcome,
        } => {
            let noun = match *action {
                "create" => "Creation",
                "update" => "Modifications",
                "delete" => "Destruction",
                _ => "Change",
            };
            let secs = elapsed.as_secs();
            match outcome {
                Outcome::Ok(Some(id)) => {
                    format!("{addr}: {noun} complete after {secs}s [id={id}]")
                }
                Outcome::Ok(None) => format!("{addr}: {noun} complete after {secs}s"),
                Outcome::Failed => format!("{addr}: {noun} failed after {secs}s"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn events_read_like_terraform() {
        let addr: engine::addr::ResourceInstance = "aws_vpc.main".parse().unwrap();
        let started = Event::Started {
            addr: addr.clone(),
            action: "create",
        };
        assert_eq!(describe(&started), "aws_vpc.main: Creating...");
        let done = Event::Finished {
            addr,
            action: "delete",
            elapsed: Duration::from_millis(2500),
            outcome: Outcome::Ok(None),
        };
        assert_eq!(
            describe(&done),
            "aws_vpc.main: Destruction complete after 2s"
        );
    }
}
