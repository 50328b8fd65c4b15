use std::process::ExitCode;

// mimalloc is markedly faster than the system allocator for DataFusion's many short-lived
// allocations; DataFusion's own benchmarks use it too.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    jaanch::cli::main()
}
