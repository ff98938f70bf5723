//! The writer's profile of a run: where a batch's time went, longest phases first.

use chiso::profile::{Phase, Total};

/// CPU time this process has used, all threads (Linux; None elsewhere).
pub(super) fn process_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut f = rest.split_whitespace().skip(11);
    let (user, system): (f64, f64) = (f.next()?.parse().ok()?, f.next()?.parse().ok()?);
    // Clock ticks: 100 a second on Linux.
    Some((user + system) / 100.0)
}

/// Prints the `top` longest phases of `all`, each as a share of the writers' time, and the
/// number and mean size of the batches that carried `forms` forms.
pub(super) fn print(all: &[Total], forms: usize, top: usize) {
    let Some(batch) = all.iter().find(|t| t.phase == Phase::Batch) else {
        println!("  writer profile: no batch was stored");
        return;
    };
    let whole = batch.time.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "  writer profile: {} batches, {:.0} forms a batch, {:.2} s in writer threads ({:.0} µs a form):",
        batch.calls,
        forms as f64 / batch.calls.max(1) as f64,
        whole,
        whole * 1e6 / forms.max(1) as f64
    );
    if let Some(cpu) = all.iter().find(|t| t.phase == Phase::BatchOnCpu) {
        println!(
            "    (of which on a core: {:.0} µs a form; the rest is waiting for the disk or for a core)",
            cpu.time.as_secs_f64() * 1e6 / forms.max(1) as f64
        );
    }
    let shown = |t: &&Total| !matches!(t.phase, Phase::Batch | Phase::BatchOnCpu);
    for t in all.iter().filter(shown).take(top) {
        println!(
            "    {:<30} {:>5.1}%  {:>8.1} ms  {:>7} spans",
            t.phase.label(),
            100.0 * t.time.as_secs_f64() / whole,
            t.time.as_secs_f64() * 1e3,
            t.calls
        );
    }
}
