//! A counting semaphore for blocking tasks: at most so many of them do a kind of work at once.
//! The network prepares each message that brings entries in (decoding, signatures, and a new
//! record built ahead) on tokio's blocking pool, which runs hundreds of tasks at once when
//! hundreds of messages arrive together; built all at once, hundreds of Automerge documents
//! took the ministry six times the CPU (allocator contention and page faults) and gigabytes of
//! memory. With one permit per core, the rest wait their turn, holding only their bytes.

use std::sync::{Condvar, Mutex, PoisonError};

pub struct Permits {
    free: Mutex<usize>,
    released: Condvar,
}

/// A permit held; given back when dropped.
pub struct Permit<'a>(&'a Permits);

impl Permits {
    pub fn new(count: usize) -> Self {
        Self {
            free: Mutex::new(count.max(1)),
            released: Condvar::new(),
        }
    }

    /// One permit per core of this machine.
    pub fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
    }

    /// Waits (blocking the thread) until a permit is free, and takes it.
    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .released
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.released.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn no_more_than_the_permits_work_at_once() {
        let permits = Arc::new(Permits::new(2));
        let working = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (permits, working, most) = (permits.clone(), working.clone(), most.clone());
                std::thread::spawn(move || {
                    let _permit = permits.acquire();
                    let now = working.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    working.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(*permits.free.lock().unwrap(), 2, "every permit came back");
    }
}
