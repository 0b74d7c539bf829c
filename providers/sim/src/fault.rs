//! Fault injection: make chosen apply calls fail like the real API would.
//!
//! A [`Fault`] names a kind (throttle, timeout, capacity, stuck), a target (a resource
//! type, an address, or `*`), an operation (create, update, delete or any), how many
//! matching calls fail (`count`) and how many matching calls succeed first (`after`).
//! Faults are armed with [`crate::SimFactory::inject`], from a fault file
//! ([`crate::fault_file`]) or, for whole runs of the CLI, with the environment variable
//! `GALLEY_SIM_FAULTS`, a comma-separated list of `kind:target:times[:operation]`, e.g.
//! `throttle:aws_vpc:2,timeout:*:1,capacity:module.net.aws_subnet.a:1:create`.
//!
//! `stuck` is an update or delete the service accepted but that never completes: the
//! call times out and the object stays busy, so further changes are refused with
//! `ResourceInUseException` until it is over. Only `apply` calls (create, update,
//! delete) consume faults; plan, read and data sources never fail this way, as they are
//! the cheap calls.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use engine::addr::{Mode, ResourceInstance, Target};
use engine::provider::ProviderError;

/// How an armed fault makes a call fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The API answers "Rate exceeded": [`ProviderError::Throttled`]; the engine retries.
    Throttle,
    /// The call times out: [`ProviderError::Timeout`].
    Timeout,
    /// The service has no capacity: `ProviderError::Api` with code `InsufficientInstanceCapacity`.
    Capacity,
    /// The operation is accepted and stays in progress: [`ProviderError::Timeout`], and the
    /// object is busy for a while (see `provider::STUCK_FOR`).
    Stuck,
}

impl FaultKind {
    /// Every kind, as written in fault files and `GALLEY_SIM_FAULTS`.
    pub const NAMES: [&'static str; 4] = ["throttle", "timeout", "capacity", "stuck"];

    /// `throttle`, `timeout`, `capacity` or `stuck`.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::Timeout => "timeout",
            FaultKind::Capacity => "capacity",
            FaultKind::Stuck => "stuck",
        }
    }

    /// Reads a kind's name.
    pub fn parse(s: &str) -> Option<FaultKind> {
        match s {
            "throttle" => Some(FaultKind::Throttle),
            "timeout" => Some(FaultKind::Timeout),
            "capacity" => Some(FaultKind::Capacity),
            "stuck" => Some(FaultKind::Stuck),
            _ => None,
        }
    }
}

/// Which apply calls a fault fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operation {
    /// Creating an object (also the create half of a replacement).
    Create,
    /// Updating an object in place (also an upgrade step).
    Update,
    /// Deleting an object (also the delete half of a replacement).
    Delete,
    /// All three.
    #[default]
    Any,
}

impl Operation {
    /// Every operation, as written in fault files and `GALLEY_SIM_FAULTS`.
    pub const NAMES: [&'static str; 4] = ["create", "update", "delete", "any"];

    /// `create`, `update`, `delete` or `any`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Any => "any",
        }
    }

    /// Reads an operation's name.
    pub fn parse(s: &str) -> Option<Operation> {
        match s {
            "create" => Some(Operation::Create),
            "update" => Some(Operation::Update),
            "delete" => Some(Operation::Delete),
            "any" => Some(Operation::Any),
            _ => None,
        }
    }

    /// True when a fault on `self` applies to a call doing `op`.
    pub fn covers(self, op: Operation) -> bool {
        self == Operation::Any || self == op
    }
}

/// What a fault aims at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultTarget {
    /// `*`: every resource.
    All,
    /// Every resource of one type: `aws_eks_node_group`.
    Type(String),
    /// An address as the engine prints it. Without an instance key it names every
    /// instance (`aws_subnet.a` covers `aws_subnet.a[0]`); a module step without a key
    /// covers every instance of that module; `module.x` alone covers all inside it.
    /// Module steps are never skipped: `aws_subnet.a` does not cover `module.x.aws_subnet.a`.
    Address(Target),
}

impl FaultTarget {
    /// True when a call on `type_name` at `address` (None: unknown or unparsable) is aimed at.
    pub fn matches(&self, type_name: &str, address: Option<&ResourceInstance>) -> bool {
        match self {
            FaultTarget::All => true,
            FaultTarget::Type(t) => t == type_name,
            FaultTarget::Address(target) => address.is_some_and(|a| target.contains(a)),
        }
    }
}

