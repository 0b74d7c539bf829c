//! Fault injection: make the next N apply calls of a type fail like the real API would.
//!
//! Faults are armed with [`crate::SimFactory::inject`] or, for whole runs of the CLI,
//! with the environment variable `GALLEY_SIM_FAULTS`, a comma-separated list of
//! `kind:type:times`, e.g. `throttle:aws_vpc:2,timeout:*:1,capacity:aws_instance:1,stuck:aws_eks_cluster:1`
//! (`*` matches every type). `stuck` is an update or delete the service accepted but that
//! never completes: the call times out and the object stays busy, so further changes are
//! refused with `ResourceInUseException` until it is over. Only `apply` calls (create, update, delete) consume faults;
//! plan, read and data sources never fail this way, as they are the cheap calls.

use std::sync::Mutex;

use engine::provider::ProviderError;

/// One armed fault: the next `times` apply calls on `type_name` (`*` = any) fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The API answers "Rate exceeded": [`ProviderError::Throttled`]; the engine retries.
    Throttle {
        /// Resource type, or `*`.
        type_name: String,
        /// How many calls fail.
        times: u32,
    },
    /// The call times out: [`ProviderError::Timeout`].
    Timeout {
        /// Resource type, or `*`.
        type_name: String,
        /// How many calls fail.
        times: u32,
    },
    /// The service has no capacity: `ProviderError::Api` with code `InsufficientInstanceCapacity`.
    Capacity {
        /// Resource type, or `*`.
        type_name: String,
        /// How many calls fail.
        times: u32,
    },
    /// The operation is accepted and stays in progress: [`ProviderError::Timeout`], and the
    /// object is busy for a while (see `provider::STUCK_FOR`).
    Stuck {
        /// Resource type, or `*`.
        type_name: String,
        /// How many calls get stuck.
        times: u32,
    },
}

/// Why a `GALLEY_SIM_FAULTS` entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid fault `{entry}`: expected kind:type:times with kind throttle, timeout, capacity or stuck"
)]
pub struct FaultParseError {
    /// The offending entry.
    pub entry: String,
}

impl Fault {
    /// Parses the `GALLEY_SIM_FAULTS` syntax (`kind:type:times,...`); empty entries are skipped.
    pub fn parse_list(s: &str) -> Result<Vec<Fault>, FaultParseError> {
        s.split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(Fault::parse_one)
            .collect()
    }

    fn parse_one(entry: &str) -> Result<Fault, FaultParseError> {
        let err = || FaultParseError {
            entry: entry.to_string(),
        };
        let mut parts = entry.split(':');
        let (Some(kind), Some(ty), Some(times), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        let times: u32 = times.trim().parse().map_err(|_| err())?;
        let type_name = ty.trim().to_string();
        match kind.trim() {
            "throttle" => Ok(Fault::Throttle { type_name, times }),
            "timeout" => Ok(Fault::Timeout { type_name, times }),
            "capacity" => Ok(Fault::Capacity { type_name, times }),
            "stuck" => Ok(Fault::Stuck { type_name, times }),
            _ => Err(err()),
        }
    }

    fn target_and_count(&mut self) -> (&str, &mut u32) {
        match self {
            Fault::Throttle { type_name, times }
            | Fault::Timeout { type_name, times }
            | Fault::Capacity { type_name, times }
            | Fault::Stuck { type_name, times } => (type_name, times),
        }
    }

    /// The error the failed call returns.
    pub fn error(&self, type_name: &str) -> ProviderError {
        match self {
            Fault::Throttle { .. } => {
                ProviderError::Throttled(format!("Rate exceeded (simulated) for {type_name}"))
            }
            Fault::Timeout { .. } => {
                ProviderError::Timeout(format!("{type_name}: request timed out (simulated)"))
            }
            Fault::Stuck { .. } => ProviderError::Timeout(format!(
                "{type_name}: the operation is still in progress (simulated stuck operation)"
            )),
            Fault::Capacity { .. } => ProviderError::Api {
                code: "InsufficientInstanceCapacity".to_string(),
                message: format!("insufficient capacity for {type_name} (simulated)"),
            },
        }
    }
}

/// The armed faults of one factory, consumed first-armed first.
#[derive(Debug, Default)]
pub struct FaultInjector {
    armed: Mutex<Vec<Fault>>,
}

impl FaultInjector {
    /// Arms a fault.
    pub fn inject(&self, fault: Fault) {
        self.lock().push(fault);
    }

    /// Consumes one matching fault, returning the error the call must fail with.
    pub fn check(&self, type_name: &str) -> Result<(), ProviderError> {
        self.fire(type_name).map_err(|f| f.error(type_name))
    }

    /// Consumes one matching fault, returning it.
    pub fn fire(&self, type_name: &str) -> Result<(), Fault> {
        let mut armed = self.lock();
        let hit = armed.iter_mut().position(|f| {
            let (target, times) = f.target_and_count();
            *times > 0 && (target == "*" || target == type_name)
        });
        let Some(i) = hit else { return Ok(()) };
        let err = armed[i].clone();
        let (_, times) = armed[i].target_and_count();
        *times -= 1;
        if *times == 0 {
            armed.remove(i);
        }
        Err(err)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.armed.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_environment_syntax() {
        let f = Fault::parse_list("throttle:aws_vpc:2, timeout:*:1,").unwrap();
        assert_eq!(
            f,
            vec![
                Fault::Throttle {
                    type_name: "aws_vpc".into(),
                    times: 2
                },
                Fault::Timeout {
                    type_name: "*".into(),
                    times: 1
                },
            ]
        );
        assert!(Fault::parse_list("explode:aws_vpc:1").is_err());
        assert!(Fault::parse_list("throttle:aws_vpc").is_err());
        assert!(Fault::parse_list("throttle:aws_vpc:x").is_err());
    }

    #[test]
    fn a_fault_fires_exactly_times_times_on_its_type() {
        let inj = FaultInjector::default();
        inj.inject(Fault::Throttle {
            type_name: "aws_vpc".into(),
            times: 2,
        });
        assert!(inj.check("aws_subnet").is_ok());
        assert!(matches!(
            inj.check("aws_vpc"),
            Err(ProviderError::Throttled(_))
        ));
        assert!(matches!(
            inj.check("aws_vpc"),
            Err(ProviderError::Throttled(_))
        ));
        assert!(inj.check("aws_vpc").is_ok());
    }

    #[test]
    fn capacity_fault_names_the_aws_code() {
        let inj = FaultInjector::default();
        inj.inject(Fault::Capacity {
            type_name: "*".into(),
            times: 1,
        });
        match inj.check("aws_instance") {
            Err(ProviderError::Api { code, .. }) => {
                assert_eq!(code, "InsufficientInstanceCapacity")
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
