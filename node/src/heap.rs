//! How the process's heap hands freed memory back to the kernel: kept, up to a bound, for the
//! next allocation instead.
//!
//! Why: with the C library's defaults, every allocation above 128 KiB is a fresh `mmap` that its
//! `free` unmaps, and freed memory at the top of each heap is returned at once; the next
//! allocation faults the same pages in again, each one zeroed by the kernel. The ministry taking
//! in the country's 300 applications (Automerge's columns, messages of 50 entries, document
//! saves) faulted about 375,000 pages that way, and on a virtual machine that hands free pages
//! back to its host each fault is slow: zeroing pages was a quarter of the ministry's CPU
//! (BENCHMARKS.md, "The country and the page faults").

/// Allocations up to this size come from the heap and are reused after `free` (the C library's
/// largest allowed value; its default is 128 KiB, raised on the fly only after a `free`).
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Freed memory at the top of a heap is returned to the kernel only beyond this much.
const TRIM_THRESHOLD: i32 = 256 << 20;
/// Each time a heap grows it asks for this much more than it needs, so growth is not one
/// system call per allocation (address space only: pages are faulted when first touched).
const TOP_PAD: i32 = 16 << 20;

/// Sets the bounds above, unless the operator has set the C library's own malloc tunables
/// (`GLIBC_TUNABLES=glibc.malloc.…`), which then win. Call first thing in `main`, before other
/// threads allocate. Other C libraries are left as they are.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tuned = std::env::var("GLIBC_TUNABLES").is_ok_and(|t| t.contains("glibc.malloc."));
        if tuned {
            return;
        }
        for (parameter, value) in [
            (libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (libc::M_TOP_PAD, TOP_PAD),
        ] {
            // SAFETY: mallopt only changes the allocator's parameters; it returns 0 for a value
            // it refuses, which leaves the default, so the result needs no handling.
            unsafe {
                libc::mallopt(parameter, value);
            }
        }
    }
}
