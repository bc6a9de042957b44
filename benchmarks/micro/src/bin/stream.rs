//! STREAM-like memory-bandwidth kernels (after McCalpin's STREAM: copy, scale,
//! add, triad on f64 arrays much larger than the caches), plus the two access
//! patterns of spike delivery that are not streams:
//!
//! - `scatter`: `buf[idx[i]] += w` with random `idx` (the ring-buffer update of
//!   one synaptic event; `idx` read as a stream), for a buffer of the size of
//!   the plastic Brunel ring buffers (10,000 neurons x 16 slots x 8 B = 1.25 MiB)
//!   and for one far larger than the caches;
//! - `chase`: dependent random loads (latency of one cache miss).
//!
//! Single-threaded, and the stream kernels also with 2 threads (each thread
//! its half of the arrays). Best of 5 repetitions, as STREAM reports.
//!
//! Run: `cargo run --release --manifest-path benchmarks/micro/Cargo.toml --bin stream [MiB per array]`.

use std::hint::black_box;
use std::time::Instant;

fn best<F: FnMut()>(reps: usize, mut f: F) -> f64 {
    let mut t = f64::INFINITY;
    for _ in 0..reps {
        let t0 = Instant::now();
        f();
        t = t.min(t0.elapsed().as_secs_f64());
    }
    t
}

fn split2<T: Send>(a: &mut [T]) -> (&mut [T], &mut [T]) {
    let h = a.len() / 2;
    a.split_at_mut(h)
}

fn stream_kernels(n: usize, threads: usize) {
    let mut a = vec![1.0f64; n];
    let mut b = vec![2.0f64; n];
    let mut c = vec![0.0f64; n];
    let q = 3.0;
    let mb = |bytes: usize, t: f64| bytes as f64 / t / 1e9;
    let run = |f: &(dyn Fn(&mut [f64], &mut [f64], &mut [f64]) + Sync), a: &mut [f64], b: &mut [f64], c: &mut [f64]| {
        if threads == 1 {
            f(a, b, c);
        } else {
            let (a0, a1) = split2(a);
            let (b0, b1) = split2(b);
            let (c0, c1) = split2(c);
            std::thread::scope(|s| {
                s.spawn(|| f(a0, b0, c0));
                f(a1, b1, c1);
            });
        }
    };
    let copy = |a: &mut [f64], _b: &mut [f64], c: &mut [f64]| c.iter_mut().zip(a.iter()).for_each(|(c, a)| *c = *a);
    let scale = |_a: &mut [f64], b: &mut [f64], c: &mut [f64]| b.iter_mut().zip(c.iter()).for_each(|(b, c)| *b = q * c);
    let add = |a: &mut [f64], b: &mut [f64], c: &mut [f64]| {
        c.iter_mut().zip(a.iter().zip(b.iter())).for_each(|(c, (a, b))| *c = a + b)
    };
    let triad = |a: &mut [f64], b: &mut [f64], c: &mut [f64]| {
        a.iter_mut().zip(b.iter().zip(c.iter())).for_each(|(a, (b, c))| *a = b + q * c)
    };
    // Bytes counted as STREAM does (no write-allocate traffic).
    let kernels: [(&str, &(dyn Fn(&mut [f64], &mut [f64], &mut [f64]) + Sync), usize); 4] =
        [("copy", &copy, 16), ("scale", &scale, 16), ("add", &add, 24), ("triad", &triad, 24)];
    for (name, f, bytes) in kernels {
        let t = best(5, || run(f, &mut a, &mut b, &mut c));
        println!("{name:<6} {threads} thread(s): {:7.2} GB/s", mb(bytes * n, t));
    }
    black_box((&a, &b, &c));
}

fn scatter(len: usize, events: usize) -> f64 {
    let mut buf = vec![0.0f64; len];
    let mut x = 0x1234_5678_9abc_def0u64;
    let idx: Vec<u32> = (0..events)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % len as u64) as u32
        })
        .collect();
    let t = best(5, || {
        for &i in &idx {
            buf[i as usize] += 0.1;
        }
    });
    black_box(&buf);
    t / events as f64 * 1e9
}

fn chase(len: usize, hops: usize) -> f64 {
    // A single random cycle (Sattolo), so every load depends on the previous one.
    let mut next: Vec<u32> = (0..len as u32).collect();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in (1..len).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = (x % i as u64) as usize;
        next.swap(i, j);
    }
    let t = best(3, || {
        let mut p = 0u32;
        for _ in 0..hops {
            p = next[p as usize];
        }
        black_box(p);
    });
    t / hops as f64 * 1e9
}

fn main() {
    let mib: usize = std::env::args().nth(1).map(|a| a.parse().expect("MiB per array")).unwrap_or(256);
    let n = mib * 1024 * 1024 / 8;
    println!("STREAM-like kernels, 3 arrays of {mib} MiB (f64), best of 5:");
    stream_kernels(n, 1);
    stream_kernels(n, 2);
    println!("scatter buf[idx] += w, random idx (ns per update, best of 5):");
    for (label, len) in [("1.25 MiB (Brunel ring buffers)", 10_000 * 16), ("20 MiB", 20 << 17), ("1 GiB", 1 << 27)] {
        println!("  {label:<32} {:6.2} ns", scatter(len, 20_000_000));
    }
    println!("pointer chase (ns per dependent load):");
    for (label, len) in [("1.25 MiB", 320_000usize), ("1 GiB", 1 << 28)] {
        println!("  {label:<32} {:6.2} ns", chase(len, 10_000_000));
    }
}
