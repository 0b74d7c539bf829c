//! Whitespace layout of a token stream, a port of hclwrite's `format.go`.
//!
//! Only the spaces before each token change: indentation by bracket depth, spacing between
//! token pairs, and alignment of `=` and trailing comments on consecutive lines.

use unicode_segmentation::UnicodeSegmentation;

use super::lexer::{Token, TokenKind};

/// A token as the writer sees it: its text and how many spaces precede it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WToken {
    pub kind: TokenKind,
    pub text: String,
    pub spaces_before: usize,
}

impl WToken {
    /// A token made up by the formatter rather than read from the source.
    pub fn new(kind: TokenKind, text: impl Into<String>) -> Self {
        WToken {
            kind,
            text: text.into(),
            spaces_before: 0,
        }
    }
}

/// Turns scanner tokens into writer tokens, recording the gap before each one in bytes, as
/// hclwrite does (a tab counts as one space; only the gap before EOF survives formatting).
pub fn writer_tokens(src: &str, tokens: &[Token]) -> Vec<WToken> {
    let mut last_end = 0;
    tokens
        .iter()
        .map(|t| {
            let tok = WToken {
                kind: t.kind,
                text: src.get(t.start..t.end).unwrap_or_default().to_string(),
                spaces_before: t.start.saturating_sub(last_end),
            };
            last_end = t.end;
            tok
        })
        .collect()
}

/// Concatenates the tokens with their leading spaces.
pub fn write(tokens: &[WToken]) -> String {
    let mut out = String::new();
    for t in tokens {
        out.extend(std::iter::repeat_n(' ', t.spaces_before));
        out.push_str(&t.text);
    }
    out
}

/// One source line split into cells: `lead`, then `assign` (from an `=` on), then a trailing
/// `comment`. Stored as token indexes: lead is `start..assign`, assign is `assign..comment`,
/// comment is `comment..end`.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    assign: usize,
    comment: usize,
    end: usize,
}

impl Line {
    fn lead(&self) -> std::ops::Range<usize> {
        self.start..self.assign
    }
    fn assign(&self) -> std::ops::Range<usize> {
        self.assign..self.comment
    }
    fn has_assign(&self) -> bool {
        self.comment > self.assign
    }
    fn has_comment(&self) -> bool {
        self.end > self.comment
    }
}

/// Rewrites the spaces before each token to the canonical layout, in place.
pub fn format(tokens: &mut [WToken]) {
    let lines = lines_for_format(tokens);
    format_indent(tokens, &lines);
    format_spaces(tokens, &lines);
    format_cells(tokens, &lines);
}

fn is_newline(tok: &WToken) -> bool {
    match tok.kind {
        TokenKind::Newline => true,
        TokenKind::Comment => tok.text.ends_with('\n'),
        _ => false,
    }
}

fn bracket_change(kind: TokenKind) -> i64 {
    use TokenKind as K;
    match kind {
        K::OBrace | K::OBrack | K::OParen | K::TemplateControl | K::TemplateInterp => 1,
        K::CBrace | K::CBrack | K::CParen | K::TemplateSeqEnd => -1,
        _ => 0,
    }
}

fn lines_for_format(tokens: &[WToken]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut end = tokens.len();
    for (i, tok) in tokens.iter().enumerate() {
        if tok.kind == TokenKind::Eof {
            end = i;
            break;
        }
        if is_newline(tok) {
            lines.push(Line {
                start,
                assign: i + 1,
                comment: i + 1,
                end: i + 1,
            });
            start = i + 1;
        }
    }
    lines.push(Line {
        start,
        assign: end,
        comment: end,
        end,
    });

    for line in &mut lines {
        if line.end - line.start > 1 && tokens[line.end - 1].kind == TokenKind::Comment {
            line.comment = line.end - 1;
            line.assign = line.end - 1;
        }
        let lead_end = line.assign;
        for i in line.start + 1..lead_end {
            if tokens[i].kind == TokenKind::Equal {
                // Only a whole expression goes into the assign cell; an open bracket means the
                // value continues on later lines.
                let net: i64 = tokens[i..lead_end]
                    .iter()
                    .map(|t| bracket_change(t.kind))
                    .sum();
                if net == 0 {
                    line.assign = i;
                }
                break;
            }
        }
    }
    lines
}

fn format_indent(tokens: &mut [WToken], lines: &[Line]) {
    let mut indents: Vec<i64> = Vec::new();
    for line in lines {
        if line.assign == line.start {
            // Empty lead: only possible on the last line.
            continue;
        }
        let first = line.start;
        if tokens[first].kind == TokenKind::Newline {
            tokens[first].spaces_before = 0;
            continue;
        }
        let mut net = 0;
        for t in &tokens[line.lead()] {
            net += bracket_change(t.kind);
            if t.kind == TokenKind::OHeredoc {
                break;
            }
        }
        for t in &tokens[line.assign()] {
            net += bracket_change(t.kind);
        }
        if net > 0 {
            tokens[first].spaces_before = 2 * indents.len();
            indents.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    indents.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
            tokens[first].spaces_before = 2 * indents.len();
        }
    }
}

fn format_spaces(tokens: &mut [WToken], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.lead());
        let assign = line.assign();
        if !assign.is_empty() {
            tokens[assign.start].spaces_before = 1;
        }
        space_cell(tokens, assign);
    }
}

