//! HCL native-syntax tokenizer mirroring hclsyntax's scanner, so the formatter sees the same tokens.
//!
//! The token boundaries matter for byte-identical output: `terraform fmt` decides spacing from
//! token types alone, and even quirks (a `$` splitting a quoted literal in two) change results.
//! The lexer never fails: anything it does not understand becomes an [`TokenKind::Invalid`]
//! token, and it never panics on any input.

/// The kind of a token, named after hclsyntax's `TokenType`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,
    Star,
    Slash,
    Plus,
    Minus,
    Percent,
    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Dot,
    Comma,
    DoubleColon,
    Ellipsis,
    FatArrow,
    Question,
    Colon,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    /// Literal text inside a quoted string (escapes not yet decoded).
    QuotedLit,
    /// Literal text inside a heredoc, including its line ending if any.
    StringLit,
    NumberLit,
    Ident,
    /// A comment; `#` and `//` comments include their terminating newline.
    Comment,
    Newline,
    Eof,
    BitwiseAnd,
    BitwiseOr,
    BitwiseNot,
    BitwiseXor,
    Semicolon,
    Backtick,
    Apostrophe,
    /// A newline inside a quoted string, which is a syntax error.
    QuotedNewline,
    /// Anything the scanner cannot match.
    Invalid,
    /// Placeholder used by the formatter at the edges of a cell.
    Nil,
}

/// One token: its kind and byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// Scanner modes; hclsyntax's ragel machine switches between these with `fcall`/`fret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Main,
    Quoted,
    Heredoc,
}

struct Heredoc {
    marker: String,
    start_of_line: bool,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    modes: Vec<Mode>,
    braces: i64,
    ret_braces: Vec<i64>,
    heredocs: Vec<Heredoc>,
}

/// Tokenizes `src` the way hclsyntax's `LexConfig` does. A leading UTF-8 byte order mark is
/// skipped. The result always ends with an [`TokenKind::Eof`] token.
pub fn lex(src: &str) -> Vec<Token> {
    let start = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: start,
        tokens: Vec::new(),
        modes: vec![Mode::Main],
        braces: 0,
        ret_braces: Vec::new(),
        heredocs: Vec::new(),
    };
    lexer.run();
    lexer.tokens.push(Token {
        kind: TokenKind::Eof,
        start: src.len(),
        end: src.len(),
    });
    lexer.tokens
}

