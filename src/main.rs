//! The `galley` binary: everything happens in [`galley::run`].

fn main() {
    std::process::exit(galley::run(std::env::args_os().collect()));
}