fn space_cell(tokens: &mut [WToken], cell: std::ops::Range<usize>) {
    let nil = WToken::new(TokenKind::Nil, "");
    for i in cell.clone() {
        if i + 1 >= cell.end {
            continue;
        }
        let before = if i > cell.start { &tokens[i - 1] } else { &nil };
        let space = space_after_token(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces_before = usize::from(space);
    }
}

/// Number of columns (grapheme clusters, spaces counting one each) of a cell.
fn columns(tokens: &[WToken]) -> usize {
    tokens
        .iter()
        .map(|t| t.spaces_before + t.text.graphemes(true).count())
        .sum()
}

fn format_cells(tokens: &mut [WToken], lines: &[Line]) {
    // The assign cells first, since moving them also moves the comment cells.
    let mut chain: Vec<&Line> = Vec::new();
    for line in lines.iter().chain(std::iter::once(&Line {
        start: 0,
        assign: 0,
        comment: 0,
        end: 0,
    })) {
        if line.has_assign() {
            chain.push(line);
            continue;
        }
        let max = chain
            .iter()
            .map(|l| columns(&tokens[l.lead()]))
            .max()
            .unwrap_or(0);
        for l in chain.drain(..) {
            let cols = columns(&tokens[l.lead()]);
            tokens[l.assign].spaces_before = max - cols + 1;
        }
    }

    let width = |tokens: &[WToken], l: &Line| columns(&tokens[l.start..l.comment]);
    for line in lines.iter().chain(std::iter::once(&Line {
        start: 0,
        assign: 0,
        comment: 0,
        end: 0,
    })) {
        if line.has_comment() {
            chain.push(line);
            continue;
        }
        let max = chain.iter().map(|l| width(tokens, l)).max().unwrap_or(0);
        for l in chain.drain(..) {
            let cols = width(tokens, l);
            tokens[l.comment].spaces_before = max - cols + 1;
        }
    }
}

/// Whether `subject` should be followed by a space, given its neighbours on the same cell.
fn space_after_token(subject: &WToken, before: &WToken, after: &WToken) -> bool {
    use TokenKind as K;
    let s = subject.kind;
    let a = after.kind;
    match () {
        _ if a == K::Newline || a == K::Nil => false,
        _ if s == K::Ident && a == K::OParen => false,
        _ if (s == K::Ident && a == K::DoubleColon) || (s == K::DoubleColon && a == K::Ident) => {
            false
        }
        _ if s == K::Dot || a == K::Dot => false,
        _ if a == K::Comma || a == K::Ellipsis => false,
        _ if s == K::Comma => true,
        _ if matches!(s, K::QuotedLit | K::StringLit | K::OQuote | K::OHeredoc)
            || matches!(a, K::QuotedLit | K::StringLit | K::CQuote | K::CHeredoc) =>
        {
            false
        }
        // `[for x in [foo]: x]` should not read as an index into a variable named `in`.
        _ if s == K::Ident && subject.text == "in" && before.kind == K::Ident => true,
        _ if a == K::OBrack && (s == K::Ident || s == K::NumberLit || bracket_change(s) < 0) => {
            false
        }
        _ if s == K::Bang => false,
        _ if s == K::Minus => !minus_is_negation(before.kind),
        _ if s == K::OBrace || a == K::CBrace => !(s == K::OBrace && a == K::CBrace),
        _ if matches!(s, K::TemplateInterp | K::TemplateControl) && a == K::OBrace => true,
        _ if s == K::CBrace && a == K::TemplateSeqEnd => true,
        _ if s == K::TemplateSeqEnd && matches!(a, K::TemplateInterp | K::TemplateControl) => false,
        _ if bracket_change(s) > 0 => false,
        _ if bracket_change(a) < 0 => false,
        _ => true,
    }
}

/// hclwrite's guess whether a `-` is unary, from the token before it.
fn minus_is_negation(before: TokenKind) -> bool {
    use TokenKind as K;
    matches!(
        before,
        K::Nil
            | K::OParen
            | K::OBrace
            | K::OBrack
            | K::Equal
            | K::Colon
            | K::Comma
            | K::Question
            | K::Plus
            | K::Star
            | K::Slash
            | K::Percent
            | K::Minus
            | K::EqualOp
            | K::NotEqual
            | K::GreaterThan
            | K::GreaterThanEq
            | K::LessThan
            | K::LessThanEq
            | K::And
            | K::Or
            | K::Bang
    )
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn fmt(src: &str) -> String {
        let mut toks = writer_tokens(src, &lex(src));
        format(&mut toks);
        write(&toks)
    }

    #[test]
    fn equals_signs_align_across_consecutive_attributes() {
        assert_eq!(fmt("a=1\nbbb=2\n"), "a   = 1\nbbb = 2\n");
    }

    #[test]
    fn blank_line_breaks_the_alignment_group() {
        assert_eq!(fmt("a=1\n\nbbb=2\n"), "a = 1\n\nbbb = 2\n");
    }

    #[test]
    fn nested_blocks_indent_two_spaces_per_level() {
        assert_eq!(
            fmt("a {\nb {\nc = 1\n}\n}\n"),
            "a {\n  b {\n    c = 1\n  }\n}\n"
        );
    }

    #[test]
    fn trailing_comments_align() {
        assert_eq!(
            fmt("a = 1 # x\nbb = 22 # y\n"),
            "a  = 1  # x\nbb = 22 # y\n"
        );
    }

    #[test]
    fn minus_after_operator_is_unary() {
        assert_eq!(fmt("a = 1 - -2\nb = [ -1 ]\n"), "a = 1 - -2\nb = [-1]\n");
    }

    #[test]
    fn spaces_before_eof_survive() {
        assert_eq!(fmt("a = 1   "), "a = 1   ");
    }

    #[test]
    fn columns_count_grapheme_clusters() {
        assert_eq!(fmt("\"é\" = 1\nab = 2\n"), "\"é\" = 1\nab  = 2\n");
    }
}
