//! Staging: an upload's original bytes and its frame written and synced
//! under temporary names in the uploads folder before `keep_upload` renames
//! them into place. All of it is blocking and runs beside validation, so
//! the store's write lock and transaction only rename.

use super::{Result, Store, io, write_parquet};
use polars::prelude::DataFrame;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Removes staged files a killed process left behind. Only old ones: a
/// younger one may belong to an ingest running now in another process.
pub(super) fn remove_stale_staging(uploads: &Path) {
    let Ok(entries) = std::fs::read_dir(uploads) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 60 * 60);
    for entry in entries.flatten() {
        let name = entry.file_name();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
        if stale && name.to_string_lossy().starts_with("staging-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A file under a temporary name in the uploads folder, removed unless
/// kept (renamed into place).
pub(super) struct Temporary {
    pub(super) path: PathBuf,
    pub(super) kept: bool,
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// An upload's original bytes on disk under a temporary name
/// (`Store::stage`), removed unless kept.
pub struct Staged {
    pub(super) file: Temporary,
    pub(super) sha256: String,
    pub(super) size: u64,
}

impl Staged {
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// An upload's validated frame written as Parquet and synced under a
/// temporary name (`Store::stage_frame`), removed unless kept.
pub struct StagedFrame {
    pub(super) file: Temporary,
    pub(super) rows: usize,
}

/// A file copied into the uploads folder under a temporary name and mapped
/// into memory (`Store::copy_in`): how the command line takes a large file
/// without holding it in the process's memory. The copy is the store's
/// own, so nothing changes it while it is mapped.
pub struct Mapped {
    file: Temporary,
    map: memmap2::Mmap,
    /// The copy hashed and synced by a thread that followed the copying.
    hashing: std::thread::JoinHandle<Result<String>>,
    /// The copy written out to disk while the CPU validates it, so that the
    /// sync after hashing finds little left to write.
    writing_out: std::thread::JoinHandle<()>,
}

impl Mapped {
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Gives back the memory of the whole pages inside `part`, which a reader
    /// has finished with (`ingest::Context::release`). Reading them again
    /// reads the file again, so this changes how much memory is resident,
    /// never what is read. A `part` outside the mapping (text decoded into
    /// a new string, say) is left alone.
    pub fn release(&self, part: &[u8]) {
        let base = self.map.as_ptr() as usize;
        let (start, end) = (part.as_ptr() as usize, part.as_ptr() as usize + part.len());
        if start < base || end > base + self.map.len() {
            return;
        }
        let page = page_size();
        let first = (start - base).div_ceil(page) * page;
        let last = (end - base) / page * page;
        if last > first {
            // SAFETY: the mapping is read-only and of a file only this
            // store writes, which is complete and unchanged while mapped,
            // so a page read after MADV_DONTNEED holds the same bytes.
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    first,
                    last - first,
                )
            };
        }
    }

    /// Runs `work` (on the mapped bytes) while the copy is hashed and
    /// synced on the thread that began with the copying.
    pub fn stage_during<T>(self, work: impl FnOnce(&Mapped) -> T) -> (T, Result<Staged>) {
        let out = work(&self);
        let Mapped {
            file,
            map,
            hashing,
            writing_out,
        } = self;
        let sha256 = hashing
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let _ = writing_out.join();
        let size = map.len() as u64;
        drop(map);
        (out, sha256.map(|sha256| Staged { file, sha256, size }))
    }
}

/// Bytes copied into the store at a time, each step hashed after it.
const COPY_STEP: u64 = 8 << 20;

/// Hashes the file at `path` as far as `copied` says it has been written,
/// to its end (when the copying side hangs up), then syncs it. Each step is
/// mapped on its own and unmapped once hashed: the hash reads the page
/// cache in place (a `pread` into a buffer copied every byte, a fifth of
/// the CPU time the hashing took) and never holds more than one step of
/// the file in the process's memory.
fn follow_copy(path: &Path, copied: std::sync::mpsc::Receiver<u64>) -> Result<String> {
    yield_to_validation();
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut at = 0u64;
    while let Ok(upto) = copied.recv() {
        while at < upto {
            let n = (upto - at).min(COPY_STEP);
            // SAFETY: the file is the store's own temporary copy, and these
            // bytes are written (the copying side says so) and never written
            // or truncated again while mapped.
            let step = unsafe {
                memmap2::MmapOptions::new()
                    .offset(at)
                    .len(n as usize)
                    .populate()
                    .map(&file)
            }
            .map_err(io(path))?;
            hasher.update(&step[..]);
            at += n;
        }
    }
    file.sync_all().map_err(io(path))?;
    Ok(hex::encode(hasher.finalize()))
}

/// Lowers the calling thread's priority (nice 10), so that hashing the
/// original bytes, which nobody waits on until the upload is kept, takes
/// the CPU that validation leaves (its uneven end, the Parquet write's
/// gaps) rather than slowing the validation an analyst is waiting for: on
/// two cores it took a tenth of the CPU time beside two validating threads.
fn yield_to_validation() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority read and change only the calling
    // thread's scheduling; an error (none is expected) leaves it as it was.
    unsafe {
        let tid = libc::gettid();
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

fn page_size() -> usize {
    // SAFETY: sysconf only reads a constant of the system.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096).max(1)
}

impl Store {
    /// Writes an upload's original bytes under a temporary name, hashing
    /// them on the way, and syncs them to disk. Blocking: run it beside
    /// validation (`stage_during`) so the disk works while the CPU checks
    /// rows. Nothing is kept until `keep_upload`; dropping the `Staged`
    /// removes the file.
    pub fn stage(&self, bytes: &[u8]) -> Result<Staged> {
        let mut staged = Staged {
            file: self.temporary("partial"),
            sha256: String::new(),
            size: bytes.len() as u64,
        };
        let path = &staged.file.path;
        let mut file = std::fs::File::create(path).map_err(io(path))?;
        let mut hasher = Sha256::new();
        for piece in bytes.chunks(1 << 20) {
            hasher.update(piece);
            file.write_all(piece).map_err(io(path))?;
        }
        file.sync_all().map_err(io(path))?;
        staged.sha256 = hex::encode(hasher.finalize());
        Ok(staged)
    }

    /// Copies a file into the uploads folder (in the kernel, without passing
    /// through this process's memory) and maps the copy, for validating and
    /// staging (`Mapped::stage_during`). Another thread hashes each step of
    /// the copy as soon as it is written, on the core the copying leaves
    /// idle, and then syncs it.
    pub fn copy_in(&self, source: &Path) -> Result<Mapped> {
        let file = self.temporary("partial");
        let mut from = std::fs::File::open(source).map_err(io(source))?;
        let mut to = std::fs::File::create(&file.path).map_err(io(&file.path))?;
        let (copied, progress) = std::sync::mpsc::channel();
        let path = file.path.clone();
        let hashing = std::thread::spawn(move || follow_copy(&path, progress));
        let mut total = 0u64;
        loop {
            // `io::copy` of a `Take<File>` into a `File` is copy_file_range.
            let step = std::io::copy(&mut (&mut from).take(COPY_STEP), &mut to);
            match step.map_err(io(source))? {
                0 => break,
                n => total += n,
            }
            let _ = copied.send(total);
        }
        drop(copied);
        // Only sooner: the hashing thread's own sync is what makes it durable.
        let writing_out = std::thread::spawn(move || {
            let _ = to.sync_data();
        });
        let opened = std::fs::File::open(&file.path).map_err(io(&file.path))?;
        // SAFETY: the file is the store's own temporary copy, which nothing
        // writes or truncates while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&opened) }.map_err(io(&file.path))?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Mapped {
            file,
            map,
            hashing,
            writing_out,
        })
    }

    /// A new name for a staged file (`remove_stale_staging` knows them).
    pub(super) fn temporary(&self, extension: &str) -> Temporary {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = self
            .dir
            .join("uploads")
            .join(format!("staging-{}-{n}.{extension}", std::process::id()));
        Temporary { path, kept: false }
    }

    /// Writes a validated frame as Parquet under a temporary name and syncs
    /// it. Blocking, and done before `keep_upload` (on the validating
    /// thread, while the bytes are still being staged), so the store's
    /// write lock and transaction only rename it into place.
    pub fn stage_frame(&self, frame: &mut DataFrame) -> Result<StagedFrame> {
        let staged = StagedFrame {
            file: self.temporary("parquet.partial"),
            rows: frame.height(),
        };
        let path = &staged.file.path;
        let mut file = std::fs::File::create(path).map_err(io(path))?;
        write_parquet(&mut file, path, frame)?;
        file.sync_all().map_err(io(path))?;
        Ok(staged)
    }

    /// Runs `work` (validating the file) while `bytes` are staged on
    /// another thread.
    pub fn stage_during<T>(&self, bytes: &[u8], work: impl FnOnce() -> T) -> (T, Result<Staged>) {
        std::thread::scope(|scope| {
            let staging = scope.spawn(|| {
                yield_to_validation();
                self.stage(bytes)
            });
            let out = work();
            let staged = staging
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (out, staged)
        })
    }
}
