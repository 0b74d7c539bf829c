//! The `galley` binary: everything happens in [`galley::run`].

/// mimalloc rather than the system allocator: a plan or apply allocates and frees
/// millions of small values (strings, maps, syntax trees), and glibc's malloc and free
/// took a third of a 10,000-resource plan's time (`benches/RESULTS.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(galley::run(std::env::args_os().collect()));
}
