//! The bounded queue between the runtime and the HTTP worker threads, which hands each job to the
//! worker that became idle **last**.
//!
//! A shared channel (what the pool used before) wakes its waiting workers in turn, so even one
//! call at a time ends up on every worker: each of the 8 workers then keeps its own malloc arena
//! and stack pages resident (about 60 KB each, measured with `/proc/PID/smaps`, for nothing).
//! Waking the most recently idle worker keeps sequential and light traffic on one warm thread;
//! more workers wake only when more requests are in flight at once.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Why [`Dispatch::push`] refused a job (the job is handed back).
#[derive(Debug, PartialEq, Eq)]
pub enum Refused<T> {
    /// `capacity` jobs are already waiting for a worker.
    Full(T),
    /// The queue was closed.
    Closed(T),
}

/// A bounded multi-consumer job queue for a fixed set of workers, numbered `0..workers`.
#[derive(Debug)]
pub struct Dispatch<T> {
    state: Mutex<State<T>>,
    /// One per worker, so that exactly the chosen worker is woken.
    wakeups: Vec<Condvar>,
    capacity: usize,
}

#[derive(Debug)]
struct State<T> {
    jobs: VecDeque<T>,
    /// Idle workers, the most recently idle last.
    idle: Vec<usize>,
    closed: bool,
}

impl<T> Dispatch<T> {
    /// A queue for `workers` workers (at least 1) holding up to `capacity` waiting jobs (at
    /// least 1).
    pub fn new(workers: usize, capacity: usize) -> Dispatch<T> {
        Dispatch {
            state: Mutex::new(State {
                jobs: VecDeque::new(),
                idle: Vec::with_capacity(workers.max(1)),
                closed: false,
            }),
            wakeups: (0..workers.max(1)).map(|_| Condvar::new()).collect(),
            capacity: capacity.max(1),
        }
    }

    /// How many jobs may wait.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of workers this queue serves.
    pub fn workers(&self) -> usize {
        self.wakeups.len()
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // The state stays consistent across a panic (every change is a single push or pop).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `job` and wakes the most recently idle worker, if any is idle; never blocks.
    pub fn push(&self, job: T) -> Result<(), Refused<T>> {
        let mut state = self.lock();
        if state.closed {
            return Err(Refused::Closed(job));
        }
        if state.jobs.len() >= self.capacity {
            return Err(Refused::Full(job));
        }
        state.jobs.push_back(job);
        if let Some(wakeup) = state.idle.pop().and_then(|worker| self.wakeups.get(worker)) {
            wakeup.notify_one();
        }
        Ok(())
    }

    /// The next job for `worker` (`0..workers`), waiting while there is none. `None` once the
    /// queue is closed and empty: the worker should stop.
    pub fn next(&self, worker: usize) -> Option<T> {
        // `new` makes at least one; a number past the last is served as the last.
        let worker = worker.min(self.wakeups.len().saturating_sub(1));
        let wakeup = self.wakeups.get(worker)?;
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            // A wake-up that found its job taken by a worker coming back from a request leaves
            // this worker idle again; a spurious one finds it still listed.
            if !state.idle.contains(&worker) {
                state.idle.push(worker);
            }
            state = wakeup.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Refuses new jobs; the workers finish the queued ones, then [`Dispatch::next`] returns
    /// `None`.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.idle.clear();
        drop(state);
        for wakeup in &self.wakeups {
            wakeup.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    /// Starts `n` workers that report (worker, job) and, for a job `> 0`, sleep that many ms.
    fn start(
        dispatch: &Arc<Dispatch<u64>>,
        n: usize,
    ) -> (mpsc::Receiver<(usize, u64)>, Vec<thread::JoinHandle<()>>) {
        let (tx, rx) = mpsc::channel();
        let handles = (0..n)
            .map(|w| {
                let dispatch = Arc::clone(dispatch);
                let tx = tx.clone();
                thread::spawn(move || {
                    while let Some(job) = dispatch.next(w) {
                        thread::sleep(Duration::from_millis(job));
                        tx.send((w, job)).unwrap();
                    }
                })
            })
            .collect();
        (rx, handles)
    }

    /// Waits (bounded) until all `n` workers are idle.
    fn wait_idle(dispatch: &Dispatch<u64>, n: usize) {
        for _ in 0..2000 {
            if dispatch.lock().idle.len() == n {
                return;
            }
            thread::sleep(Duration::from_millis(1));
        }
        panic!("the workers did not all become idle");
    }

    #[test]
    fn one_job_at_a_time_stays_on_one_worker() {
        let dispatch = Arc::new(Dispatch::new(8, 16));
        let (rx, handles) = start(&dispatch, 8);
        wait_idle(&dispatch, 8);
        let mut used = std::collections::BTreeSet::new();
        for _ in 0..50 {
            dispatch.push(0).unwrap();
            let (worker, _) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            used.insert(worker);
            wait_idle(&dispatch, 8);
        }
        assert_eq!(used.len(), 1, "sequential jobs ran on workers {used:?}");
        dispatch.close();
        handles.into_iter().for_each(|h| h.join().unwrap());
    }

    #[test]
    fn jobs_in_flight_together_use_as_many_workers() {
        let dispatch = Arc::new(Dispatch::new(4, 16));
        let (rx, handles) = start(&dispatch, 4);
        wait_idle(&dispatch, 4);
        for _ in 0..4 {
            dispatch.push(200).unwrap();
        }
        let used: std::collections::BTreeSet<usize> = (0..4)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap().0)
            .collect();
        assert_eq!(used.len(), 4);
        dispatch.close();
        handles.into_iter().for_each(|h| h.join().unwrap());
    }

    #[test]
    fn a_full_queue_refuses_and_hands_the_job_back() {
        let dispatch: Dispatch<u64> = Dispatch::new(1, 2);
        dispatch.push(1).unwrap();
        dispatch.push(2).unwrap();
        assert_eq!(dispatch.push(3), Err(Refused::Full(3)));
        assert_eq!(dispatch.capacity(), 2);
    }

    #[test]
    fn close_refuses_new_jobs_and_drains_the_queued_ones() {
        let dispatch = Arc::new(Dispatch::new(2, 8));
        for job in 1..=5 {
            dispatch.push(job).unwrap();
        }
        dispatch.close();
        assert_eq!(dispatch.push(9), Err(Refused::Closed(9)));
        let (rx, handles) = start(&dispatch, 2);
        handles.into_iter().for_each(|h| h.join().unwrap());
        let mut done: Vec<u64> = rx.try_iter().map(|(_, job)| job).collect();
        done.sort_unstable();
        assert_eq!(done, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn idle_workers_stop_when_closed() {
        let dispatch = Arc::new(Dispatch::new(3, 8));
        let (_rx, handles) = start(&dispatch, 3);
        wait_idle(&dispatch, 3);
        dispatch.close();
        handles.into_iter().for_each(|h| h.join().unwrap());
    }
}