impl Lexer<'_> {
    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let ok = match self.modes.last().copied().unwrap_or(Mode::Main) {
                Mode::Main => self.main(),
                Mode::Quoted => self.quoted(),
                Mode::Heredoc => self.heredoc(),
            };
            if !ok {
                // Like the ragel scanner falling out of its machine: the rest is invalid.
                self.emit(TokenKind::Invalid, self.pos, self.bytes.len());
                self.pos = self.bytes.len();
            }
        }
    }

    fn emit(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.tokens.push(Token { kind, start, end });
        self.pos = end;
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).copied()
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.src.get(i..).and_then(|s| s.chars().next())
    }

    fn leave_mode(&mut self) {
        if self.modes.len() > 1 {
            self.modes.pop();
        }
    }

    /// Scans one token in the expression ("main") mode; returns false if nothing matched.
    fn main(&mut self) -> bool {
        use TokenKind as K;
        let p = self.pos;
        let Some(c) = self.at(p) else { return false };
        let next = self.at(p + 1);
        match c {
            b' ' | b'\t' => {
                let mut e = p;
                while matches!(self.at(e), Some(b' ' | b'\t')) {
                    e += 1;
                }
                self.pos = e;
            }
            b'0'..=b'9' => {
                let e = self.number_end(p);
                self.emit(K::NumberLit, p, e);
            }
            b'#' => {
                let e = self.line_comment_end(p + 1);
                self.emit(K::Comment, p, e);
            }
            b'/' if next == Some(b'/') => {
                let e = self.line_comment_end(p + 2);
                self.emit(K::Comment, p, e);
            }
            b'/' if next == Some(b'*') => match self.src.get(p + 2..).and_then(|s| s.find("*/")) {
                Some(off) => self.emit(K::Comment, p, p + 2 + off + 2),
                None => self.emit(K::Slash, p, p + 1),
            },
            b'\r' if next == Some(b'\n') => self.emit(K::Newline, p, p + 2),
            b'\n' => self.emit(K::Newline, p, p + 1),
            b'=' if next == Some(b'=') => self.emit(K::EqualOp, p, p + 2),
            b'=' if next == Some(b'>') => self.emit(K::FatArrow, p, p + 2),
            b'!' if next == Some(b'=') => self.emit(K::NotEqual, p, p + 2),
            b'>' if next == Some(b'=') => self.emit(K::GreaterThanEq, p, p + 2),
            b'<' if next == Some(b'<') && self.heredoc_intro(p) => {}
            b'<' if next == Some(b'=') => self.emit(K::LessThanEq, p, p + 2),
            b'&' if next == Some(b'&') => self.emit(K::And, p, p + 2),
            b'|' if next == Some(b'|') => self.emit(K::Or, p, p + 2),
            b':' if next == Some(b':') => self.emit(K::DoubleColon, p, p + 2),
            b'.' if next == Some(b'.') && self.at(p + 2) == Some(b'.') => {
                self.emit(K::Ellipsis, p, p + 3)
            }
            b'~' if next == Some(b'}') => {
                // hclsyntax emits a sequence end even when unbalanced, so the parser can complain.
                self.emit(K::TemplateSeqEnd, p, p + 2);
                if self.ret_braces.last() == Some(&self.braces) {
                    self.ret_braces.pop();
                    self.braces -= 1;
                    self.leave_mode();
                } else {
                    self.braces -= 1;
                }
            }
            b'{' => {
                self.emit(K::OBrace, p, p + 1);
                self.braces += 1;
            }
            b'}' => {
                if self.ret_braces.last() == Some(&self.braces) {
                    self.emit(K::TemplateSeqEnd, p, p + 1);
                    self.braces -= 1;
                    self.ret_braces.pop();
                    self.leave_mode();
                } else {
                    self.emit(K::CBrace, p, p + 1);
                    self.braces -= 1;
                }
            }
            b'"' => {
                self.emit(K::OQuote, p, p + 1);
                self.modes.push(Mode::Quoted);
            }
            _ => {
                if let Some(kind) = self_token(c) {
                    self.emit(kind, p, p + 1);
                } else if let Some(e) = self.ident_end(p) {
                    self.emit(K::Ident, p, e);
                } else {
                    let len = self.char_at(p).map_or(1, char::len_utf8);
                    self.emit(K::Invalid, p, p + len);
                }
            }
        }
        true
    }

    /// `digit (digit | '.' | [eE][+-]?digit)*`, not ending in `.`.
    fn number_end(&self, p: usize) -> usize {
        let mut i = p + 1;
        let mut end = i;
        loop {
            match self.at(i) {
                Some(b'0'..=b'9') => {
                    i += 1;
                    end = i;
                }
                Some(b'.') => i += 1,
                Some(b'e' | b'E') => {
                    let mut j = i + 1;
                    if matches!(self.at(j), Some(b'+' | b'-')) {
                        j += 1;
                    }
                    if matches!(self.at(j), Some(b'0'..=b'9')) {
                        i = j + 1;
                        end = i;
                    } else {
                        break;
                    }
                }
                _ => break,
            }
        }
        end
    }

    /// End of a `#` or `//` comment body starting at `from`: just after the newline, or EOF.
    fn line_comment_end(&self, from: usize) -> usize {
        match self
            .bytes
            .get(from..)
            .and_then(|b| b.iter().position(|&c| c == b'\n'))
        {
            Some(off) => from + off + 1,
            None => self.bytes.len(),
        }
    }

    /// `(ID_Start | '_') (ID_Continue | '-')*`; returns the end if an identifier starts at `p`.
    fn ident_end(&self, p: usize) -> Option<usize> {
        let first = self.char_at(p)?;
        if first != '_' && !unicode_ident::is_xid_start(first) {
            return None;
        }
        let mut e = p + first.len_utf8();
        while let Some(c) = self.char_at(e) {
            if c == '-' || unicode_ident::is_xid_continue(c) {
                e += c.len_utf8();
            } else {
                break;
            }
        }
        Some(e)
    }

    /// Recognizes `<<` `-`? Ident Newline; on success emits the heredoc opener and enters it.
    fn heredoc_intro(&mut self, p: usize) -> bool {
        let mut i = p + 2;
        if self.at(i) == Some(b'-') {
            i += 1;
        }
        let Some(ident_end) = self.ident_end(i) else {
            return false;
        };
        let end = match (self.at(ident_end), self.at(ident_end + 1)) {
            (Some(b'\n'), _) => ident_end + 1,
            (Some(b'\r'), Some(b'\n')) => ident_end + 2,
            _ => return false,
        };
        let marker = self.src.get(i..ident_end).unwrap_or_default().to_string();
        self.emit(TokenKind::OHeredoc, p, end);
        self.heredocs.push(Heredoc {
            marker,
            start_of_line: true,
        });
        self.modes.push(Mode::Heredoc);
        true
    }

    /// `${`/`%{` with optional `~`: emits the introducer and enters an expression.
    fn template_intro(&mut self, p: usize) -> bool {
        let kind = match (self.at(p), self.at(p + 1)) {
            (Some(b'$'), Some(b'{')) => TokenKind::TemplateInterp,
            (Some(b'%'), Some(b'{')) => TokenKind::TemplateControl,
            _ => return false,
        };
        let end = if self.at(p + 2) == Some(b'~') {
            p + 3
        } else {
            p + 2
        };
        self.emit(kind, p, end);
        self.braces += 1;
        self.ret_braces.push(self.braces);
        if let Some(doc) = self.heredocs.last_mut() {
            doc.start_of_line = false;
        }
        self.modes.push(Mode::Main);
        true
    }

    /// Length of a `$`/`%` that does not start a template sequence: `$${` escapes are three
    /// bytes, a lone `$` is one. None at end of input, where ragel cannot decide.
    fn not_template_len(&self, p: usize) -> Option<usize> {
        let c = self.at(p)?;
        match (self.at(p + 1), self.at(p + 2)) {
            (Some(n), Some(b'{')) if n == c => Some(3),
            (Some(_), _) => Some(1),
            (None, _) => None,
        }
    }

    fn quoted(&mut self) -> bool {
        use TokenKind as K;
        let p = self.pos;
        let Some(c) = self.at(p) else { return false };
        if self.template_intro(p) {
            return true;
        }
        match c {
            b'"' => {
                self.emit(K::CQuote, p, p + 1);
                self.leave_mode();
            }
            b'\r' | b'\n' => {
                let mut e = p;
                while matches!(self.at(e), Some(b'\r' | b'\n')) {
                    e += 1;
                }
                self.emit(K::QuotedNewline, p, e);
            }
            b'$' | b'%' => match self.not_template_len(p) {
                Some(n) => self.emit(K::QuotedLit, p, p + n),
                None => return false,
            },
            _ => {
                let mut e = p;
                while let Some(ch) = self.char_at(e) {
                    match ch {
                        '\\' => match self.char_at(e + 1) {
                            Some(n) if n != '\r' && n != '\n' => e += 1 + n.len_utf8(),
                            _ => break,
                        },
                        '$' | '%' | '"' | '\r' | '\n' => break,
                        _ => e += ch.len_utf8(),
                    }
                }
                if e == p {
                    let len = self.char_at(p).map_or(1, char::len_utf8);
                    self.emit(K::Invalid, p, p + len);
                } else {
                    self.emit(K::QuotedLit, p, e);
                }
            }
        }
        true
    }

    fn heredoc(&mut self) -> bool {
        let p = self.pos;
        if self.template_intro(p) {
            return true;
        }
        let lit_end = match self.at(p) {
            Some(b'$' | b'%') => match self.not_template_len(p) {
                Some(n) => {
                    self.heredoc_midline(p, p + n);
                    return true;
                }
                None => return false,
            },
            _ => {
                let mut e = p;
                while let Some(c) = self.at(e) {
                    if matches!(c, b'$' | b'%' | b'\r' | b'\n') {
                        break;
                    }
                    e += 1;
                }
                e
            }
        };
        let eol_end = match (self.at(lit_end), self.at(lit_end + 1)) {
            (Some(b'\n'), _) => Some(lit_end + 1),
            (Some(b'\r'), Some(b'\n')) => Some(lit_end + 2),
            _ => None,
        };
        match eol_end {
            Some(end) => self.heredoc_eol(p, lit_end, end),
            None if lit_end > p => self.heredoc_midline(p, lit_end),
            None => return false,
        }
        true
    }

    fn heredoc_midline(&mut self, start: usize, end: usize) {
        if let Some(doc) = self.heredocs.last_mut() {
            doc.start_of_line = false;
        }
        self.emit(TokenKind::StringLit, start, end);
    }

    /// A heredoc line ending in a newline: either the closing marker or literal text.
    fn heredoc_eol(&mut self, start: usize, lit_end: usize, end: usize) {
        let line = self.src.get(start..end).unwrap_or_default();
        let is_marker = self
            .heredocs
            .last()
            .is_some_and(|doc| doc.start_of_line && line.trim() == doc.marker);
        if is_marker {
            self.emit(TokenKind::CHeredoc, start, lit_end);
            self.emit(TokenKind::Newline, lit_end, end);
            self.heredocs.pop();
            self.leave_mode();
        } else {
            if let Some(doc) = self.heredocs.last_mut() {
                doc.start_of_line = true;
            }
            self.emit(TokenKind::StringLit, start, end);
        }
    }
}

