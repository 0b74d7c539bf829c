//! Which provider call runs next. A [`Gate`] admits at most `parallelism` calls at once;
//! when a slot frees up, the waiting call with the longest remaining path (the longest
//! chain of expected work from its node to the end of the graph) goes first — list
//! scheduling on the critical path, which keeps an apply close to the lower bound
//! max(critical path, total work / parallelism). Terraform starts ready nodes in
//! arbitrary order, so a 10-minute EKS cluster can wait behind forty 1-second records.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use tokio::sync::oneshot;

use super::Walk;
use crate::addr::ResourceInstance;
use crate::graph::{Graph, Node, NodeKind};
use crate::plan::{Action, Plan};

/// How waiting provider calls are ordered when a slot frees up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// The call whose node has the longest remaining path first (ties: first come).
    #[default]
    LongestPathFirst,
    /// First come, first served (what a plain semaphore does; for comparisons).
    Fifo,
}

/// What an operation weighs when no provider says how long it takes: one second.
pub(crate) const UNKNOWN_WEIGHT: u64 = 1_000;

/// The weight of an expected duration, in milliseconds (at least 1, so that every
/// change counts on a path).
pub(crate) fn weight(d: Option<Duration>) -> u64 {
    d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1))
        .unwrap_or(UNKNOWN_WEIGHT)
}

/// For every node, its own weight plus the heaviest path through its dependents.
pub(crate) fn longest_paths(
    graph: &DiGraph<Node, ()>,
    order: &[NodeIndex],
    weight: impl Fn(NodeIndex) -> u64,
) -> HashMap<NodeIndex, u64> {
    let mut out: HashMap<NodeIndex, u64> = HashMap::with_capacity(order.len());
    for &n in order.iter().rev() {
        let below = graph
            .neighbors_directed(n, Direction::Outgoing)
            .filter_map(|d| out.get(&d))
            .max()
            .copied()
            .unwrap_or(0);
        out.insert(n, weight(n).saturating_add(below));
    }
    out
}

