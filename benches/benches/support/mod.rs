//! Paired, interleaved ratios: ours against a baseline in the same run.
//!
//! Separate criterion runs on a shared machine swing by 15-30%, more than
//! the differences the targets are about. Here both sides are measured
//! interleaved: after calibration (each side's batch sized to take about
//! [`BATCH`]) and one discarded warm-up round, [`ROUNDS`] rounds each run a
//! batch of ours and a batch of the baseline, alternating which goes first,
//! and give one ratio of per-call times, ours / baseline. Load that comes and
//! goes hits both halves of a round about equally, so the ratios vary far
//! less than the absolute times. The median ratio, its interquartile range
//! and the target are printed.
//!
//! A batch runs as [`CHUNKS`] timed chunks, and a side's per-call time in a
//! round is that of its fastest chunk: being descheduled (other processes on
//! a busy machine) only ever adds time, so the fastest chunk is the best
//! estimate of the code's own cost. The ratio of whole batches is printed
//! too (`whole batches: ...`); the two medians agree, the fastest-chunk one
//! with a narrower spread when the machine is busy.
//!
//! The paired figures run after criterion's groups, whatever criterion's
//! filter: `cargo bench -p sparkrtc-benches -- NOTHING` (a filter that
//! matches no group) prints only them. Under `cargo test --benches` (or
//! `cargo bench -- --test`) each side runs once, to check it works; with
//! `--list` they are skipped.

#![allow(dead_code, clippy::disallowed_methods, clippy::disallowed_types)]

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds per paired measurement.
pub const ROUNDS: usize = 31;
/// About how long one side's batch takes.
pub const BATCH: Duration = Duration::from_millis(30);
/// Timed chunks per batch.
pub const CHUNKS: u64 = 8;
/// Inputs built (untimed) at a time by [`iter_batched_ref`]: few enough to
/// stay in cache, many enough that reading the clock costs nothing.
const SUB_BATCH: u64 = 64;

/// What the command line asks for, read the way criterion reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `cargo bench`: measure.
    Bench,
    /// `cargo test --benches`, `cargo bench -- --test`: run each side once.
    Test,
    /// `--list`: nothing.
    Skip,
}

impl Mode {
    pub fn from_args() -> Mode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let has = |flag: &str| args.iter().any(|a| a == flag);
        if has("--list") {
            Mode::Skip
        } else if !has("--bench") || has("--test") {
            Mode::Test
        } else {
            Mode::Bench
        }
    }
}

/// Times `n` calls of `f`.
#[inline(never)]
pub fn iter<R>(n: u64, mut f: impl FnMut() -> R) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(f());
    }
    start.elapsed()
}

/// Times `n` calls of `routine`, each on its own input from `setup`. Inputs
/// are built, and inputs and outputs dropped, outside the timed part, like
/// criterion's `iter_batched_ref`.
#[inline(never)]
pub fn iter_batched_ref<I, R>(
    n: u64,
    mut setup: impl FnMut() -> I,
    mut routine: impl FnMut(&mut I) -> R,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = n;
    let mut inputs: Vec<I> = Vec::with_capacity(SUB_BATCH as usize);
    let mut outputs: Vec<R> = Vec::with_capacity(SUB_BATCH as usize);
    while left > 0 {
        let k = left.min(SUB_BATCH);
        left -= k;
        inputs.extend((0..k).map(|_| setup()));
        let start = Instant::now();
        for input in inputs.iter_mut() {
            outputs.push(black_box(routine(black_box(input))));
        }
        total += start.elapsed();
        outputs.clear();
        inputs.clear();
    }
    total
}

/// The result of a paired measurement.
#[derive(Clone, Debug)]
pub struct Paired {
    pub label: String,
    pub baseline: String,
    /// The ratio ours / baseline must be at most this.
    pub target: f64,
    /// Per-round ratios of the fastest chunks' per-call times, sorted.
    pub ratios: Vec<f64>,
    /// Per-round ratios of the whole batches' per-call times, sorted.
    pub whole_ratios: Vec<f64>,
    /// Median over rounds of the fastest chunk's time per call (seconds),
    /// ours and the baseline.
    pub ours_per_call: f64,
    pub baseline_per_call: f64,
}

impl Paired {
    pub fn median(&self) -> f64 {
        quantile(&self.ratios, 0.5)
    }

    /// The interquartile range.
    pub fn iqr(&self) -> (f64, f64) {
        (quantile(&self.ratios, 0.25), quantile(&self.ratios, 0.75))
    }

    pub fn met(&self) -> bool {
        self.median() <= self.target
    }
}

