//! The standard `process_*` metrics (as Prometheus client libraries export them), read from
//! `/proc/self` at scrape time and rendered as Prometheus text. On systems without `/proc` the
//! series are simply absent.

use std::fmt::Write as _;
use std::sync::OnceLock;

/// Clock ticks per second used by `/proc/<pid>/stat` (USER_HZ; 100 on every Linux ABI we ship).
const TICKS_PER_SECOND: f64 = 100.0;
/// Page size for `/proc/<pid>/statm`-style figures; `stat` reports RSS in pages.
const PAGE_SIZE: f64 = 4096.0;

/// Figures of this process read from `/proc/self`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcessStats {
    /// User plus system CPU time, seconds.
    pub cpu_seconds: f64,
    /// Resident set size, bytes.
    pub resident_bytes: f64,
    /// Virtual memory size, bytes.
    pub virtual_bytes: f64,
    /// Start time, seconds since the Unix epoch.
    pub start_time_seconds: f64,
    /// Open file descriptors.
    pub open_fds: Option<f64>,
    /// Soft limit of open file descriptors.
    pub max_fds: Option<f64>,
    /// Threads.
    pub threads: f64,
}

/// Parses the fields we need from a `/proc/<pid>/stat` line; `boot_time` is the system boot
/// time in seconds since the epoch (`btime` of `/proc/stat`).
pub fn parse_stat(line: &str, boot_time: f64) -> Option<ProcessStats> {
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = &line[line.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); field N of proc(5) is fields[N - 3].
    let field = |n: usize| -> Option<f64> { fields.get(n - 3)?.parse().ok() };
    Some(ProcessStats {
        cpu_seconds: (field(14)? + field(15)?) / TICKS_PER_SECOND,
        threads: field(20)?,
        start_time_seconds: boot_time + field(22)? / TICKS_PER_SECOND,
        virtual_bytes: field(23)?,
        resident_bytes: field(24)? * PAGE_SIZE,
        open_fds: None,
        max_fds: None,
    })
}

/// Reads `btime` from `/proc/stat` text.
pub fn parse_boot_time(proc_stat: &str) -> Option<f64> {
    proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// Reads the soft "Max open files" limit from `/proc/<pid>/limits` text.
pub fn parse_max_fds(limits: &str) -> Option<f64> {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn boot_time() -> Option<f64> {
    static BOOT: OnceLock<Option<f64>> = OnceLock::new();
    *BOOT.get_or_init(|| parse_boot_time(&std::fs::read_to_string("/proc/stat").ok()?))
}

/// Reads this process's figures, when `/proc` is there.
pub fn read() -> Option<ProcessStats> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let mut stats = parse_stat(&stat, boot_time()?)?;
    stats.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|dir| dir.count() as f64);
    stats.max_fds = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| parse_max_fds(&l));
    Some(stats)
}

/// Appends the `process_*` series for `stats` in the Prometheus text format.
pub fn render(stats: &ProcessStats, out: &mut String) {
    let mut series = |name: &str, kind: &str, help: &str, value: Option<f64>| {
        if let Some(value) = value {
            let _ = write!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n"
            );
        }
    };
    series(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        Some(stats.cpu_seconds),
    );
    series(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        Some(stats.resident_bytes),
    );
    series(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        Some(stats.virtual_bytes),
    );
    series(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        Some(stats.start_time_seconds),
    );
    series(
        "process_open_fds",
        "gauge",
        "Number of open file descriptors.",
        stats.open_fds,
    );
    series(
        "process_max_fds",
        "gauge",
        "Maximum number of open file descriptors.",
        stats.max_fds,
    );
    series(
        "process_threads",
        "gauge",
        "Number of OS threads in the process.",
        Some(stats.threads),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stat_line_with_an_awkward_name() {
        let line = "4242 (aruba (noc) mcp) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 5 0 12345 10485760 1024 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        let s = parse_stat(line, 1_700_000_000.0).unwrap();
        assert_eq!(s.cpu_seconds, 3.0);
        assert_eq!(s.threads, 5.0);
        assert_eq!(s.start_time_seconds, 1_700_000_123.45);
        assert_eq!(s.virtual_bytes, 10_485_760.0);
        assert_eq!(s.resident_bytes, 1024.0 * 4096.0);
        assert!(parse_stat("garbage", 0.0).is_none());
        assert!(parse_stat("1 (x) S 1 2", 0.0).is_none());
    }

    #[test]
    fn parses_boot_time_and_limits() {
        assert_eq!(
            parse_boot_time("cpu 1 2 3\nbtime 1700000000\nprocesses 5\n"),
            Some(1_700_000_000.0)
        );
        let limits = "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n";
        assert_eq!(parse_max_fds(limits), Some(1024.0));
    }

    #[test]
    fn reads_and_renders_this_process() {
        let stats = read().expect("/proc is available on Linux");
        assert!(stats.resident_bytes > 0.0 && stats.threads >= 1.0);
        let mut out = String::new();
        render(&stats, &mut out);
        assert!(out.contains("# TYPE process_cpu_seconds_total counter\n"));
        assert!(out.contains("\nprocess_resident_memory_bytes "));
        assert!(out.contains("\nprocess_open_fds "));
    }
}
