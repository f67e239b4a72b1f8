//! Progress of a transfer: a bar with bytes, rate and ETA when stderr is a terminal, plain
//! lines (every 10 %) when it is not, so logs of scripts stay readable.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};

pub struct Progress {
    label: String,
    total: u64,
    bar: Option<ProgressBar>,
    done: AtomicU64,
    /// The last tenth reported as a plain line.
    reported: Mutex<u64>,
}

impl Progress {
    pub fn new(label: impl Into<String>, total: u64) -> Self {
        let label = label.into();
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_message(label.clone());
            bar
        });
        Self {
            label,
            total,
            bar,
            done: AtomicU64::new(0),
            reported: Mutex::new(0),
        }
    }

    pub fn advance(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None if self.total > 0 => {
                let tenth = done.min(self.total) * 10 / self.total;
                let mut reported = self.reported.lock().expect("not poisoned");
                if tenth > *reported && tenth < 10 {
                    *reported = tenth;
                    eprintln!(
                        "{}: {}% ({} of {})",
                        self.label,
                        tenth * 10,
                        HumanBytes(done),
                        HumanBytes(self.total)
                    );
                }
            }
            None => {}
        }
    }

    pub fn finish(&self, outcome: &str) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(format!("{} {outcome}", self.label)),
            None => eprintln!("{}: {outcome} ({})", self.label, HumanBytes(self.total)),
        }
    }

    pub fn abandon(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }
}
