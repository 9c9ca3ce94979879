//! Prints the catalog's reference page (`pyptables-catalog/REFERENCE.md`).
//!
//! `cargo run -p pyptables-catalog --example reference > pyptables-catalog/REFERENCE.md`

fn main() {
    print!("{}", pyptables_catalog::reference::markdown());
}
