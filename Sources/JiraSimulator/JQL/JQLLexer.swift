/// Splits JQL into tokens: quoted strings, unquoted words, operators and punctuation.
struct JQLLexer {
    enum Kind: Equatable { case word, string, op, lparen, rparen, comma, end }
    struct Token: Equatable {
        var kind: Kind
        var text: String
        /// 1-based character position, as JIRA reports it.
        var position: Int
        func isKeyword(_ word: String) -> Bool { kind == .word && text.lowercased() == word }
    }

    static func tokenize(_ source: String) throws(JQLError) -> [Token] {
        let chars = Array(source)
        var tokens: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let position = i + 1
            if c.isWhitespace { i += 1; continue }
            switch c {
            case "(": tokens.append(Token(kind: .lparen, text: "(", position: position)); i += 1
            case ")": tokens.append(Token(kind: .rparen, text: ")", position: position)); i += 1
            case ",": tokens.append(Token(kind: .comma, text: ",", position: position)); i += 1
            case "\"", "'":
                var text = ""
                var j = i + 1
                var closed = false
                while j < chars.count {
                    if chars[j] == "\\", j + 1 < chars.count {
                        let next = chars[j + 1]
                        switch next {
                        case "n": text.append("\n")
                        case "t": text.append("\t")
                        default: text.append(next)
                        }
                        j += 2
                        continue
                    }
                    if chars[j] == c { closed = true; break }
                    text.append(chars[j])
                    j += 1
                }
                guard closed else {
                    throw JQLError(
                        "Error in the JQL Query: The quoted string '\(text)' has not been completed. (line 1, character \(position))"
                    )
                }
                tokens.append(Token(kind: .string, text: text, position: position))
                i = j + 1
            case "=", "~":
                tokens.append(Token(kind: .op, text: String(c), position: position)); i += 1
            case "!":
                if i + 1 < chars.count, chars[i + 1] == "=" || chars[i + 1] == "~" {
                    tokens.append(Token(kind: .op, text: "!" + String(chars[i + 1]), position: position)); i += 2
                } else {
                    tokens.append(Token(kind: .word, text: "!", position: position)); i += 1
                }
            case "<", ">":
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    tokens.append(Token(kind: .op, text: String(c) + "=", position: position)); i += 2
                } else {
                    tokens.append(Token(kind: .op, text: String(c), position: position)); i += 1
                }
            case "&", "|":
                if i + 1 < chars.count, chars[i + 1] == c {
                    tokens.append(Token(kind: .word, text: c == "&" ? "and" : "or", position: position)); i += 2
                } else {
                    tokens.append(Token(kind: .word, text: c == "&" ? "and" : "or", position: position)); i += 1
                }
            default:
                var j = i
                var text = ""
                while j < chars.count {
                    let d = chars[j]
                    if d.isWhitespace || "()=,!<>~\"'&|".contains(d) { break }
                    text.append(d)
                    j += 1
                }
                if text.isEmpty {
                    throw JQLError(
                        "Error in the JQL Query: The character '\(c)' is a reserved JQL character. You must enclose it in a string or use the escape '\\u\(String(c.unicodeScalars.first!.value, radix: 16))' instead. (line 1, character \(position))"
                    )
                }
                tokens.append(Token(kind: .word, text: text, position: position))
                i = j
            }
        }
        tokens.append(Token(kind: .end, text: "", position: chars.count + 1))
        return tokens
    }
}
