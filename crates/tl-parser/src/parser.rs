//! Turns the tokens of one statement into a [`Definition`].

use crate::ast::{
    Body, Category, Definition, Flag, GenericParam, Parameter, ParameterKind, Position, ResultType,
    Type,
};
use crate::error::{ErrorKind, ParseError};
use crate::lexer::{Tok, Token};

/// A cursor over one statement's tokens.
struct Stream<'t, 'a> {
    toks: &'t [Token<'a>],
    at: usize,
    end: Position,
}

impl<'a> Stream<'_, 'a> {
    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.at).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok<'a>> {
        self.toks.get(self.at + n).map(|t| &t.tok)
    }

    fn pos(&self) -> Position {
        self.toks.get(self.at).map_or(self.end, |t| t.pos)
    }

    fn error(&self, kind: ErrorKind) -> ParseError {
        ParseError {
            position: self.pos(),
            kind,
        }
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(ErrorKind::Expected(format!("`{c}`"))))
        }
    }

    fn word(&mut self, what: &str) -> Result<&'a str, ParseError> {
        match self.peek() {
            Some(&Tok::Word(w)) => {
                self.at += 1;
                Ok(w)
            }
            _ => Err(self.error(ErrorKind::Expected(what.to_owned()))),
        }
    }
}

