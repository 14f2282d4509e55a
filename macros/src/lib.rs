//! `#[dual]`: one source for the blocking and the async front of modemtls.
//!
//! The AT client, the modem drivers and the session procedures are written
//! once, as async Rust, in an inline module named `asynch`:
//!
//! ```text
//! #[modemtls_macros::dual]
//! pub mod asynch {
//!     use crate::port::asynch::Port;
//!     pub struct Echo<P> { port: P }
//!     impl<P: Port> Echo<P> {
//!         pub async fn ping(&mut self) -> Result<(), crate::port::PortError> {
//!             self.port.write_all(b"AT\r").await
//!         }
//!     }
//! }
//! ```
//!
//! The attribute emits the module twice:
//!
//! - `asynch`, as written, compiled only with the crate's `async` feature
//!   (always with `#[dual(always)]`, for a crate without that feature);
//! - `blocking`, always, with the same tokens except that `async` before
//!   `fn` and every `.await` are taken out, and the path segments `asynch`
//!   and `embedded_io_async` become `blocking` and `embedded_io`. So
//!   `crate::port::asynch::Port` (async methods) becomes
//!   `crate::port::blocking::Port` (the blocking trait of the same names),
//!   also inside doc comments and string literals,
//!   and the blocking copy is the code a blocking-only crate would have
//!   written by hand: no futures, no executor, no cost.
//!
//! Inside `cfg(...)`, the word `dual_async` is true only in the async copy
//! and `dual_blocking` only in the blocking one (for the few items that
//! cannot be the same, such as a `Drop` that closes a socket).
//!
//! Tokens keep their spans, so a compiler error in either copy points at
//! the line written. The transformation is lexical on purpose: no parser,
//! no dependency; `async` blocks and closures are refused with an error
//! (they would not mean the same thing once `async` is gone).

use proc_macro::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};

