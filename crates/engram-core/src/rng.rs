//! Counter-based random streams keyed by (seed, purpose, entity).
//!
//! Every random number in engram is a pure function of the protocol seed, what
//! it is for ([`Purpose`]), which entity draws it (a neuron, a stimulus, a
//! projection row) and a counter (usually the step). No generator state is
//! shared between entities or threads, so results do not depend on the thread
//! count or on the order in which entities are processed.
//!
//! The block function is Philox4x32-10 (Salmon et al. 2011, "Parallel random
//! numbers: as easy as 1, 2, 3", SC'11), checked against the Random123
//! known-answer vectors in the tests below.

/// What a stream is used for; part of the key, so streams for different
/// purposes never overlap even for the same entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Purpose {
    /// Building connectivity (one stream per postsynaptic or presynaptic row).
    Connectivity = 1,
    /// Poisson spike generation (one stream per stimulus and neuron).
    Poisson = 2,
    /// Initial state draws.
    InitialState = 3,
    /// Random weights.
    Weights = 4,
    /// Random delays.
    Delays = 5,
    /// Noise inside models.
    Noise = 6,
    /// Delays of reward-contingent modulator releases (one stream per release source).
    Reward = 7,
}

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// The Philox4x32-10 block function: 128-bit counter, 64-bit key, 128 random bits.
#[inline]
pub fn philox4x32_10(mut ctr: [u32; 4], mut key: [u32; 2]) -> [u32; 4] {
    for round in 0..10 {
        if round > 0 {
            key[0] = key[0].wrapping_add(W0);
            key[1] = key[1].wrapping_add(W1);
        }
        let p0 = (M0 as u64) * (ctr[0] as u64);
        let p1 = (M1 as u64) * (ctr[2] as u64);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        ctr = [hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0];
    }
    ctr
}

/// SplitMix64 finaliser, used to fold (seed, purpose) into the Philox key.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A random stream for one (seed, purpose, entity). Cheap to create and copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    key: [u32; 2],
    entity: u64,
}

impl Stream {
    /// The stream of `entity` for `purpose` under `seed`.
    pub fn new(seed: u64, purpose: Purpose, entity: u64) -> Self {
        let k = mix64(seed ^ mix64(purpose as u64));
        Self { key: [k as u32, (k >> 32) as u32], entity }
    }

    /// A sub-stream: the same purpose, a second-level entity (e.g. stimulus then neuron).
    pub fn child(self, sub: u64) -> Self {
        let k = mix64(((self.key[1] as u64) << 32 | self.key[0] as u64) ^ mix64(self.entity));
        Self { key: [k as u32, (k >> 32) as u32], entity: sub }
    }

    /// The sub-stream `sub` of the same parent: `parent.child(a).sibling(b) ==
    /// parent.child(b)`. A child's key depends on the parent alone, so a loop
    /// over many sub-entities derives it once and only changes the entity.
    #[inline]
    pub fn sibling(self, sub: u64) -> Self {
        Self { key: self.key, entity: sub }
    }

    /// 128 random bits for `counter`.
    #[inline]
    pub fn block(self, counter: u64) -> [u32; 4] {
        philox4x32_10(
            [self.entity as u32, (self.entity >> 32) as u32, counter as u32, (counter >> 32) as u32],
            self.key,
        )
    }

    /// A uniform number in [0, 1) with 53 random bits, for `counter`.
    #[inline]
    pub fn uniform(self, counter: u64) -> f64 {
        let b = self.block(counter);
        to_unit(b[0], b[1])
    }

    /// A sequential generator over this stream, starting at counter 0.
    pub fn rng(self) -> StreamRng {
        StreamRng { stream: self, counter: 0, buf: [0; 4], used: 4 }
    }
}

#[inline]
fn to_unit(a: u32, b: u32) -> f64 {
    // The top 53 of 64 bits, scaled to [0, 1).
    ((((a as u64) << 32) | b as u64) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A sequential generator drawing from a [`Stream`] in counter order.
#[derive(Debug, Clone)]
pub struct StreamRng {
    stream: Stream,
    counter: u64,
    buf: [u32; 4],
    used: usize,
}

impl StreamRng {
    /// The next 32 random bits.
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        if self.used == 4 {
            self.buf = self.stream.block(self.counter);
            self.counter += 1;
            self.used = 0;
        }
        let v = self.buf[self.used];
        self.used += 1;
        v
    }

    /// A uniform number in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        let a = self.next_u32();
        let b = self.next_u32();
        to_unit(a, b)
    }

    /// A uniform integer in [0, n), without modulo bias (Lemire's method). `n > 0`.
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        loop {
            let m = (self.next_u32() as u64) * (n as u64);
            let low = m as u32;
            if low >= n || low >= n.wrapping_neg() % n {
                return (m >> 32) as u32;
            }
        }
    }

    /// A standard normal deviate (Box–Muller; uses two uniforms per call).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors from Random123 (kat_vectors, philox4x32 10 rounds).
    #[test]
    fn philox_known_answers() {
        assert_eq!(philox4x32_10([0; 4], [0; 2]), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]
        );
        assert_eq!(
            philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]),
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]
        );
    }

    #[test]
    fn streams_are_keyed_not_shared() {
        let a = Stream::new(7, Purpose::Poisson, 3);
        let b = Stream::new(7, Purpose::Poisson, 4);
        let c = Stream::new(7, Purpose::Connectivity, 3);
        let d = Stream::new(8, Purpose::Poisson, 3);
        let u = |s: Stream| s.uniform(10);
        assert_eq!(u(a), u(Stream::new(7, Purpose::Poisson, 3)));
        assert_ne!(u(a), u(b));
        assert_ne!(u(a), u(c));
        assert_ne!(u(a), u(d));
    }

    #[test]
    fn a_sibling_is_the_parents_child() {
        let parent = Stream::new(7, Purpose::Poisson, 3);
        let first = parent.child(0);
        for n in [0, 1, 9, u32::MAX as u64 + 5] {
            assert_eq!(first.sibling(n), parent.child(n));
        }
        assert_ne!(parent.child(1).uniform(4), parent.child(2).uniform(4));
    }

    #[test]
    fn uniform_moments_and_range() {
        let mut r = Stream::new(1, Purpose::Noise, 0).rng();
        let n = 100_000;
        let xs: Vec<f64> = (0..n).map(|_| r.uniform()).collect();
        assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
        let mean = xs.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        let k: Vec<u32> = (0..n).map(|_| r.below(10)).collect();
        assert!(k.iter().all(|&v| v < 10));
        let zeros = k.iter().filter(|&&v| v == 0).count() as f64 / n as f64;
        assert!((zeros - 0.1).abs() < 0.01);
    }
}
