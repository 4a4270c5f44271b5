//! Python bindings (filled by the Python-bindings issue).