/// Emit the inline module `asynch` twice: as written (under
/// `cfg(feature = "async")`) and as `blocking`, with `async`/`.await`
/// removed. See the crate documentation.
#[proc_macro_attribute]
pub fn dual(attr: TokenStream, item: TokenStream) -> TokenStream {
    // `#[dual(always)]`: the async copy without the `async` feature gate
    // (for a crate that has no such feature, e.g. a fuzz target's).
    let gated = match attr.to_string().as_str() {
        "" => true,
        "always" => false,
        _ => return error(Span::call_site(), "#[dual] takes no argument but `always`"),
    };
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    // `[#[attr]]* [pub[(..)]] mod asynch { .. }`
    let Some(mod_at) = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "mod"))
    else {
        return error(
            Span::call_site(),
            "#[dual] goes on an inline `mod asynch { .. }`",
        );
    };
    let (name, body) = match (tokens.get(mod_at + 1), tokens.get(mod_at + 2)) {
        (Some(TokenTree::Ident(n)), Some(TokenTree::Group(g)))
            if g.delimiter() == Delimiter::Brace && tokens.len() == mod_at + 3 =>
        {
            (n.clone(), g.clone())
        }
        _ => {
            return error(
                Span::call_site(),
                "#[dual] goes on an inline `mod asynch { .. }`",
            )
        }
    };
    if name.to_string() != "asynch" {
        return error(
            name.span(),
            "the dual module is named `asynch` (its twin is `blocking`)",
        );
    }
    let head: Vec<TokenTree> = tokens[..mod_at].to_vec();

    let mut out = TokenStream::new();
    // The async copy: as written, only with the `async` feature.
    if gated {
        out.extend(parse("#[cfg(feature = \"async\")]"));
    }
    out.extend(parse(
        "#[allow(async_fn_in_trait)] \
         #[doc = \"The async copy (feature `async`): the same items as `blocking`, \
         with the I/O calls `async fn`s over `port::asynch::Port`.\"]",
    ));
    out.extend(head.iter().cloned());
    out.extend([
        TokenTree::Ident(Ident::new("mod", Span::call_site())),
        TokenTree::Ident(name.clone()),
    ]);
    match transform(body.stream(), Copy::Async) {
        Ok(b) => out.extend([TokenTree::Group(with_span(
            Delimiter::Brace,
            b,
            body.span(),
        ))]),
        Err(e) => return e,
    }
    // The blocking copy: always.
    out.extend(parse(
        "#[doc = \"The blocking copy: the items of `asynch` with `async`/`.await` \
         taken out, over the blocking `Port`.\"]",
    ));
    out.extend(head.iter().cloned());
    out.extend([
        TokenTree::Ident(Ident::new("mod", Span::call_site())),
        TokenTree::Ident(Ident::new("blocking", name.span())),
    ]);
    match transform(body.stream(), Copy::Blocking) {
        Ok(b) => out.extend([TokenTree::Group(with_span(
            Delimiter::Brace,
            b,
            body.span(),
        ))]),
        Err(e) => return e,
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Copy {
    Async,
    Blocking,
}

fn transform(input: TokenStream, copy: Copy) -> Result<TokenStream, TokenStream> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        let next = tokens.get(i + 1);
        match t {
            TokenTree::Group(g) => {
                let inner = transform(g.stream(), copy)?;
                out.push(TokenTree::Group(with_span(g.delimiter(), inner, g.span())));
            }
            TokenTree::Ident(id) => {
                let s = id.to_string();
                match s.as_str() {
                    "dual_async" | "dual_blocking" => {
                        let yes = (s == "dual_async") == (copy == Copy::Async);
                        let word = if yes { "all" } else { "any" };
                        out.push(TokenTree::Ident(Ident::new(word, id.span())));
                        out.push(TokenTree::Group(with_span(
                            Delimiter::Parenthesis,
                            TokenStream::new(),
                            id.span(),
                        )));
                    }
                    "async" if copy == Copy::Blocking => match next {
                        Some(TokenTree::Ident(n)) if n.to_string() == "fn" => {}
                        _ => {
                            return Err(error(
                                id.span(),
                                "#[dual]: only `async fn` can be made blocking (no async blocks or closures)",
                            ))
                        }
                    },
                    "asynch" if copy == Copy::Blocking => {
                        out.push(TokenTree::Ident(Ident::new("blocking", id.span())))
                    }
                    "embedded_io_async" if copy == Copy::Blocking => {
                        out.push(TokenTree::Ident(Ident::new("embedded_io", id.span())))
                    }
                    _ => out.push(t.clone()),
                }
            }
            // Doc comments and strings: the same renames, so the blocking
            // copy's documentation names its own traits and paths.
            TokenTree::Literal(l) if copy == Copy::Blocking => {
                let text = l.to_string();
                if text.contains("embedded_io_async") || text.contains("asynch::") {
                    let renamed = text
                        .replace("embedded_io_async", "embedded_io")
                        .replace("asynch::", "blocking::");
                    match renamed.parse::<Literal>() {
                        Ok(mut r) => {
                            r.set_span(l.span());
                            out.push(TokenTree::Literal(r));
                        }
                        Err(_) => out.push(t.clone()),
                    }
                } else {
                    out.push(t.clone());
                }
            }
            TokenTree::Punct(p) if p.as_char() == '.' && copy == Copy::Blocking => match next {
                Some(TokenTree::Ident(n)) if n.to_string() == "await" => i += 1,
                _ => out.push(t.clone()),
            },
            _ => out.push(t.clone()),
        }
        i += 1;
    }
    Ok(out.into_iter().collect())
}

fn with_span(delimiter: Delimiter, stream: TokenStream, span: Span) -> Group {
    let mut g = Group::new(delimiter, stream);
    g.set_span(span);
    g
}

fn parse(s: &str) -> TokenStream {
    s.parse().unwrap_or_default()
}

fn error(span: Span, message: &str) -> TokenStream {
    let mut lit = Literal::string(message);
    lit.set_span(span);
    let mut ts: TokenStream = parse("::core::compile_error!");
    ts.extend([TokenTree::Group(with_span(
        Delimiter::Parenthesis,
        [TokenTree::Literal(lit)].into_iter().collect(),
        span,
    ))]);
    ts.extend(parse(";"));
    ts
}
