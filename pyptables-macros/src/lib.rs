//! Internal: the `firewall!` procedural macro. Depend on `pyptables` and use
//! `pyptables::firewall`, where the language is documented.
//!
//! The pipeline, one stage per module: `parse` (tokens → `ast`, every syntax error), `check`
//! (AST → checked `model`, every catalog error at its token; `lower` turns each rule into
//! slots), `expand` (model → code; cannot fail). When there are errors, the expansion is all
//! of them as `compile_error!`s plus an empty `Firewall`, so the user sees only the real
//! mistakes.
use proc_macro::TokenStream;

mod ast;
mod check;
mod errors;
mod expand;
mod fallback;
mod lower;
mod model;
mod parse;
mod zones;

/// The `firewall!` macro. Use it as `pyptables::firewall`, where its language is documented
/// (and its examples are tested: they need `pyptables`, which this crate cannot depend on).
#[proc_macro]
pub fn firewall(input: TokenStream) -> TokenStream {
    firewall2(input.into()).into()
}

fn firewall2(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let (fw, parsed) = parse::parse_firewall(input);
    let mut errors = errors::Errors::default();
    errors.parsed(parsed);
    let model = check::check(&fw, &mut errors);
    if errors.is_empty() {
        return expand::expand(&model);
    }
    fallback::fallback(&fw, errors.into_errors())
}

#[cfg(test)]
mod tests;
