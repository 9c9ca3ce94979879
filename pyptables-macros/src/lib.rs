//! Internal: the `firewall!` procedural macro. Depend on `pyptables` and use
//! `pyptables::firewall`, where the language is documented.
//!
//! The pipeline, one stage per module: [`parse`] (tokens → [`ast`], every syntax error),
//! [`check`] (AST → checked [`model`], every catalog error at its token; [`lower`] turns each
//! rule into slots), [`expand`] (model → code; cannot fail). When there are errors, the
//! expansion is all of them as `compile_error!`s plus an empty `Firewall`, so the user sees
//! only the real mistakes.
use proc_macro::TokenStream;

// The AST keeps every token's span and hint, more than the checks use today.
#[allow(dead_code)]
mod ast;
mod check;
mod errors;
mod expand;
mod lower;
mod model;
mod parse;

#[proc_macro]
pub fn firewall(input: TokenStream) -> TokenStream {
    firewall2(input.into()).into()
}

fn firewall2(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let (fw, mut all) = parse::parse_firewall(input);
    let mut errors = errors::Errors::default();
    let model = check::check(&fw, &mut errors);
    if all.is_empty() && errors.is_empty() {
        return expand::expand(&model);
    }
    all.extend(errors.into_errors());
    all.sort_by_key(|e| {
        let start = e.span().start();
        (start.line, start.column)
    });
    expand::fallback(&fw, all)
}

#[cfg(test)]
mod tests;
