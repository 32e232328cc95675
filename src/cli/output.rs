//! Standard output and standard error for every command, in one place.
//!
//! Every write goes through [`Terminal`], which never panics (unlike `println!` and
//! `eprintln!`) and remembers what failed: a failed write to stdout (a full disk,
//! `/dev/full`) or to stderr turns the exit status into 2 when the command ends, with a
//! message on stderr when stderr still works. The one failure that is not an error is a
//! closed pipe on stdout (`| head`): output ends quietly, and the [`Stop`] the readers
//! watch is set, so that the run stops reading too instead of filtering into the void.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use trailwatch::report::AtomicFile;
use trailwatch::source::Stop;

/// The exit status for an error, as grep uses it.
pub const EXIT_ERROR: i32 = 2;

/// What became of standard output.
enum OutState {
    Open,
    /// The reader went away (EPIPE): nothing more is written, and that is not an error.
    Closed,
    /// A write failed for another reason: the run's output is incomplete.
    Failed(io::Error),
}

/// The command's stdout (buffered) and stderr (unbuffered, so messages keep their order
/// with respect to a progress line), with what failed.
pub struct Terminal {
    out: BufWriter<io::Stdout>,
    out_state: OutState,
    err_failed: bool,
    stop: Stop,
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal::new()
    }
}

impl Terminal {
    pub fn new() -> Terminal {
        Terminal {
            out: BufWriter::with_capacity(1 << 16, io::stdout()),
            out_state: OutState::Open,
            err_failed: false,
            stop: Stop::default(),
        }
    }

    /// The signal a closed stdout raises, for the readers of this run to watch.
    pub fn stop(&self) -> Stop {
        self.stop.clone()
    }

    /// Whether stdout still takes output. Once it is closed or failed, producing more
    /// output is wasted work.
    pub fn is_open(&self) -> bool {
        matches!(self.out_state, OutState::Open)
    }

    /// Writes `bytes` to stdout (buffered).
    pub fn write(&mut self, bytes: &[u8]) {
        if self.is_open() {
            let written = self.out.write_all(bytes);
            self.settle(written);
        }
    }

    /// Writes formatted text to stdout (buffered): `term.print(format_args!(...))`.
    pub fn print(&mut self, args: fmt::Arguments<'_>) {
        if self.is_open() {
            let written = self.out.write_fmt(args);
            self.settle(written);
        }
    }

    /// Writes a line to stdout (buffered).
    pub fn println(&mut self, line: impl fmt::Display) {
        self.print(format_args!("{line}\n"));
    }

    /// Hands what is buffered for stdout to the system.
    pub fn flush(&mut self) {
        if self.is_open() {
            let flushed = self.out.flush();
            self.settle(flushed);
        }
    }

    /// Writes formatted text to stderr, at once.
    pub fn eprint(&mut self, args: fmt::Arguments<'_>) {
        if self.err_failed {
            return;
        }
        let mut err = io::stderr().lock();
        if err.write_fmt(args).and_then(|()| err.flush()).is_err() {
            self.err_failed = true;
        }
    }

    /// Writes `trailwatch: MESSAGE` and a line end to stderr.
    pub fn note(&mut self, message: impl fmt::Display) {
        self.eprint(format_args!("trailwatch: {message}\n"));
    }

    /// Ends the command: flushes stdout and turns `code` into [`EXIT_ERROR`] when a write
    /// failed (saying so on stderr when it can).
    pub fn finish(mut self, code: i32) -> i32 {
        self.flush();
        if let OutState::Failed(e) = &self.out_state {
            let message = format!("cannot write to standard output: {e}");
            self.note(message);
            return EXIT_ERROR;
        }
        if self.err_failed {
            return EXIT_ERROR;
        }
        code
    }

    fn settle(&mut self, result: io::Result<()>) {
        if let Err(e) = result {
            self.out_state = if e.kind() == io::ErrorKind::BrokenPipe { OutState::Closed } else { OutState::Failed(e) };
            self.stop.request();
            // What is left in the buffer can never be written; drop it, so that flushing
            // (and dropping the writer) does not try again.
            let (_, _) = std::mem::replace(&mut self.out, BufWriter::with_capacity(0, io::stdout())).into_parts();
        }
    }
}

/// `println!` through a [`Terminal`]: `outln!(term, "{} events", n)`.
macro_rules! outln {
    ($term:expr, $($arg:tt)*) => {
        $term.println(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// `--deliveries-out` and `--rejections`: lines into an [`AtomicFile`], so a failed run never
/// leaves half a file behind. The first write error is kept and reported when the run ends.
pub struct LineFile {
    file: AtomicFile,
    error: Option<std::io::Error>,
    /// What the lines are, for the error message.
    what: &'static str,
}

impl LineFile {
    pub fn create(path: &Path, what: &'static str) -> Result<LineFile, String> {
        let file = AtomicFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(LineFile { file, error: None, what })
    }

    pub fn write_line(&mut self, line: &str) {
        if self.error.is_none() {
            if let Err(e) = self.file.write_all(line.as_bytes()).and_then(|()| self.file.write_all(b"\n")) {
                self.error = Some(e);
            }
        }
    }

    pub fn finish(self, path: &Path) -> Result<(), String> {
        let done = match self.error {
            Some(e) => Err(e),
            None => self.file.commit(),
        };
        done.map_err(|e| format!("{}: cannot write the {}: {e}", path.display(), self.what))
    }
}
