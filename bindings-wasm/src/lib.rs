//! WebAssembly bindings (filled by the WASM-bindings issue).