impl std::fmt::Display for Paired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (q1, q3) = self.iqr();
        write!(
            f,
            "paired {}: ours/{} median {:.3} (IQR {:.3}..{:.3}) over {} rounds, \
             target <= {:.2}: {}",
            self.label,
            self.baseline,
            self.median(),
            q1,
            q3,
            self.ratios.len(),
            self.target,
            if self.met() { "met" } else { "NOT MET" },
        )?;
        write!(
            f,
            "\n    per call: ours {}, {} {}; whole batches: median {:.2} (IQR {:.2}..{:.2})",
            Seconds(self.ours_per_call),
            self.baseline,
            Seconds(self.baseline_per_call),
            quantile(&self.whole_ratios, 0.5),
            quantile(&self.whole_ratios, 0.25),
            quantile(&self.whole_ratios, 0.75),
        )
    }
}

/// A time in seconds, shown with three significant digits in ns, µs or ms.
struct Seconds(f64);

impl std::fmt::Display for Seconds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (value, unit) = match self.0 {
            s if s < 1e-6 => (s * 1e9, "ns"),
            s if s < 1e-3 => (s * 1e6, "µs"),
            s => (s * 1e3, "ms"),
        };
        let decimals = if value < 10.0 {
            2
        } else if value < 100.0 {
            1
        } else {
            0
        };
        write!(f, "{value:.decimals$} {unit}")
    }
}

/// Linear interpolation between the closest ranks of sorted `xs`.
fn quantile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let pos = q * (xs.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    xs[lo] + (xs[hi] - xs[lo]) * (pos - lo as f64)
}

fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
    xs.sort_by(f64::total_cmp);
    xs
}

fn median(xs: Vec<f64>) -> f64 {
    quantile(&sorted(xs), 0.5)
}

/// How many calls make a chunk, [`CHUNKS`] of which make a batch of about
/// [`BATCH`].
fn calibrate(side: &mut impl FnMut(u64) -> Duration) -> u64 {
    let floor = BATCH / CHUNKS as u32 / 4;
    let mut n = 1u64;
    loop {
        let t = side(n);
        if t >= floor || n >= 1 << 40 {
            let per_call = t.as_secs_f64().max(1e-12) / n as f64;
            let batch = BATCH.as_secs_f64() / per_call;
            return ((batch / CHUNKS as f64).round() as u64).max(1);
        }
        n *= 2;
    }
}

/// One batch: [`CHUNKS`] chunks of `k` calls. Per-call times of the fastest
/// chunk and of the whole batch.
fn batch(side: &mut impl FnMut(u64) -> Duration, k: u64) -> (f64, f64) {
    let mut fastest = f64::INFINITY;
    let mut total = Duration::ZERO;
    for _ in 0..CHUNKS {
        let t = side(k);
        total += t;
        fastest = fastest.min(t.as_secs_f64());
    }
    (
        fastest / k as f64,
        total.as_secs_f64() / (k * CHUNKS) as f64,
    )
}

/// Measures `ours` against `baseline`, interleaved, and prints the result.
/// Each side is called with a number of calls to make and returns the time
/// they took (see [`iter`] and [`iter_batched_ref`]); state a side keeps
/// carries over from call to call.
pub fn paired(
    mode: Mode,
    label: &str,
    baseline: &str,
    target: f64,
    mut ours: impl FnMut(u64) -> Duration,
    mut theirs: impl FnMut(u64) -> Duration,
) -> Option<Paired> {
    match mode {
        Mode::Skip => return None,
        Mode::Test => {
            ours(1);
            theirs(1);
            println!("paired {label}: ours/{baseline} (test mode: each side ran once)");
            return None;
        }
        Mode::Bench => {}
    }
    let k_ours = calibrate(&mut ours);
    let k_theirs = calibrate(&mut theirs);
    // Warm-up round, discarded.
    batch(&mut ours, k_ours);
    batch(&mut theirs, k_theirs);

    let mut ratios = Vec::with_capacity(ROUNDS);
    let mut whole_ratios = Vec::with_capacity(ROUNDS);
    let mut ours_times = Vec::with_capacity(ROUNDS);
    let mut theirs_times = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (a, b) = if round % 2 == 0 {
            let a = batch(&mut ours, k_ours);
            (a, batch(&mut theirs, k_theirs))
        } else {
            let b = batch(&mut theirs, k_theirs);
            (batch(&mut ours, k_ours), b)
        };
        ratios.push(a.0 / b.0);
        whole_ratios.push(a.1 / b.1);
        ours_times.push(a.0);
        theirs_times.push(b.0);
    }
    let result = Paired {
        label: label.to_owned(),
        baseline: baseline.to_owned(),
        target,
        ratios: sorted(ratios),
        whole_ratios: sorted(whole_ratios),
        ours_per_call: median(ours_times),
        baseline_per_call: median(theirs_times),
    };
    println!("{result}");
    Some(result)
}