/// Splits `a.b.c` into (`[a, b]`, `c`), rejecting empty parts.
fn split_name(s: &str) -> Option<(Vec<String>, String)> {
    let mut parts: Vec<String> = s.split('.').map(str::to_owned).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let name = parts.pop()?;
    Some((parts, name))
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses one statement (the tokens before a `;`).
pub(crate) fn definition(
    toks: &[Token<'_>],
    category: Category,
    end: Position,
) -> Result<Definition, ParseError> {
    let mut s = Stream { toks, at: 0, end };
    let position = s.pos();

    let (name_word, explicit_id) = {
        let w = s.word("a combinator name")?;
        let id = if s.eat('#') {
            let at = s.pos();
            let hex = s.word("a hexadecimal constructor id")?;
            let id = u32::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() <= 8)
                .ok_or(ParseError {
                    position: at,
                    kind: ErrorKind::BadId(hex.to_owned()),
                })?;
            Some(id)
        } else {
            None
        };
        (w, id)
    };
    let (namespace, name) = split_name(name_word)
        .filter(|(ns, n)| ns.iter().all(|p| is_ident(p)) && is_ident(n))
        .ok_or(ParseError {
            position,
            kind: ErrorKind::BadName(name_word.to_owned()),
        })?;

    let mut generics = Vec::new();
    while s.eat('{') {
        let gname = s.word("a type parameter name")?.to_owned();
        s.expect(':')?;
        let kind = if s.eat('#') {
            "#".to_owned()
        } else {
            s.word("a type parameter kind")?.to_owned()
        };
        s.expect('}')?;
        generics.push(GenericParam { name: gname, kind });
    }

    let body = if s.peek() == Some(&Tok::Punct('?')) && s.peek_at(1) == Some(&Tok::Punct('=')) {
        s.at += 1;
        Body::Builtin
    } else {
        let mut params = Vec::new();
        while s.peek().is_some() && s.peek() != Some(&Tok::Punct('=')) {
            params.push(parameter(&mut s, &params)?);
        }
        Body::Params(params)
    };

    s.expect('=')?;
    let ty = result_type(&mut s)?;
    if s.peek().is_some() {
        return Err(s.error(ErrorKind::Expected("`;` after the result type".into())));
    }

    Ok(Definition {
        id: explicit_id.unwrap_or(0),
        namespace,
        name,
        explicit_id,
        generics,
        body,
        ty,
        category,
        position,
    })
}

fn parameter(s: &mut Stream<'_, '_>, earlier: &[Parameter]) -> Result<Parameter, ParseError> {
    // Anonymous forms used by built-ins: `#`, `[ t ]`, `4*[ int ]`.
    if s.eat('#') {
        return Ok(Parameter {
            name: None,
            kind: ParameterKind::Nat,
        });
    }
    if s.peek() == Some(&Tok::Punct('[')) {
        return repeat(s, None);
    }
    if let (Some(Tok::Word(w)), Some(Tok::Punct('*'))) = (s.peek(), s.peek_at(1)) {
        let multiplicity = Some((*w).to_owned());
        s.at += 2;
        return repeat(s, multiplicity);
    }

    let at = s.pos();
    let name = s.word("a parameter name")?;
    if !is_ident(name) {
        return Err(ParseError {
            position: at,
            kind: ErrorKind::BadName(name.to_owned()),
        });
    }
    s.expect(':')?;
    if s.eat('#') {
        return Ok(Parameter {
            name: Some(name.to_owned()),
            kind: ParameterKind::Flags,
        });
    }

    let flag = if s.peek_at(1) == Some(&Tok::Punct('?')) {
        let at = s.pos();
        let reference = s.word("a flag reference")?;
        s.at += 1; // the `?`
        Some(flag_ref(reference, earlier).map_err(|kind| ParseError { position: at, kind })?)
    } else {
        None
    };
    let ty = type_expr(s)?;
    Ok(Parameter {
        name: Some(name.to_owned()),
        kind: ParameterKind::Field { ty, flag },
    })
}

fn repeat(s: &mut Stream<'_, '_>, multiplicity: Option<String>) -> Result<Parameter, ParseError> {
    s.expect('[')?;
    let mut items = Vec::new();
    while !s.eat(']') {
        if s.peek().is_none() {
            return Err(s.error(ErrorKind::Expected("`]`".into())));
        }
        items.push(type_expr(s)?);
    }
    Ok(Parameter {
        name: None,
        kind: ParameterKind::Repeat {
            multiplicity,
            items,
        },
    })
}

/// `flags.3` → the flag, checking that `flags` is an earlier `#` parameter.
fn flag_ref(reference: &str, earlier: &[Parameter]) -> Result<Flag, ErrorKind> {
    let bad = || ErrorKind::BadFlag(reference.to_owned());
    let (name, index) = reference.split_once('.').ok_or_else(bad)?;
    let index: u32 = index.parse().ok().filter(|i| *i < 32).ok_or_else(bad)?;
    let declared = earlier
        .iter()
        .any(|p| p.name.as_deref() == Some(name) && p.kind == ParameterKind::Flags);
    if !declared {
        return Err(ErrorKind::UnknownFlags(name.to_owned()));
    }
    Ok(Flag {
        name: name.to_owned(),
        index,
    })
}

fn type_expr(s: &mut Stream<'_, '_>) -> Result<Type, ParseError> {
    let generic_ref = s.eat('!');
    let percent = s.eat('%');
    let at = s.pos();
    let word = if s.eat('#') { "#" } else { s.word("a type")? };
    let (namespace, name) = split_name(word)
        .filter(|(ns, n)| ns.iter().all(|p| is_ident(p)) && (is_ident(n) || n == "#"))
        .ok_or(ParseError {
            position: at,
            kind: ErrorKind::BadName(word.to_owned()),
        })?;
    let generic_arg = if s.eat('<') {
        let arg = type_expr(s)?;
        s.expect('>')?;
        Some(Box::new(arg))
    } else {
        None
    };
    let bare = percent || name.starts_with(|c: char| c.is_ascii_lowercase());
    Ok(Type {
        namespace,
        name,
        bare,
        generic_ref,
        generic_arg,
    })
}

fn result_type(s: &mut Stream<'_, '_>) -> Result<ResultType, ParseError> {
    let at = s.pos();
    let word = s.word("a result type")?;
    let (namespace, name) = split_name(word).ok_or(ParseError {
        position: at,
        kind: ErrorKind::BadName(word.to_owned()),
    })?;
    let mut args = Vec::new();
    if s.eat('<') {
        args.push(type_expr(s)?);
        s.expect('>')?;
    }
    while s.peek().is_some() {
        args.push(type_expr(s)?);
    }
    Ok(ResultType {
        namespace,
        name,
        args,
    })
}