impl FromStr for FaultTarget {
    type Err = String;

    /// `*`, a resource type, or an address; the error says what was expected.
    fn from_str(s: &str) -> Result<FaultTarget, String> {
        let s = s.trim();
        if s == "*" {
            return Ok(FaultTarget::All);
        }
        let is_name = !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-');
        if is_name {
            return Ok(FaultTarget::Type(s.to_string()));
        }
        let target: Target = s.parse().map_err(|e: engine::addr::AddrError| {
            format!("expected \"*\", a resource type or a resource address: {e}")
        })?;
        let mode = match &target {
            Target::Resource(r) => Some(r.resource.mode),
            Target::Instance(i) => Some(i.resource.mode),
            Target::Module(_) => None,
        };
        if mode == Some(Mode::Data) {
            return Err(format!(
                "{s} is a data source: data sources are only read, and faults fire on create, update and delete"
            ));
        }
        Ok(FaultTarget::Address(target))
    }
}

impl fmt::Display for FaultTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultTarget::All => f.write_str("*"),
            FaultTarget::Type(t) => f.write_str(t),
            FaultTarget::Address(a) => write!(f, "{a}"),
        }
    }
}

/// One fault: `count` matching apply calls fail, after `after` matching calls succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// How the calls fail.
    pub kind: FaultKind,
    /// Which resources.
    pub target: FaultTarget,
    /// Which of their operations.
    pub operation: Operation,
    /// How many calls fail.
    pub count: u32,
    /// How many matching calls go through before the first one fails.
    pub after: u32,
}

/// One apply call, as faults see it.
#[derive(Debug, Clone, Copy)]
pub struct ApplyCall<'a> {
    /// Resource type.
    pub type_name: &'a str,
    /// The instance's address as the engine printed it (may be empty).
    pub address: &'a str,
    /// What the call does.
    pub operation: Operation,
}

/// Why a `GALLEY_SIM_FAULTS` entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{entry}` in GALLEY_SIM_FAULTS: {reason}")]
pub struct FaultParseError {
    /// The offending entry.
    pub entry: String,
    /// What is wrong with it.
    pub reason: String,
}

impl Fault {
    /// `count` calls of any operation on `target` fail with `kind`, from the first one.
    pub fn new(kind: FaultKind, target: FaultTarget, count: u32) -> Fault {
        Fault {
            kind,
            target,
            operation: Operation::Any,
            count,
            after: 0,
        }
    }

    /// The same fault, limited to `operation`.
    pub fn on(mut self, operation: Operation) -> Fault {
        self.operation = operation;
        self
    }

    /// The same fault, firing only after `n` matching calls went through.
    pub fn after(mut self, n: u32) -> Fault {
        self.after = n;
        self
    }

    /// Parses the `GALLEY_SIM_FAULTS` syntax (`kind:target:times[:operation],...`);
    /// empty entries are skipped. Commas and colons inside an address's `[...]` key are
    /// part of the address.
    pub fn parse_list(s: &str) -> Result<Vec<Fault>, FaultParseError> {
        split_outside_keys(s, ',')
            .into_iter()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(Fault::parse_one)
            .collect()
    }

    fn parse_one(entry: &str) -> Result<Fault, FaultParseError> {
        let err = |reason: String| FaultParseError {
            entry: entry.to_string(),
            reason,
        };
        let parts: Vec<&str> = split_outside_keys(entry, ':')
            .into_iter()
            .map(str::trim)
            .collect();
        let (kind, target, times, operation) = match parts.as_slice() {
            [k, t, n] => (*k, *t, *n, None),
            [k, t, n, o] => (*k, *t, *n, Some(*o)),
            _ => {
                return Err(err(
                    "expected kind:target:times or kind:target:times:operation".into(),
                ))
            }
        };
        let kind = FaultKind::parse(kind).ok_or_else(|| {
            err(format!(
                "unknown kind {kind:?}; expected one of {}",
                FaultKind::NAMES.join(", ")
            ))
        })?;
        let target: FaultTarget = target.parse().map_err(err)?;
        let count: u32 = times
            .parse()
            .map_err(|_| err(format!("times {times:?} is not a whole number")))?;
        let operation = match operation {
            None => Operation::Any,
            Some(o) => Operation::parse(o).ok_or_else(|| {
                err(format!(
                    "unknown operation {o:?}; expected one of {}",
                    Operation::NAMES.join(", ")
                ))
            })?,
        };
        Ok(Fault::new(kind, target, count).on(operation))
    }