/// The first opener without its closer (or closer without opener), if any: an unterminated
/// string, heredoc, template sequence or bracket. hclsyntax rejects all of these, while
/// hcl-edit is lenient about a few (e.g. a heredoc marker followed by more text).
pub fn first_unbalanced(tokens: &[Token]) -> Option<Token> {
    use TokenKind as K;
    let mut stack: Vec<Token> = Vec::new();
    for tok in tokens {
        let opens = match tok.kind {
            K::OBrace | K::OBrack | K::OParen | K::OQuote | K::OHeredoc => true,
            K::TemplateInterp | K::TemplateControl => true,
            K::CBrace | K::CBrack | K::CParen | K::CQuote | K::CHeredoc | K::TemplateSeqEnd => {
                false
            }
            _ => continue,
        };
        if opens {
            stack.push(*tok);
            continue;
        }
        let expected = match tok.kind {
            K::CBrace => K::OBrace,
            K::CBrack => K::OBrack,
            K::CParen => K::OParen,
            K::CQuote => K::OQuote,
            K::CHeredoc => K::OHeredoc,
            _ => K::TemplateInterp,
        };
        match stack.pop() {
            Some(open)
                if open.kind == expected
                    || (expected == K::TemplateInterp && open.kind == K::TemplateControl) => {}
            Some(open) => return Some(open),
            None => return Some(*tok),
        }
    }
    stack.first().copied()
}

