//! Clausula engine (filled by the core-engine issue).
