//! A simulated power cut for the crash test: everything a file held beyond what was synced is
//! lost. A SIGKILL keeps the page cache, so a daemon that never synced would pass a kill test;
//! this one would not.
//!
//! `shim.c` is compiled here with the system's C compiler and preloaded into the daemon
//! (`LD_PRELOAD`). It logs each file's length at every successful `fsync`/`fdatasync`, keyed by
//! device and inode (so renames keep what was synced), and forgets an inode when its file is
//! unlinked or replaced. [`PowerCut::cut`], called after the kill, cuts every file of the
//! database back to its last synced length, or to nothing if it was never synced. Directory
//! entries are kept as the kill left them (a real power cut could lose unsynced ones too), so the
//! simulation is strict about data and lenient about names. No device-mapper is needed: this
//! machine's kernel has none (`dm-flakey` and `dm-log-writes` were the first choice).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The preload library and its log.
pub struct PowerCut {
    library: PathBuf,
    log: PathBuf,
}

/// What one cut took away.
#[derive(Default, Debug, Clone)]
pub struct Cut {
    /// Files shortened.
    pub files: usize,
    /// Bytes the page cache held that no sync had reached.
    pub bytes: u64,
    /// Those bytes by kind of file (its name without digits: `.log` for the write-ahead log,
    /// `LOG` for RocksDB's own diagnostics, `.sst`, `MANIFEST-`).
    pub by_kind: BTreeMap<String, u64>,
}

impl Cut {
    /// Adds another cut's figures to these.
    pub fn add(&mut self, other: &Cut) {
        self.files += other.files;
        self.bytes += other.bytes;
        for (kind, bytes) in &other.by_kind {
            *self.by_kind.entry(kind.clone()).or_insert(0) += bytes;
        }
    }
}

impl PowerCut {
    /// Compiles the shim into `dir`; the log lives there too.
    pub fn new(dir: &Path) -> Self {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/power_cut/shim.c");
        let library = dir.join("power_cut_shim.so");
        let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let output = Command::new(&compiler)
            .args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&library)
            .arg(&source)
            .arg("-ldl")
            .output()
            .unwrap_or_else(|error| {
                panic!("the power-cut test needs a C compiler ({compiler}): {error}")
            });
        assert!(
            output.status.success(),
            "compiling {}: {}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        Self {
            library,
            log: dir.join("power_cut_synced.log"),
        }
    }

    /// Takes what `dir` holds now as on disk (after a `sync`): files written before the shim
    /// was preloaded, by `fedrec init` or an earlier clean stop.
    pub fn baseline(&self, dir: &Path) {
        use std::io::Write;
        use std::os::unix::fs::MetadataExt;
        assert!(Command::new("sync").status().expect("sync runs").success());
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("the shim log opens");
        for (_, meta) in files(dir) {
            writeln!(log, "S {} {} {}", meta.dev(), meta.ino(), meta.len()).expect("log write");
        }
    }

    /// The environment that makes a daemon record its syncs.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("LD_PRELOAD".into(), self.library.display().to_string()),
            (
                "FEDREC_POWER_CUT_LOG".into(),
                self.log.display().to_string(),
            ),
        ]
    }

    /// Each inode's synced length, as the log says now.
    fn synced(&self) -> HashMap<(u64, u64), u64> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut synced = HashMap::new();
        for line in text.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            let number = |i: usize| -> u64 { fields[i].parse().expect("a shim log number") };
            match fields[0] {
                "S" => {
                    // Files are appended to, never shortened, while open: the longest synced
                    // length counts (two threads' lines may land out of order).
                    let length = synced.entry((number(1), number(2))).or_insert(0);
                    *length = number(3).max(*length);
                }
                "U" => {
                    synced.remove(&(number(1), number(2)));
                }
                other => panic!("unexpected shim log line kind {other:?}"),
            }
        }
        synced
    }

    /// The power cut, after the daemon is dead: every file under `dir` loses what no sync reached.
    pub fn cut(&self, dir: &Path) -> Cut {
        use std::os::unix::fs::MetadataExt;
        let synced = self.synced();
        let mut cut = Cut::default();
        for (path, meta) in files(dir) {
            let keep = synced.get(&(meta.dev(), meta.ino())).copied().unwrap_or(0);
            if meta.len() > keep {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("a database file opens for the cut");
                file.set_len(keep).expect("the cut shortens the file");
                let kind: String = path
                    .file_name()
                    .map(|name| {
                        name.to_string_lossy()
                            .replace(|c: char| c.is_ascii_digit(), "")
                    })
                    .unwrap_or_default();
                cut.files += 1;
                cut.bytes += meta.len() - keep;
                *cut.by_kind.entry(kind).or_insert(0) += meta.len() - keep;
            }
        }
        cut
    }
}

/// Every regular file under `dir`, with its metadata.
fn files(dir: &Path) -> Vec<(PathBuf, std::fs::Metadata)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for item in std::fs::read_dir(&folder).expect("the database folder reads") {
            let path = item.expect("a directory entry").path();
            let meta = std::fs::symlink_metadata(&path).expect("a file's metadata");
            if meta.is_dir() {
                pending.push(path);
            } else if meta.is_file() {
                found.push((path, meta));
            }
        }
    }
    found
}
