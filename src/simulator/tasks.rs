//! The store of troubleshooting tasks and their state machine (CONTRACT §6.4, §6.6).
//!
//! A task is created `INITIATED` (progress 0) by the POST. It advances **one step per poll**,
//! never by elapsed time, so tests are deterministic and fast: the first poll answers
//! `RUNNING` (progress 50), the second and every later poll the terminal state — `COMPLETED`
//! (100, `endTime`, `output`) or, for an unreachable destination, `FAILED` (100, `endTime`,
//! `output: null`, `failReason`). The store keeps the newest [`TASK_CAPACITY`] tasks; older
//! ones are forgotten (polling them gives 404, like an expired task).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use super::prng::mix;

/// Most tasks remembered.
pub(crate) const TASK_CAPACITY: usize = 1000;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Accepted, not started.
    Initiated,
    /// Started.
    Running,
    /// Finished with a result.
    Completed,
    /// Finished without a result.
    Failed,
}

impl Phase {
    /// The API value.
    pub(crate) fn api_name(self) -> &'static str {
        match self {
            Self::Initiated => "INITIATED",
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
        }
    }
}

/// One device test.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    /// Task id (UUID form), the last segment of its `location`.
    pub(crate) id: String,
    /// Device-type path segment (`aps`, `cx`, `aos-s`, `gateways`).
    pub(crate) device_type: String,
    /// Device serial.
    pub(crate) serial: String,
    /// Operation (`ping`, `traceroute`).
    pub(crate) operation: String,
    /// The validated request body.
    pub(crate) body: Value,
    /// When accepted (Unix ms).
    pub(crate) start_ms: u64,
    /// When finished (Unix ms).
    pub(crate) end_ms: Option<u64>,
    /// Current phase.
    pub(crate) phase: Phase,
    /// Whether the destination is unreachable (the task will fail).
    pub(crate) unreachable: bool,
}

impl Task {
    /// The strings of the body's array `field` (`ports`, `commands`), in order.
    pub(crate) fn strings(&self, field: &str) -> Vec<&str> {
        self.body
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }

    /// The poll URL.
    pub(crate) fn location(&self) -> String {
        format!(
            "/network-troubleshooting/v1/{}/{}/{}/async-operations/{}",
            self.device_type, self.serial, self.operation, self.id
        )
    }
}

/// The tasks, newest last.
#[derive(Debug)]
pub(crate) struct TaskStore {
    seed: u64,
    counter: AtomicU64,
    tasks: Mutex<VecDeque<Task>>,
}

impl TaskStore {
    /// An empty store; ids derive from `seed` and a counter.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
            tasks: Mutex::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Task>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh task id (UUID v4 layout, deterministic for a seed and request order).
    pub(crate) fn next_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = mix(self.seed ^ mix(n ^ 0x7A5C));
        let b = mix(a ^ n);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// Remember a task (forgetting the oldest beyond capacity).
    pub(crate) fn insert(&self, task: Task) {
        let mut tasks = self.lock();
        tasks.push_back(task);
        while tasks.len() > TASK_CAPACITY {
            tasks.pop_front();
        }
    }

    /// Poll task `id` of (`device_type`, `serial`, `operation`): advance it one step and
    /// return a copy; `None` when no such task exists.
    pub(crate) fn poll(
        &self,
        id: &str,
        device_type: &str,
        serial: &str,
        operation: &str,
        now_ms: u64,
    ) -> Option<Task> {
        let mut tasks = self.lock();
        let task = tasks.iter_mut().find(|t| {
            t.id == id
                && t.device_type == device_type
                && t.serial == serial
                && t.operation == operation
        })?;
        task.phase = match task.phase {
            Phase::Initiated => Phase::Running,
            Phase::Running if task.unreachable => Phase::Failed,
            Phase::Running => Phase::Completed,
            done => done,
        };
        if matches!(task.phase, Phase::Completed | Phase::Failed) && task.end_ms.is_none() {
            task.end_ms = Some(now_ms.max(task.start_ms + 1));
        }
        Some(task.clone())
    }

    /// Tasks of one device, newest first.
    pub(crate) fn of_device(&self, device_type: &str, serial: &str) -> Vec<Task> {
        self.lock()
            .iter()
            .rev()
            .filter(|t| t.device_type == device_type && t.serial == serial)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(store: &TaskStore, unreachable: bool) -> Task {
        Task {
            id: store.next_id(),
            device_type: "aps".into(),
            serial: "CN1".into(),
            operation: "ping".into(),
            body: Value::Null,
            start_ms: 10,
            end_ms: None,
            phase: Phase::Initiated,
            unreachable,
        }
    }

    #[test]
    fn advances_one_step_per_poll() {
        let store = TaskStore::new(42);
        let t = task(&store, false);
        let id = t.id.clone();
        store.insert(t);
        let p = |s: &TaskStore| s.poll(&id, "aps", "CN1", "ping", 20).map(|t| t.phase);
        assert_eq!(p(&store), Some(Phase::Running));
        assert_eq!(p(&store), Some(Phase::Completed));
        assert_eq!(p(&store), Some(Phase::Completed));
        assert!(store.poll(&id, "aps", "CN1", "traceroute", 20).is_none());
        assert!(store.poll("nope", "aps", "CN1", "ping", 20).is_none());
    }

    #[test]
    fn unreachable_fails_and_capacity_is_bounded() {
        let store = TaskStore::new(1);
        let t = task(&store, true);
        let id = t.id.clone();
        store.insert(t);
        store.poll(&id, "aps", "CN1", "ping", 20);
        let done = store.poll(&id, "aps", "CN1", "ping", 20).expect("task");
        assert_eq!(done.phase, Phase::Failed);
        assert_eq!(done.end_ms, Some(20));
        for _ in 0..TASK_CAPACITY {
            store.insert(task(&store, false));
        }
        assert!(store.poll(&id, "aps", "CN1", "ping", 20).is_none());
        assert_eq!(store.of_device("aps", "CN1").len(), TASK_CAPACITY);
        assert_ne!(TaskStore::new(1).next_id(), TaskStore::new(2).next_id());
    }
}
