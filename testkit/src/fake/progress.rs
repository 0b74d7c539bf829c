//! Transitions that complete after a number of observations, so tests are fast and
//! deterministic: a resource is `CREATING` for the first N describes, then `ACTIVE`.

/// Observations left before a transition completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Countdown(u32);

impl Countdown {
    /// A transition seen `polls` times before it completes.
    pub fn new(polls: u32) -> Countdown {
        Countdown(polls)
    }

    /// Records one observation; true when the transition is complete at this one.
    pub fn tick(&mut self) -> bool {
        if self.0 == 0 {
            return true;
        }
        self.0 -= 1;
        false
    }
}

/// Where a resource is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Being created.
    Creating(Countdown),
    /// Created; may still be updating (that is tracked by its updates).
    Active,
    /// Being deleted.
    Deleting(Countdown),
}

/// What an observation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The resource still exists.
    Present,
    /// Its deletion completed: the caller removes it and answers "not found".
    Gone,
}

impl Phase {
    /// Records one observation of the resource.
    pub fn observe(&mut self) -> Seen {
        match self {
            Phase::Creating(countdown) => {
                if countdown.tick() {
                    *self = Phase::Active;
                }
                Seen::Present
            }
            Phase::Active => Seen::Present,
            Phase::Deleting(countdown) => {
                if countdown.tick() {
                    Seen::Gone
                } else {
                    Seen::Present
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creating_lasts_exactly_the_given_number_of_observations() {
        let mut phase = Phase::Creating(Countdown::new(2));
        phase.observe();
        assert!(matches!(phase, Phase::Creating(_)));
        phase.observe();
        assert!(matches!(phase, Phase::Creating(_)));
        phase.observe();
        assert_eq!(phase, Phase::Active);
    }

    #[test]
    fn deleting_ends_in_gone() {
        let mut phase = Phase::Deleting(Countdown::new(1));
        assert_eq!(phase.observe(), Seen::Present);
        assert_eq!(phase.observe(), Seen::Gone);
    }

    #[test]
    fn zero_polls_complete_at_the_first_observation() {
        let mut phase = Phase::Creating(Countdown::new(0));
        phase.observe();
        assert_eq!(phase, Phase::Active);
    }
}
