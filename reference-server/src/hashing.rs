//! [`PasswordHashing`]: argon2id on a fixed pool of threads, one per core, each reusing
//! its own argon2 memory.
//!
//! Hashing a password with argon2's default parameters fills 19 MiB. Run in
//! `spawn_blocking`, each request hashed on whichever of up to 512 blocking threads was
//! free, in a fresh 19 MiB allocation: a burst of anonymous signups (10 parallel loops)
//! grew the server to 2.1 GB, kept after the burst (glibc does not give the fragmented
//! heap back; `MALLOC_ARENA_MAX=2` made it worse, 2.6 GB, so arenas per thread are not
//! the cause, churning 19 MiB blocks is). Here at most one hash per core runs at a time
//! (a semaphore; excess requests wait), on threads that allocate their blocks once and
//! zero them after each use, so memory is bounded by the number of cores whatever the
//! load.

use std::sync::{mpsc, Arc, Mutex};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{OnceCell, Semaphore};

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The pool hashing and verifying passwords. Cheap to share behind an `Arc`; its
/// threads end when it is dropped.
#[derive(Debug)]
pub struct PasswordHashing {
    permits: Semaphore,
    jobs: mpsc::Sender<Job>,
    dummy_hash: OnceCell<String>,
}

/// The pool stopped (its threads panicked).
#[derive(Debug, thiserror::Error)]
#[error("the password hashing pool is not running")]
pub struct PoolStopped;

impl PasswordHashing {
    /// A pool of `threads` threads (at least one), as many hashes at a time.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hash-{index}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        job(&mut memory);
                    }
                })
                .expect("the OS can start a thread at start-up");
        }
        Self {
            permits: Semaphore::new(threads),
            jobs,
            dummy_hash: OnceCell::new(),
        }
    }

    /// A pool with one thread per available core.
    pub fn for_available_cores() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
    }

    /// Runs `work` on a pool thread with that thread's argon2 memory, once a thread is
    /// free.
    async fn run<R: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> R + Send + 'static,
    ) -> Result<R, PoolStopped> {
        let _permit = self.permits.acquire().await.map_err(|_| PoolStopped)?;
        let (answer, answered) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |memory| {
                let _ = answer.send(work(memory));
            }))
            .map_err(|_| PoolStopped)?;
        answered.await.map_err(|_| PoolStopped)
    }

    /// An argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `password`.
    ///
    /// # Errors
    ///
    /// [`PoolStopped`]; argon2 itself cannot fail on a password of at most 256
    /// characters.
    pub async fn hash(&self, password: String) -> Result<String, PoolStopped> {
        self.run(move |memory| hash_with(memory, password.as_bytes()))
            .await?
            .map_err(|_| PoolStopped)
    }

    /// Whether `password` matches the PHC string `hash` (any argon2 variant and
    /// parameters); a malformed hash matches nothing.
    ///
    /// # Errors
    ///
    /// [`PoolStopped`].
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, PoolStopped> {
        self.run(move |memory| verify_with(memory, password.as_bytes(), &hash))
            .await
    }

    /// A hash to verify against when the email is unknown, so that the answer takes as
    /// long as for a known email.
    ///
    /// # Errors
    ///
    /// [`PoolStopped`].
    pub async fn dummy_hash(&self) -> Result<&str, PoolStopped> {
        self.dummy_hash
            .get_or_try_init(|| self.hash("not a real password".to_owned()))
            .await
            .map(String::as_str)
    }
}

/// The thread's blocks for `params`, grown on first use and kept.
fn blocks<'a>(memory: &'a mut Vec<Block>, params: &Params) -> &'a mut [Block] {
    let count = params.block_count();
    if memory.len() < count {
        memory.resize(count, Block::default());
    }
    &mut memory[..count]
}

/// Zeroes what argon2 left in the blocks (it is derived from the password).
fn wipe(memory: &mut [Block]) {
    memory.fill(Block::default());
}

fn hash_with(memory: &mut Vec<Block>, password: &[u8]) -> argon2::password_hash::Result<String> {
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let blocks = blocks(memory, &params);
    let hashed =
        argon2.hash_password_into_with_memory(password, raw_salt, &mut output, &mut *blocks);
    wipe(blocks);
    hashed?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(hash.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut output = vec![0u8; expected.len()];
    let blocks = blocks(memory, &params);
    let hashed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        raw_salt,
        &mut output,
        &mut *blocks,
    );
    wipe(blocks);
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&output).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};

    use super::*;

    #[tokio::test]
    async fn hashes_verify_both_ways_with_argon2s_own_functions() {
        let pool = PasswordHashing::new(1);
        let ours = pool.hash("correct horse".to_owned()).await.unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        Argon2::default()
            .verify_password(b"correct horse", &PasswordHash::new(&ours).unwrap())
            .unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(pool
            .verify("correct horse".to_owned(), theirs.clone())
            .await
            .unwrap());
        assert!(!pool.verify("wrong horse".to_owned(), theirs).await.unwrap());
        assert!(!pool
            .verify("x".to_owned(), "not a hash".to_owned())
            .await
            .unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn at_most_one_hash_per_pool_thread_runs_at_a_time_on_the_pool_threads() {
        // Arrange
        let pool = Arc::new(PasswordHashing::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(HashSet::new()));

        // Act: 16 jobs at once.
        let jobs = (0..16).map(|_| {
            let (pool, running, peak, threads) =
                (pool.clone(), running.clone(), peak.clone(), threads.clone());
            tokio::spawn(async move {
                pool.run(move |_| {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    threads
                        .lock()
                        .unwrap()
                        .insert(std::thread::current().name().unwrap_or_default().to_owned());
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
                .unwrap();
            })
        });
        for job in jobs.collect::<Vec<_>>() {
            job.await.unwrap();
        }

        // Assert
        assert!((1..=2).contains(&peak.load(Ordering::SeqCst)));
        let threads = threads.lock().unwrap();
        assert!(
            threads
                .iter()
                .all(|name| name.starts_with("password-hash-"))
                && threads.len() <= 2,
            "{threads:?}"
        );
    }

    #[test]
    fn a_pool_thread_keeps_one_block_buffer_of_the_parameters_size() {
        let mut memory = Vec::new();
        hash_with(&mut memory, b"one").unwrap();
        let first = memory.as_ptr();
        hash_with(&mut memory, b"two").unwrap();
        assert_eq!(memory.len(), Params::default().block_count());
        assert_eq!(
            memory.as_ptr(),
            first,
            "the buffer is reused, not reallocated"
        );
    }
}
