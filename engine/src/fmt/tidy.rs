//! Terraform's own rewrites on top of hclwrite layout (`internal/command/fmt.go`).
//!
//! Three token-level rewrites, applied before layout:
//! - block labels are re-quoted (`resource aws_vpc x` becomes `resource "aws_vpc" "x"`);
//! - an attribute whose whole value is `"${expr}"` becomes `expr`;
//! - in a top-level `variable` block, `type = list` becomes `list(any)` and the legacy
//!   quoted types `"string"`, `"list"`, `"map"` become `string`, `list(string)`, `map(string)`.

use super::format::WToken;
use super::lexer::TokenKind as K;

/// Replaces the tokens `start..end` with `tokens`.
struct Edit {
    start: usize,
    end: usize,
    tokens: Vec<WToken>,
}

/// An attribute defined twice in one body, which hclsyntax rejects (hcl-edit does not always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redefined {
    /// Index of the second definition's name token.
    pub token: usize,
    pub name: String,
}

/// Applies Terraform's rewrites. If the token stream does not have the shape of a body (which
/// a validated file always has), the tokens come back unchanged.
pub fn tidy(tokens: Vec<WToken>) -> Result<Vec<WToken>, Redefined> {
    let mut walker = Walker {
        toks: &tokens,
        edits: Vec::new(),
        redefined: None,
    };
    let mut blocks = Vec::new();
    let end = walker.body(0, &mut blocks);
    if let Some(redefined) = walker.redefined {
        return Err(redefined);
    }
    let edits = match end {
        Some(end) if tokens.get(end).is_some_and(|t| t.kind == K::Eof) => walker.edits,
        _ => return Ok(tokens),
    };
    Ok(apply(tokens, edits))
}

fn apply(tokens: Vec<WToken>, mut edits: Vec<Edit>) -> Vec<WToken> {
    edits.sort_by_key(|e| e.start);
    let mut out = Vec::with_capacity(tokens.len());
    let mut edits = edits.into_iter().peekable();
    let mut skip_until = 0;
    for (i, tok) in tokens.into_iter().enumerate() {
        while let Some(edit) = edits.next_if(|e| e.start == i) {
            out.extend(edit.tokens);
            skip_until = skip_until.max(edit.end);
        }
        if i >= skip_until {
            out.push(tok);
        }
    }
    out
}

struct Walker<'a> {
    toks: &'a [WToken],
    edits: Vec<Edit>,
    redefined: Option<Redefined>,
}

impl Walker<'_> {
    fn kind(&self, i: usize) -> K {
        self.toks.get(i).map_or(K::Eof, |t| t.kind)
    }

    /// Skips comments, which may sit between any two tokens of a block header.
    fn skip_comments(&self, mut i: usize) -> usize {
        while self.kind(i) == K::Comment {
            i += 1;
        }
        i
    }

    /// Walks body items from `i`; returns the index of the closing `}` or EOF.
    fn body(&mut self, mut i: usize, blocks: &mut Vec<String>) -> Option<usize> {
        let mut names = std::collections::HashSet::new();
        loop {
            match self.kind(i) {
                K::Newline | K::Comment => i += 1,
                K::CBrace | K::Eof => return Some(i),
                K::Ident => {
                    let name = self.toks[i].text.clone();
                    let next = self.skip_comments(i + 1);
                    i = if self.kind(next) == K::Equal {
                        if !names.insert(name.clone()) && self.redefined.is_none() {
                            self.redefined = Some(Redefined {
                                token: i,
                                name: name.clone(),
                            });
                        }
                        self.attribute(&name, next + 1, blocks)?
                    } else {
                        self.block(i, &name, blocks)?
                    };
                }
                _ => return None,
            }
        }
    }

    /// Finds the value's token range after `=` and records a rewrite; returns where it ends.
    fn attribute(&mut self, name: &str, from: usize, blocks: &[String]) -> Option<usize> {
        let start = self.skip_comments(from);
        let mut depth = 0i64;
        let mut i = start;
        let mut last = None;
        loop {
            let tok = self.toks.get(i)?;
            match tok.kind {
                K::Eof => break,
                K::Newline if depth == 0 => break,
                K::Comment if depth == 0 && tok.text.ends_with('\n') => break,
                K::Comment => {}
                kind => {
                    depth += match kind {
                        K::OBrace
                        | K::OBrack
                        | K::OParen
                        | K::TemplateInterp
                        | K::TemplateControl => 1,
                        K::CBrace | K::CBrack | K::CParen | K::TemplateSeqEnd => -1,
                        _ => 0,
                    };
                    if depth < 0 {
                        // The closing brace of a one-line block.
                        break;
                    }
                    last = Some(i);
                }
            }
            i += 1;
        }
        let end = last? + 1;
        let expr = &self.toks[start..end];
        let rewritten = if name == "type" && blocks == ["variable"] {
            type_expr(expr)
        } else {
            value_expr(expr)
        };
        if let Some(tokens) = rewritten {
            self.edits.push(Edit { start, end, tokens });
        }
        Some(i)
    }

    /// Walks a block header and body starting at its type name; returns the index after `}`.
    fn block(&mut self, type_at: usize, name: &str, blocks: &mut Vec<String>) -> Option<usize> {
        let mut labels = Vec::new();
        let mut last_label_end = None;
        let mut i = self.skip_comments(type_at + 1);
        loop {
            match self.kind(i) {
                K::Ident => {
                    labels.push(Some(self.toks[i].text.clone()));
                    i += 1;
                }
                K::OQuote => {
                    let close = (i + 1..self.toks.len()).find(|&j| self.kind(j) == K::CQuote)?;
                    labels.push(quoted_label(&self.toks[i + 1..close]));
                    i = close + 1;
                }
                K::OBrace => break,
                _ => return None,
            }
            last_label_end = Some(i);
            i = self.skip_comments(i);
        }
        if let Some(end) = last_label_end {
            // hclwrite rebuilds the labels from their values, dropping comments among them
            // and any label it cannot read back as a single literal.
            let tokens = labels
                .into_iter()
                .flatten()
                .flat_map(label_tokens)
                .collect();
            self.edits.push(Edit {
                start: type_at + 1,
                end,
                tokens,
            });
        }
        blocks.push(name.to_string());
        let close = self.body(i + 1, blocks);
        blocks.pop();
        let close = close?;
        (self.kind(close) == K::CBrace).then_some(close + 1)
    }
}

