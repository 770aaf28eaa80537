//! Time for the parts that wait: the [`Client`](crate::client::Client) and the
//! simulator read the time and sleep through a [`Clock`], so that tests can
//! run them in virtual time.
//!
//! [`SystemClock`] is the real thing. [`VirtualClock`] is a discrete-event
//! clock: time stands still while any participating thread works, and jumps
//! to the earliest wake-up once all of them sleep, so ten simulated minutes
//! of eight threads calling a simulator take milliseconds and are the same
//! run every time (up to thread scheduling).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// A source of time that can also wait.
pub trait Clock: Send + Sync {
    /// Monotonic time since the clock's origin.
    fn now(&self) -> Duration;

    /// The wall-clock time (for signatures and `Date` headers).
    fn wall(&self) -> SystemTime;

    /// Waits `duration`.
    fn sleep(&self, duration: Duration);
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Duration {
        (**self).now()
    }
    fn wall(&self) -> SystemTime {
        (**self).wall()
    }
    fn sleep(&self, duration: Duration) {
        (**self).sleep(duration)
    }
}

/// The operating system's clocks: `Instant` for [`now`](Clock::now),
/// `SystemTime` for [`wall`](Clock::wall), `thread::sleep`.
#[derive(Clone, Copy, Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration)
    }
}

/// A discrete-event clock for tests and simulations.
///
/// It counts *participants*: threads that take part in the simulation. It
/// starts with one (the thread that made it). Time advances only when every
/// participant sleeps: then it jumps to the earliest wake-up time, and that
/// sleeper continues. [`advance`](VirtualClock::advance) moves it by hand.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sparkrtc::time::{Clock, VirtualClock};
///
/// let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// clock.sleep(Duration::from_secs(90)); // returns at once
/// assert_eq!(clock.now(), Duration::from_secs(90));
/// assert_eq!(clock.wall(), UNIX_EPOCH + Duration::from_secs(1_700_000_090));
/// ```
///
/// With several threads, say how many take part and let each leave when it
/// is done:
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sparkrtc::time::{Clock, VirtualClock};
///
/// let clock = VirtualClock::new(UNIX_EPOCH);
/// clock.set_participants(2);
/// std::thread::scope(|s| {
///     for i in 1..=2u64 {
///         let clock = clock.clone();
///         s.spawn(move || {
///             for _ in 0..10 {
///                 clock.sleep(Duration::from_secs(i));
///             }
///             clock.leave();
///         });
///     }
/// });
/// assert_eq!(clock.now(), Duration::from_secs(20));
/// ```
#[derive(Clone, Debug)]
pub struct VirtualClock {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    woken: Condvar,
}

#[derive(Debug)]
struct State {
    now: Duration,
    wall_origin: SystemTime,
    /// Participants not asleep.
    awake: usize,
    /// Wake-up times of the sleepers.
    sleepers: BinaryHeap<Reverse<Duration>>,
    /// No thread takes part: every sleep moves time forward at once.
    unattended: bool,
}

impl VirtualClock {
    /// A clock at time zero whose wall clock reads `wall_origin`, with one
    /// participant.
    pub fn new(wall_origin: SystemTime) -> Self {
        VirtualClock {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    now: Duration::ZERO,
                    wall_origin,
                    awake: 1,
                    sleepers: BinaryHeap::new(),
                    unattended: false,
                }),
                woken: Condvar::new(),
            }),
        }
    }

    /// A clock no thread takes part in: time moves only when
    /// [`advance`](VirtualClock::advance) moves it, or when someone sleeps,
    /// which moves it forward by the sleep at once. For a process that
    /// serves others (a simulator steered over HTTP), where no thread
    /// waits for the others.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sparkrtc::time::{Clock, VirtualClock};
    ///
    /// let clock = VirtualClock::unattended(UNIX_EPOCH);
    /// clock.sleep(Duration::from_secs(5)); // returns at once, 5 s later
    /// clock.advance(Duration::from_secs(1));
    /// assert_eq!(clock.now(), Duration::from_secs(6));
    /// ```
    pub fn unattended(wall_origin: SystemTime) -> Self {
        let clock = VirtualClock::new(wall_origin);
        clock.lock().unattended = true;
        clock
    }

    /// Sets how many threads take part (none of them asleep yet).
    pub fn set_participants(&self, n: usize) {
        let mut state = self.lock();
        state.awake = n;
        self.maybe_advance(&mut state);
    }

    /// One participant is done for good: time no longer waits for it.
    pub fn leave(&self) {
        let mut state = self.lock();
        state.awake = state.awake.saturating_sub(1);
        self.maybe_advance(&mut state);
    }

    /// Moves time forward by `by`, waking the sleepers due by then.
    pub fn advance(&self, by: Duration) {
        let mut state = self.lock();
        state.now = state.now.saturating_add(by);
        self.shared.woken.notify_all();
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// With every participant asleep, time jumps to the earliest wake-up.
    fn maybe_advance(&self, state: &mut State) {
        if state.awake == 0 {
            if let Some(Reverse(next)) = state.sleepers.peek() {
                state.now = state.now.max(*next);
                self.shared.woken.notify_all();
            }
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Duration {
        self.lock().now
    }

    fn wall(&self) -> SystemTime {
        let state = self.lock();
        state
            .wall_origin
            .checked_add(state.now)
            .unwrap_or(state.wall_origin)
    }

    fn sleep(&self, duration: Duration) {
        let mut state = self.lock();
        let wake = state.now.saturating_add(duration);
        if state.unattended {
            state.now = wake;
            self.shared.woken.notify_all();
            return;
        }
        state.sleepers.push(Reverse(wake));
        state.awake = state.awake.saturating_sub(1);
        self.maybe_advance(&mut state);
        while state.now < wake {
            state = self
                .shared
                .woken
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        // Remove one entry for this wake-up time (the earliest are due).
        let mut kept = Vec::new();
        while let Some(Reverse(t)) = state.sleepers.pop() {
            if t == wake {
                break;
            }
            kept.push(Reverse(t));
        }
        state.sleepers.extend(kept);
        state.awake += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn one_participant_jumps() {
        let c = VirtualClock::new(UNIX_EPOCH);
        c.sleep(Duration::from_millis(5));
        c.sleep(Duration::ZERO);
        assert_eq!(c.now(), Duration::from_millis(5));
        c.advance(Duration::from_secs(1));
        assert_eq!(c.wall(), UNIX_EPOCH + Duration::from_millis(1005));
    }

    #[test]
    fn threads_interleave_by_wake_time() {
        let c = VirtualClock::new(UNIX_EPOCH);
        c.set_participants(3);
        let log = Arc::new(Mutex::new(Vec::new()));
        std::thread::scope(|s| {
            for (name, step) in [("a", 3u64), ("b", 5), ("c", 7)] {
                let c = c.clone();
                let log = log.clone();
                s.spawn(move || {
                    for _ in 0..3 {
                        c.sleep(Duration::from_secs(step));
                        log.lock().unwrap().push((c.now().as_secs(), name));
                    }
                    c.leave();
                });
            }
        });
        let mut log = log.lock().unwrap().clone();
        log.sort();
        assert_eq!(
            log,
            [
                (3, "a"),
                (5, "b"),
                (6, "a"),
                (7, "c"),
                (9, "a"),
                (10, "b"),
                (14, "c"),
                (15, "b"),
                (21, "c")
            ]
        );
        assert_eq!(c.now(), Duration::from_secs(21));
    }
}