/// Single-character tokens that stand for themselves.
fn self_token(c: u8) -> Option<TokenKind> {
    use TokenKind as K;
    Some(match c {
        b'[' => K::OBrack,
        b']' => K::CBrack,
        b'(' => K::OParen,
        b')' => K::CParen,
        b'.' => K::Dot,
        b',' => K::Comma,
        b'*' => K::Star,
        b'/' => K::Slash,
        b'%' => K::Percent,
        b'+' => K::Plus,
        b'-' => K::Minus,
        b'=' => K::Equal,
        b'<' => K::LessThan,
        b'>' => K::GreaterThan,
        b'!' => K::Bang,
        b'?' => K::Question,
        b':' => K::Colon,
        b'&' => K::BitwiseAnd,
        b'|' => K::BitwiseOr,
        b'~' => K::BitwiseNot,
        b'^' => K::BitwiseXor,
        b';' => K::Semicolon,
        b'`' => K::Backtick,
        b'\'' => K::Apostrophe,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind as K;

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).iter().map(|t| t.kind).collect()
    }

    fn texts(src: &str) -> Vec<&str> {
        lex(src).iter().map(|t| &src[t.start..t.end]).collect()
    }

    #[test]
    fn attribute_line_lexes_to_ident_equal_number_newline() {
        assert_eq!(
            kinds("a = 1\n"),
            [K::Ident, K::Equal, K::NumberLit, K::Newline, K::Eof]
        );
    }

    #[test]
    fn line_comments_swallow_their_newline() {
        assert_eq!(texts("# hi\r\nx"), ["# hi\r\n", "x", ""]);
        assert_eq!(texts("// hi"), ["// hi", ""]);
    }

    #[test]
    fn unterminated_block_comment_is_a_slash() {
        assert_eq!(kinds("/* x")[..2], [K::Slash, K::Star]);
    }

    #[test]
    fn numbers_do_not_end_in_a_dot() {
        assert_eq!(texts("1.5e+3 2.x"), ["1.5e+3", "2", ".", "x", ""]);
    }

    #[test]
    fn identifiers_may_contain_dashes_and_unicode() {
        assert_eq!(texts("foo-bar é_1"), ["foo-bar", "é_1", ""]);
    }

    #[test]
    fn dollar_splits_quoted_literals() {
        assert_eq!(
            texts(r#""a$b$${c}""#),
            ["\"", "a", "$", "b", "$${", "c}", "\"", ""]
        );
    }

    #[test]
    fn interpolation_nests_and_returns_to_the_string() {
        assert_eq!(
            kinds(r#""x${ {a=1}.a }y""#),
            [
                K::OQuote,
                K::QuotedLit,
                K::TemplateInterp,
                K::OBrace,
                K::Ident,
                K::Equal,
                K::NumberLit,
                K::CBrace,
                K::Dot,
                K::Ident,
                K::TemplateSeqEnd,
                K::QuotedLit,
                K::CQuote,
                K::Eof
            ]
        );
    }

    #[test]
    fn heredoc_ends_at_its_marker_line_even_when_indented() {
        let src = "x = <<-EOT\n  hello ${name}\n  EOT\ny = 1\n";
        assert_eq!(
            texts(src),
            [
                "x", "=", "<<-EOT\n", "  hello ", "${", "name", "}", "\n", "  EOT", "\n", "y", "=",
                "1", "\n", ""
            ]
        );
        assert_eq!(kinds(src)[8], K::CHeredoc);
    }

    #[test]
    fn heredoc_marker_needs_a_newline_right_after_it() {
        assert_eq!(kinds("<<EOT ")[..3], [K::LessThan, K::LessThan, K::Ident]);
    }

    #[test]
    fn balanced_tokens_have_nothing_unbalanced() {
        assert_eq!(
            first_unbalanced(&lex("a = [\"${x}\", <<EOT\ny\nEOT\n]\n")),
            None
        );
    }

    #[test]
    fn heredoc_marker_with_trailing_text_leaves_the_heredoc_open() {
        let src = "a = \"${ <<EOT\nline\n  EOT }\"\n";
        let open = first_unbalanced(&lex(src)).map(|t| &src[t.start..t.end]);
        assert_eq!(open, Some("\""));
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        let toks = lex("\u{feff}a");
        assert_eq!((toks[0].start, toks[0].kind), (3, K::Ident));
    }

    #[test]
    fn strange_characters_become_invalid_tokens() {
        assert_eq!(kinds("\u{c}@"), [K::Invalid, K::Invalid, K::Eof]);
        assert_eq!(
            kinds("\"a\nb"),
            [
                K::OQuote,
                K::QuotedLit,
                K::QuotedNewline,
                K::QuotedLit,
                K::Eof
            ]
        );
    }
}