    /// The error the failed call returns.
    pub fn error(&self, call: &ApplyCall<'_>) -> ProviderError {
        let what = if call.address.is_empty() {
            call.type_name
        } else {
            call.address
        };
        match self.kind {
            FaultKind::Throttle => {
                ProviderError::Throttled(format!("Rate exceeded (simulated) for {what}"))
            }
            FaultKind::Timeout => {
                ProviderError::Timeout(format!("{what}: request timed out (simulated)"))
            }
            FaultKind::Stuck => ProviderError::Timeout(format!(
                "{what}: the operation is still in progress (simulated stuck operation)"
            )),
            FaultKind::Capacity => ProviderError::Api {
                code: "InsufficientInstanceCapacity".to_string(),
                message: format!("insufficient capacity for {what} (simulated)"),
            },
        }
    }

    fn aims_at(&self, call: &ApplyCall<'_>, address: Option<&ResourceInstance>) -> bool {
        self.operation.covers(call.operation) && self.target.matches(call.type_name, address)
    }
}

/// `s` split at `sep`, except inside `[...]` (an address's instance key may hold either).
fn split_outside_keys(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut in_string, mut escaped, mut start) = (0usize, false, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' if depth > 0 => in_string = !in_string,
            '[' if !in_string => depth += 1,
            ']' if !in_string => depth = depth.saturating_sub(1),
            c if c == sep && depth == 0 => {
                out.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Names one armed fault, to disarm it before it is used up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(u64);

/// The armed faults of one factory; the first armed of those aimed at a call fires.
#[derive(Debug, Default)]
pub struct FaultInjector {
    armed: Mutex<Vec<(FaultId, Fault)>>,
    next_id: AtomicU64,
}

impl FaultInjector {
    /// Arms a fault; a fault with `count = 0` is never armed.
    pub fn inject(&self, fault: Fault) -> FaultId {
        let id = FaultId(self.next_id.fetch_add(1, Ordering::Relaxed));
        if fault.count > 0 {
            self.lock().push((id, fault));
        }
        id
    }

    /// Disarms faults not used up yet (a kitchen run's own faults, when it ends).
    pub fn disarm(&self, ids: &[FaultId]) {
        self.lock().retain(|(id, _)| !ids.contains(id));
    }

    /// What is armed, with the calls each still lets through (`after`) and fails (`count`).
    pub fn armed(&self) -> Vec<Fault> {
        self.lock().iter().map(|(_, f)| f.clone()).collect()
    }

    /// Consumes one fault aimed at `call`, returning the error the call must fail with.
    pub fn check(&self, call: &ApplyCall<'_>) -> Result<(), ProviderError> {
        match self.fire(call) {
            Some(f) => Err(f.error(call)),
            None => Ok(()),
        }
    }

    /// The fault `call` must fail with, if any, used once. The first armed fault aimed at
    /// the call whose `after` is spent fires; when none fires, the call goes through and
    /// counts toward the `after` of every fault aimed at it that is still waiting. A call
    /// another fault fails does not count: `after` lets calls *succeed* first.
    pub fn fire(&self, call: &ApplyCall<'_>) -> Option<Fault> {
        let address: Option<ResourceInstance> = call.address.parse().ok();
        let mut armed = self.lock();
        let aimed: Vec<usize> = armed
            .iter()
            .enumerate()
            .filter(|(_, (_, f))| f.aims_at(call, address.as_ref()))
            .map(|(i, _)| i)
            .collect();
        match aimed.iter().copied().find(|&i| armed[i].1.after == 0) {
            Some(i) => {
                let fired = armed[i].1.clone();
                armed[i].1.count -= 1;
                if armed[i].1.count == 0 {
                    armed.remove(i);
                }
                Some(fired)
            }
            None => {
                for i in aimed {
                    armed[i].1.after -= 1;
                }
                None
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(FaultId, Fault)>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> FaultTarget {
        s.parse().unwrap()
    }

    fn call<'a>(type_name: &'a str, address: &'a str, operation: Operation) -> ApplyCall<'a> {
        ApplyCall {
            type_name,
            address,
            operation,
        }
    }

    fn create<'a>(address: &'a str) -> ApplyCall<'a> {
        let type_name = address
            .rsplit_once('.')
            .map(|(head, _)| head.rsplit('.').next().unwrap_or(head))
            .unwrap_or(address);
        call(type_name, address, Operation::Create)
    }

    #[test]
    fn parses_the_environment_syntax() {
        let f = Fault::parse_list("throttle:aws_vpc:2, timeout:*:1,").unwrap();
        assert_eq!(
            f,
            vec![
                Fault::new(FaultKind::Throttle, target("aws_vpc"), 2),
                Fault::new(FaultKind::Timeout, FaultTarget::All, 1),
            ]
        );
    }

    #[test]
    fn the_environment_syntax_takes_an_address_and_an_operation() {
        let f = Fault::parse_list(
            r#"capacity:module.net.aws_subnet.a["x:1,2"]:1:create,stuck:aws_eks_cluster.c:2:update"#,
        )
        .unwrap();
        assert_eq!(
            f,
            vec![
                Fault::new(
                    FaultKind::Capacity,
                    target(r#"module.net.aws_subnet.a["x:1,2"]"#),
                    1
                )
                .on(Operation::Create),
                Fault::new(FaultKind::Stuck, target("aws_eks_cluster.c"), 2).on(Operation::Update),
            ]
        );
    }

    #[test]
    fn malformed_environment_entries_say_what_is_wrong() {
        for (entry, reason) in [
            ("explode:aws_vpc:1", "unknown kind \"explode\""),
            ("throttle:aws_vpc", "expected kind:target:times"),
            ("throttle:aws_vpc:x", "times \"x\" is not a whole number"),
            ("throttle:aws_vpc:1:rename", "unknown operation \"rename\""),
            ("throttle:aws_vpc.:1", "expected \"*\", a resource type"),
            ("throttle:data.aws_ami.a:1", "is a data source"),
        ] {
            let e = Fault::parse_list(entry).unwrap_err();
            assert_eq!(e.entry, entry);
            assert!(e.reason.contains(reason), "{entry}: {}", e.reason);
        }
    }

    #[test]
    fn targets_match_by_type_address_instance_key_and_module() {
        let table = [
            // (target, call address, matches)
            ("*", "aws_subnet.a", true),
            ("aws_subnet", "aws_subnet.a[0]", true),
            ("aws_subnet", "module.x.aws_subnet.a", true),
            ("aws_vpc", "aws_subnet.a", false),
            ("aws_subnet.a", "aws_subnet.a", true),
            ("aws_subnet.a", "aws_subnet.a[0]", true),
            ("aws_subnet.a", r#"aws_subnet.a["x"]"#, true),
            ("aws_subnet.a", "aws_subnet.b", false),
            ("aws_subnet.a[0]", "aws_subnet.a[0]", true),
            ("aws_subnet.a[0]", "aws_subnet.a[1]", false),
            (r#"aws_subnet.a["x"]"#, r#"aws_subnet.a["x"]"#, true),
            (r#"aws_subnet.a["x"]"#, r#"aws_subnet.a["y"]"#, false),
            ("aws_subnet.a", "module.x.aws_subnet.a", false),
            ("module.x.aws_subnet.a", "aws_subnet.a", false),
            ("module.x.aws_subnet.a", "module.x.aws_subnet.a[2]", true),
            ("module.x.aws_subnet.a", "module.y.aws_subnet.a", false),
            (
                "module.x.aws_subnet.a",
                "module.x.module.y.aws_subnet.a",
                false,
            ),
            (
                "module.x.aws_subnet.a",
                r#"module.x["k"].aws_subnet.a"#,
                true,
            ),
            (
                r#"module.x["k"].aws_subnet.a"#,
                r#"module.x["j"].aws_subnet.a"#,
                false,
            ),
            ("module.x", "module.x.module.y.aws_subnet.a", true),
            ("module.x", "module.xy.aws_subnet.a", false),
        ];
        for (t, addr, want) in table {
            let c = create(addr);
            let parsed: Option<ResourceInstance> = addr.parse().ok();
            assert_eq!(
                target(t).matches(c.type_name, parsed.as_ref()),
                want,
                "{t} on {addr} ({})",
                c.type_name
            );
        }
    }

    #[test]
    fn an_address_target_never_matches_a_call_without_an_address() {
        assert!(!target("aws_vpc.v").matches("aws_vpc", None));
        assert!(target("aws_vpc").matches("aws_vpc", None));
    }

    #[test]
    fn the_operation_filter_lets_other_operations_through() {
        let inj = FaultInjector::default();
        inj.inject(Fault::new(FaultKind::Capacity, target("aws_vpc.v"), 5).on(Operation::Create));
        assert!(inj
            .check(&call("aws_vpc", "aws_vpc.v", Operation::Update))
            .is_ok());
        assert!(inj
            .check(&call("aws_vpc", "aws_vpc.v", Operation::Delete))
            .is_ok());
        assert!(inj
            .check(&call("aws_vpc", "aws_vpc.v", Operation::Create))
            .is_err());
    }

    #[test]
    fn a_fault_fires_exactly_count_times_on_its_target() {
        let inj = FaultInjector::default();
        inj.inject(Fault::new(FaultKind::Throttle, target("aws_vpc"), 2));
        assert!(inj.check(&create("aws_subnet.a")).is_ok());
        for _ in 0..2 {
            assert!(matches!(
                inj.check(&create("aws_vpc.v")),
                Err(ProviderError::Throttled(_))
            ));
        }
        assert!(inj.check(&create("aws_vpc.v")).is_ok());
        assert!(inj.armed().is_empty(), "used up faults are dropped");
    }

    #[test]
    fn after_lets_that_many_matching_calls_succeed_first() {
        let inj = FaultInjector::default();
        inj.inject(Fault::new(FaultKind::Timeout, target("aws_eks_node_group"), 1).after(2));
        assert!(inj.check(&create("aws_vpc.v")).is_ok(), "not aimed at");
        assert!(inj.check(&create("aws_eks_node_group.blue")).is_ok());
        assert!(inj.check(&create("aws_eks_node_group.green")).is_ok());
        assert!(matches!(
            inj.check(&create("aws_eks_node_group.red")),
            Err(ProviderError::Timeout(_))
        ));
        assert!(inj.check(&create("aws_eks_node_group.red")).is_ok());
    }

    #[test]
    fn a_call_another_fault_fails_does_not_count_toward_after() {
        let inj = FaultInjector::default();
        inj.inject(Fault::new(FaultKind::Throttle, FaultTarget::All, 1));
        inj.inject(Fault::new(FaultKind::Capacity, target("aws_vpc.v"), 1).after(1));
        let v = create("aws_vpc.v");
        assert!(matches!(inj.check(&v), Err(ProviderError::Throttled(_))));
        assert!(
            inj.check(&v).is_ok(),
            "the retry is the first to go through"
        );
        assert!(matches!(inj.check(&v), Err(ProviderError::Api { .. })));
    }

    #[test]
    fn the_first_armed_fault_aimed_at_a_call_fires_first() {
        let inj = FaultInjector::default();
        inj.inject(Fault::new(FaultKind::Timeout, target("aws_vpc.v"), 1));
        inj.inject(Fault::new(FaultKind::Throttle, FaultTarget::All, 1));
        assert!(matches!(
            inj.check(&create("aws_subnet.s")),
            Err(ProviderError::Throttled(_))
        ));
        assert!(matches!(
            inj.check(&create("aws_vpc.v")),
            Err(ProviderError::Timeout(_))
        ));
        assert!(inj.check(&create("aws_vpc.v")).is_ok());
    }

    #[test]
    fn disarmed_faults_no_longer_fire() {
        let inj = FaultInjector::default();
        let keep = inj.inject(Fault::new(FaultKind::Throttle, target("aws_vpc"), 1));
        let drop = inj.inject(Fault::new(FaultKind::Timeout, FaultTarget::All, 3));
        inj.disarm(&[drop]);
        assert!(inj.check(&create("aws_subnet.s")).is_ok());
        assert_eq!(inj.armed().len(), 1);
        inj.disarm(&[keep]);
        assert!(inj.check(&create("aws_vpc.v")).is_ok());
    }

    #[test]
    fn capacity_fault_names_the_aws_code_and_the_address() {
        let inj = FaultInjector::default();
        inj.inject(Fault::new(FaultKind::Capacity, FaultTarget::All, 1));
        match inj.check(&create(r#"module.m.aws_instance.i["a"]"#)) {
            Err(ProviderError::Api { code, message }) => {
                assert_eq!(code, "InsufficientInstanceCapacity");
                assert!(
                    message.contains(r#"module.m.aws_instance.i["a"]"#),
                    "{message}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
