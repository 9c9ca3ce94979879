//! Integration tests and examples for the pyptables workspace live in `tests/` and `examples/`.