/// Longest remaining paths over items numbered `0..weights.len()`, where `unblocks[i]`
/// lists the items that may start only after `i` (an acyclic relation).
pub(crate) fn longest_paths_of(weights: &[u64], unblocks: &[Vec<usize>]) -> Vec<u64> {
    let n = weights.len();
    let mut waiting = vec![0usize; n];
    for next in unblocks {
        for &j in next {
            waiting[j] += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut k = 0;
    while k < order.len() {
        for &j in &unblocks[order[k]] {
            waiting[j] -= 1;
            if waiting[j] == 0 {
                order.push(j);
            }
        }
        k += 1;
    }
    let mut out = vec![0u64; n];
    for &i in order.iter().rev() {
        let below = unblocks[i].iter().map(|&j| out[j]).max().unwrap_or(0);
        out[i] = weights[i].saturating_add(below);
    }
    out
}

/// For a plan: every resource node weighs the same (one refresh read per instance).
pub(crate) fn plan_priorities(graph: &Graph) -> HashMap<NodeIndex, u64> {
    longest_paths(&graph.graph, &graph.order(), |n| {
        u64::from(matches!(graph.graph[n].kind, NodeKind::Resource(_)))
    })
}

/// The graph node of an instance's resource.
fn node_of(graph: &Graph, addr: &ResourceInstance) -> Option<NodeIndex> {
    let key = Node {
        module: addr.module.0.iter().map(|s| s.name.clone()).collect(),
        kind: NodeKind::Resource(addr.resource.clone()),
    };
    graph.index.get(&key).copied()
}

impl Walk {
    /// The weight of `action` on a `type_name` object of provider `name` (a local name
    /// such as `aws`), from its factory's expected duration.
    pub(crate) fn expected_weight(&self, name: &str, type_name: &str, action: Action) -> u64 {
        if action == Action::NoOp {
            return 0;
        }
        let hint = self
            .factories
            .iter()
            .find(|f| f.names().iter().any(|x| x == name))
            .and_then(|f| f.expected_duration(name, type_name, action));
        weight(hint)
    }

    /// Priorities for applying `plan`: each resource node weighs its slowest planned change.
    pub(crate) fn apply_priorities(&self, plan: &Plan) -> HashMap<NodeIndex, u64> {
        let mut node_weight: HashMap<NodeIndex, u64> = HashMap::new();
        let mut known: HashMap<(NodeIndex, Action), u64> = HashMap::new();
        for c in &plan.changes {
            let Some(n) = node_of(&self.graph, &c.addr) else {
                continue;
            };
            let w = *known.entry((n, c.action)).or_insert_with(|| {
                match self
                    .graph
                    .resource_provider
                    .get(&n)
                    .map(|p| &self.graph.graph[*p].kind)
                {
                    Some(NodeKind::Provider(p)) => {
                        self.expected_weight(&p.name, &c.addr.resource.type_name, c.action)
                    }
                    _ => UNKNOWN_WEIGHT,
                }
            });
            let e = node_weight.entry(n).or_default();
            *e = (*e).max(w);
        }
        longest_paths(&self.graph.graph, &self.graph.order(), |n| {
            node_weight.get(&n).copied().unwrap_or(0)
        })
    }

    /// The scheduling priority of a provider call for `addr`: its node's longest
    /// remaining path.
    pub(crate) fn priority(&self, addr: &ResourceInstance) -> u64 {
        node_of(&self.graph, addr)
            .and_then(|n| self.priorities.get(&n))
            .copied()
            .unwrap_or(0)
    }
}

/// A counting semaphore that wakes the highest-priority waiter first.
///
/// A slot freed while calls wait is not handed out at once: the call that ended usually
/// unblocks the nodes after it, often the most urgent ones, and they need a moment (a few
/// task hops, no I/O) to reach the gate. So the gate lets the runtime run what is runnable
/// first and then chooses among everyone waiting — what list scheduling means by "at each
/// completion, start the most urgent ready task".
pub(crate) struct Gate {
    schedule: Schedule,
    state: Mutex<GateState>,
}

struct GateState {
    free: usize,
    arrivals: u64,
    waiting: BinaryHeap<Waiter>,
    /// A dispatch is pending: free slots wait for it even when calls arrive.
    dispatching: bool,
}

impl GateState {
    /// Gives free slots to the best waiters still waiting.
    fn hand_out(&mut self) {
        while self.free > 0 {
            let Some(w) = self.waiting.pop() else { break };
            if w.wake.send(()).is_ok() {
                self.free -= 1;
            }
        }
    }
}

struct Waiter {
    priority: u64,
    arrival: u64,
    wake: oneshot::Sender<()>,
}

impl Waiter {
    fn key(&self) -> (u64, std::cmp::Reverse<u64>) {
        (self.priority, std::cmp::Reverse(self.arrival))
    }
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Waiter {}

impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// A slot of a [`Gate`], given back when dropped.
pub(crate) struct Permit {
    gate: Arc<Gate>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.gate.release();
    }
}

/// A waiter whose future may be dropped before it is woken: gives back a slot it was
/// handed but never took.
struct Pending<'a> {
    gate: &'a Arc<Gate>,
    wake: Option<oneshot::Receiver<()>>,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if let Some(mut rx) = self.wake.take() {
            rx.close();
            if rx.try_recv().is_ok() {
                self.gate.release();
            }
        }
    }
}

/// How many times the dispatcher yields, at most, waiting for unblocked calls to arrive.
const SETTLE_YIELDS: usize = 16;

impl Gate {
    /// A gate with `slots` slots (at least one).
    pub(crate) fn new(slots: usize, schedule: Schedule) -> Arc<Gate> {
        Arc::new(Gate {
            schedule,
            state: Mutex::new(GateState {
                free: slots.max(1),
                arrivals: 0,
                waiting: BinaryHeap::new(),
                dispatching: false,
            }),
        })
    }

    /// Waits for a slot; among waiters, a higher `priority` is served first.
    pub(crate) async fn acquire(self: &Arc<Self>, priority: u64) -> Permit {
        let rx = {
            let mut st = self.state.lock().expect("gate lock");
            st.arrivals += 1;
            if st.free > 0 && !st.dispatching {
                st.free -= 1;
                return Permit { gate: self.clone() };
            }
            let (tx, rx) = oneshot::channel();
            let arrival = st.arrivals;
            st.waiting.push(Waiter {
                priority: match self.schedule {
                    Schedule::LongestPathFirst => priority,
                    Schedule::Fifo => 0,
                },
                arrival,
                wake: tx,
            });
            rx
        };
        let mut pending = Pending {
            gate: self,
            wake: Some(rx),
        };
        if let Some(rx) = pending.wake.as_mut() {
            // The sender lives in the gate until it sends, and the gate outlives us.
            let _ = rx.await;
        }
        pending.wake = None;
        Permit { gate: self.clone() }
    }

    /// Takes a slot back; when calls wait, schedules a dispatch (or, first come first
    /// served, hands it out at once).
    fn release(self: &Arc<Self>) {
        let mut st = self.state.lock().expect("gate lock");
        st.free += 1;
        if st.waiting.is_empty() || st.dispatching {
            return;
        }
        let runtime = tokio::runtime::Handle::try_current();
        match (self.schedule, runtime) {
            (Schedule::LongestPathFirst, Ok(rt)) => {
                st.dispatching = true;
                rt.spawn(self.clone().settle_then_dispatch());
            }
            _ => st.hand_out(),
        }
    }

