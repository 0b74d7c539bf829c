//! Test harnesses for galley's AWS provider: a shared moto server and in-process fakes of
//! the services moto does not emulate well enough (EKS, MSK).

pub mod moto;
