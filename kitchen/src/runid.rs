//! Run ids: `kt-<unix seconds>-<6 hex>`, unique, short enough for name prefixes, and
//! telling their own age so `sweep --older-than` works from a tag alone.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The prefix a run puts on the names of what it creates: `kt-<6 hex>-`, the random part
/// of the id only, so that 32-character names (load balancers, target groups) keep room
/// for the name as written. Objects are found by their run tag, not by this prefix.
pub fn name_prefix(run_id: &str) -> String {
    match run_id.rsplit_once('-') {
        Some((head, rand)) if started_at(run_id).is_some() && head.starts_with("kt-") => {
            format!("kt-{rand}-")
        }
        _ => format!("{run_id}-"),
    }
}

/// A fresh run id.
pub fn new_run_id() -> String {
    let secs = now_secs();
    let rand = uuid::Uuid::new_v4().simple().to_string();
    format!("kt-{secs}-{}", &rand[..6])
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// When the run `id` started (Unix seconds), if it is a kitchen run id.
pub fn started_at(id: &str) -> Option<u64> {
    let rest = id.strip_prefix("kt-")?;
    let (secs, suffix) = rest.split_once('-')?;
    if suffix.is_empty() || !suffix.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    secs.parse().ok()
}

/// How long ago the run `id` started; `None` when `id` is not a run id.
pub fn age(id: &str) -> Option<Duration> {
    started_at(id).map(|s| Duration::from_secs(now_secs().saturating_sub(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_id_tells_when_it_started() {
        let id = new_run_id();
        let at = started_at(&id).expect("parses");
        assert!(now_secs() - at < 5, "{id}");
        assert!(age(&id).expect("age") < Duration::from_secs(5));
    }

    #[test]
    fn ids_are_unique() {
        assert_ne!(new_run_id(), new_run_id());
    }

    #[test]
    fn other_strings_are_not_run_ids() {
        for s in ["", "kt-", "kt-12", "kt-abc-12ab", "kt-12-zz", "web"] {
            assert_eq!(started_at(s), None, "{s}");
        }
    }

    #[test]
    fn names_carry_only_the_random_part_of_the_id() {
        assert_eq!(super::name_prefix("kt-1796688781-5f43ca"), "kt-5f43ca-");
        assert_eq!(super::name_prefix("custom"), "custom-");
    }
}