    /// Lets the calls a finished one unblocked reach the gate (until a yield brings no new
    /// arrival), then hands out the free slots.
    async fn settle_then_dispatch(self: Arc<Self>) {
        let arrivals = || self.state.lock().expect("gate lock").arrivals;
        let mut seen = arrivals();
        for round in 0..SETTLE_YIELDS {
            tokio::task::yield_now().await;
            let now = arrivals();
            if now == seen && round > 0 {
                break;
            }
            seen = now;
        }
        let mut st = self.state.lock().expect("gate lock");
        st.dispatching = false;
        st.hand_out();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order in which waiters arriving one after the other with these priorities get
    /// a one-slot gate once its holder lets go.
    async fn served_order(
        schedule: Schedule,
        waiters: &[(&'static str, u64)],
    ) -> Vec<&'static str> {
        let gate = Gate::new(1, schedule);
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = gate.acquire(0).await;
        let mut tasks = Vec::new();
        for &(name, priority) in waiters {
            let gate = gate.clone();
            let order = order.clone();
            tasks.push(tokio::spawn(async move {
                let _p = gate.acquire(priority).await;
                order.lock().unwrap().push(name);
            }));
            // Let each arrive before the next.
            tokio::task::yield_now().await;
        }
        drop(first);
        for t in tasks {
            t.await.unwrap();
        }
        let served = order.lock().unwrap().clone();
        served
    }

    #[tokio::test]
    async fn a_freed_slot_goes_to_the_highest_priority_then_the_first_come() {
        let waiters = [("low", 1), ("high-a", 9), ("mid", 5), ("high-b", 9)];
        assert_eq!(
            served_order(Schedule::LongestPathFirst, &waiters).await,
            ["high-a", "high-b", "mid", "low"]
        );
    }

    #[tokio::test]
    async fn a_call_unblocked_by_the_one_that_ended_is_chosen_over_older_waiters() {
        let gate = Gate::new(1, Schedule::LongestPathFirst);
        let order = Arc::new(Mutex::new(Vec::new()));
        let held = gate.acquire(0).await;
        let (g, o) = (gate.clone(), order.clone());
        let old = tokio::spawn(async move {
            let _p = g.acquire(1).await;
            o.lock().unwrap().push("older, less urgent");
        });
        tokio::task::yield_now().await;
        // The call ends, and the node after it reaches the gate a few task hops later.
        let (g, o) = (gate.clone(), order.clone());
        let next = tokio::spawn(async move {
            drop(held);
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            let _p = g.acquire(9).await;
            o.lock().unwrap().push("unblocked, on the critical path");
        });
        old.await.unwrap();
        next.await.unwrap();
        assert_eq!(
            *order.lock().unwrap(),
            ["unblocked, on the critical path", "older, less urgent"]
        );
    }

    #[tokio::test]
    async fn fifo_ignores_priorities() {
        let waiters = [("a", 1), ("b", 9), ("c", 5)];
        assert_eq!(
            served_order(Schedule::Fifo, &waiters).await,
            ["a", "b", "c"]
        );
    }

    #[tokio::test]
    async fn a_waiter_dropped_before_its_turn_loses_no_slot() {
        let gate = Gate::new(1, Schedule::LongestPathFirst);
        let held = gate.acquire(0).await;
        let g = gate.clone();
        let abandoned = tokio::spawn(async move {
            let _p = g.acquire(5).await;
        });
        tokio::task::yield_now().await;
        abandoned.abort();
        let _ = abandoned.await;
        drop(held);
        // Both slots' worth of work still gets through, one at a time.
        let a = gate.acquire(1).await;
        drop(a);
        let b = tokio::time::timeout(Duration::from_secs(5), gate.acquire(1)).await;
        assert!(b.is_ok(), "the slot was lost");
    }

    #[test]
    fn longest_paths_add_the_heaviest_chain_below() {
        // 0 -> 1 -> 3, 0 -> 2 -> 3; weights 1, 5, 2, 1.
        let unblocks = vec![vec![1, 2], vec![3], vec![3], vec![]];
        assert_eq!(longest_paths_of(&[1, 5, 2, 1], &unblocks), [7, 6, 3, 1]);
    }

    #[test]
    fn unknown_durations_weigh_a_second_and_known_ones_at_least_a_millisecond() {
        assert_eq!(weight(None), 1_000);
        assert_eq!(weight(Some(Duration::ZERO)), 1);
        assert_eq!(weight(Some(Duration::from_secs(600))), 600_000);
    }
}