/// The value of a quoted label as hclwrite reads it back: only `""` or a single literal token.
fn quoted_label(inner: &[WToken]) -> Option<String> {
    match inner {
        [] => Some(String::new()),
        [lit] if lit.kind == K::QuotedLit => unescape(&lit.text),
        _ => None,
    }
}

fn label_tokens(label: String) -> Vec<WToken> {
    let mut toks = vec![WToken::new(K::OQuote, "\"")];
    if !label.is_empty() {
        toks.push(WToken::new(K::QuotedLit, escape(&label)));
    }
    toks.push(WToken::new(K::CQuote, "\""));
    toks
}

/// Decodes the escapes of a quoted literal; None for an invalid escape.
fn unescape(lit: &str) -> Option<String> {
    if lit == "$${" || lit == "%%{" {
        return Some(lit[1..].to_string());
    }
    let mut out = String::new();
    let mut chars = lit.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            u @ ('u' | 'U') => {
                let len = if u == 'u' { 4 } else { 8 };
                let hex: String = chars.by_ref().take(len).collect();
                if hex.len() != len {
                    return None;
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Encodes a label the way hclwrite's `TokensForValue` writes a string.
fn escape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' | '%' => {
                out.push(c);
                if chars.peek() == Some(&'{') {
                    out.push(c);
                }
            }
            c if !is_print(c) => {
                let n = u32::from(c);
                if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// An approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    let format_char = matches!(c, '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}');
    let private_or_unassigned = matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..);
    !(c.is_control() || c.is_whitespace() || format_char || private_or_unassigned)
}

/// Terraform's `formatValueExpr`: unwraps a value that is a single `"${...}"` interpolation.
fn value_expr(tokens: &[WToken]) -> Option<Vec<WToken>> {
    let n = tokens.len();
    if n < 5
        || tokens[0].kind != K::OQuote
        || tokens[1].kind != K::TemplateInterp
        || tokens[n - 2].kind != K::TemplateSeqEnd
        || tokens[n - 1].kind != K::CQuote
    {
        return None;
    }
    let inside = &tokens[2..n - 2];
    let mut quotes = 0;
    for tok in inside {
        match tok.kind {
            K::OQuote => quotes += 1,
            K::CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            K::TemplateInterp | K::TemplateSeqEnd | K::QuotedLit => return None,
            _ => {}
        }
    }
    let start = inside
        .iter()
        .position(|t| t.kind != K::Newline)
        .unwrap_or(inside.len());
    let end = inside
        .iter()
        .rposition(|t| t.kind != K::Newline)
        .map_or(start, |e| e + 1);
    let trimmed = &inside[start..end.max(start)];
    let multi_line = trimmed.iter().any(|t| t.kind == K::Newline);
    // A multi-line expression needs parentheses to stay one expression once unquoted.
    let parenthesized = trimmed.first().is_some_and(|t| t.kind == K::OParen)
        && trimmed.len() > 1
        && trimmed.last().is_some_and(|t| t.kind == K::CParen);
    let mut out = Vec::with_capacity(trimmed.len() + 2);
    if multi_line && !parenthesized {
        out.push(WToken::new(K::OParen, "("));
        out.extend_from_slice(trimmed);
        out.push(WToken::new(K::CParen, ")"));
    } else {
        out.extend_from_slice(trimmed);
    }
    Some(out)
}

/// Terraform's `formatTypeExpr` for `type` in a top-level `variable` block.
fn type_expr(tokens: &[WToken]) -> Option<Vec<WToken>> {
    let call = |name: &str, arg: &str| {
        vec![
            WToken::new(K::Ident, name),
            WToken::new(K::OParen, "("),
            WToken::new(K::Ident, arg),
            WToken::new(K::CParen, ")"),
        ]
    };
    match tokens {
        [kw] if kw.kind == K::Ident && matches!(kw.text.as_str(), "list" | "map" | "set") => {
            Some(call(&kw.text, "any"))
        }
        [open, lit, close]
            if open.kind == K::OQuote && lit.kind == K::QuotedLit && close.kind == K::CQuote =>
        {
            match lit.text.as_str() {
                "string" => Some(vec![WToken::new(K::Ident, "string")]),
                "list" => Some(call("list", "string")),
                "map" => Some(call("map", "string")),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::{format, write, writer_tokens};
    use super::super::lexer::lex;
    use super::*;

    /// Tidies and lays out `src`, since rewritten tokens get their spacing from layout.
    fn tidied(src: &str) -> String {
        let mut toks = tidy(writer_tokens(src, &lex(src))).expect("no redefinitions");
        format(&mut toks);
        write(&toks)
    }

    #[test]
    fn bare_labels_become_quoted() {
        assert_eq!(tidied("resource a b {\n}\n"), "resource \"a\" \"b\" {\n}\n");
    }

    #[test]
    fn labels_that_are_not_one_literal_are_dropped() {
        assert_eq!(tidied("r \"a$b\" \"c\" {}"), "r \"c\" {}");
    }

    #[test]
    fn label_escapes_are_normalised() {
        assert_eq!(tidied("r \"\\u00e9\\t\" {}"), "r \"é\\t\" {}");
    }

    #[test]
    fn interpolation_only_value_is_unwrapped() {
        assert_eq!(tidied("a = \"${var.x}\"\n"), "a = var.x\n");
    }

    #[test]
    fn interpolation_with_literal_text_is_kept() {
        assert_eq!(tidied("a = \"x${var.x}\"\n"), "a = \"x${var.x}\"\n");
        assert_eq!(tidied("a = \"${a}${b}\"\n"), "a = \"${a}${b}\"\n");
    }

    #[test]
    fn multi_line_interpolation_gets_parentheses() {
        assert_eq!(tidied("a = \"${\nb ? c : d\n}\"\n"), "a = b ? c : d\n");
        assert_eq!(tidied("a = \"${b ?\nc : d}\"\n"), "a = (b ?\nc : d)\n");
    }

    #[test]
    fn interpolation_inside_objects_is_kept() {
        assert_eq!(tidied("a = { b = \"${c}\" }\n"), "a = { b = \"${c}\" }\n");
    }

    #[test]
    fn variable_type_keywords_get_element_types() {
        assert_eq!(
            tidied("variable \"v\" {\ntype = list\n}\n"),
            "variable \"v\" {\n  type = list(any)\n}\n"
        );
        assert_eq!(
            tidied("variable \"v\" {\ntype = \"map\"\n}\n"),
            "variable \"v\" {\n  type = map(string)\n}\n"
        );
    }

    #[test]
    fn attribute_defined_twice_in_a_nested_body_is_reported() {
        let src = "a = 1\nb {\nc = 1\nc = 2\n}\nc = 3\n";
        let err = tidy(writer_tokens(src, &lex(src))).err();
        assert_eq!(err.map(|e| (e.token, e.name)), Some((11, "c".to_string())));
    }

    #[test]
    fn type_outside_variable_blocks_is_kept() {
        assert_eq!(tidied("x {\ntype = list\n}\n"), "x {\n  type = list\n}\n");
    }
}
